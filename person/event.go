package person

import (
	"fmt"
	"strings"
	"time"
)

// Kind names a lifecycle event.
type Kind string

// Lifecycle event kinds. Update is a change HR made that is not a move
// (a new email address, a corrected name): it is recorded and audited but
// does not by itself change anyone's access.
const (
	Join           Kind = "join"
	Move           Kind = "move"
	Leave          Kind = "leave"
	Rehire         Kind = "rehire"
	LeaveOfAbsence Kind = "leave-of-absence"
	Return         Kind = "return"
	Update         Kind = "update"
)

// EventState says whether an event has taken effect.
type EventState string

// An event is applied when its effective time has passed at import; a
// future-dated event is scheduled, and the engine fires it when due.
const (
	Applied   EventState = "applied"
	Scheduled EventState = "scheduled"
	// Cancelled marks a scheduled event that a later import superseded
	// (HR withdrew a future termination, moved a start date).
	Cancelled EventState = "cancelled"
)

// Change is one field that differs between two records.
type Change struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Event is one effective-dated lifecycle event for one person.
type Event struct {
	// ID is assigned by the store; zero until stored.
	ID          int64      `json:"id,omitempty"`
	PersonID    string     `json:"person"`
	Kind        Kind       `json:"kind"`
	EffectiveAt time.Time  `json:"effectiveAt"`
	State       EventState `json:"state"`
	Changes     []Change   `json:"changes,omitempty"`
	// Source names where the event came from: "import FILE", "hr-api", …
	Source    string    `json:"source,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
}

// String is a one-line human summary: "E1002 move 2026-11-21 (department: Support → Engineering)".
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", e.PersonID, e.Kind, e.EffectiveAt.UTC().Format("2006-01-02"))
	if e.State == Scheduled {
		b.WriteString(" (scheduled)")
	}
	if s := ChangeSummary(e.Changes); s != "" {
		b.WriteString(" [" + s + "]")
	}
	return b.String()
}

// ChangeSummary renders changes as "department: Support → Engineering, title: A → B".
func ChangeSummary(cs []Change) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		from, to := c.From, c.To
		if from == "" {
			from = "∅"
		}
		if to == "" {
			to = "∅"
		}
		parts = append(parts, c.Field+": "+from+" → "+to)
	}
	return strings.Join(parts, ", ")
}
