// Package task describes work a human must do: an operation on an app that
// has no API (the manual connector), or one a connector failed permanently.
// A task always has a named assignee and a due time, so nothing an engine
// cannot do is ever silent.
package task

import "time"

// Status of a task.
type Status string

// Statuses.
const (
	Open Status = "open"
	Done Status = "done"
	// Cancelled tasks were overtaken: the access they would change is no
	// longer wanted (a rehire before the removal was done, say).
	Cancelled Status = "cancelled"
)

// Task is one operation for a human.
type Task struct {
	ID       string `json:"id"`
	PersonID string `json:"person"`
	App      string `json:"app"`
	// Action is the plan action to perform ("disable", "revoke", …).
	Action      string `json:"action"`
	Entitlement string `json:"entitlement,omitempty"`
	// Key identifies the operation the task performs, so the same
	// operation never gets two open tasks.
	Key         string    `json:"key"`
	Assignee    string    `json:"assignee"`
	Instruction string    `json:"instruction"`
	Reason      string    `json:"reason,omitempty"`
	Due         time.Time `json:"due"`
	Status      Status    `json:"status"`
	CreatedAt   time.Time `json:"createdAt"`
	DoneAt      time.Time `json:"doneAt,omitzero"`
	DoneBy      string    `json:"doneBy,omitempty"`
	Note        string    `json:"note,omitempty"`
}

// Overdue reports whether an open task is past its due time at now.
func (t Task) Overdue(now time.Time) bool { return t.Status == Open && now.After(t.Due) }
