// Package person holds the people of a tenant's roster and the lifecycle events
// (join, move, leave, rehire, leave of absence, return) derived from roster changes.
//
// The roster is the source of truth: a Person is what HR last said about someone,
// and an Event is the effective-dated difference between two things HR said.
// Nothing here touches storage; the diff is a pure function so it can be tested
// and benchmarked on its own.
package person

import (
	"maps"
	"slices"
	"time"
)

// Status is where a person is in their employment lifecycle.
type Status string

// The four statuses. A person's status decides their desired access:
// active people get what policy grants, on-leave people keep their accounts
// disabled, pre-hire and terminated people get nothing.
const (
	PreHire    Status = "pre-hire"
	Active     Status = "active"
	OnLeave    Status = "on-leave"
	Terminated Status = "terminated"
)

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	switch s {
	case PreHire, Active, OnLeave, Terminated:
		return true
	}
	return false
}

// Person is one human of the roster, as HR last described them.
//
// Dates are calendar dates (midnight UTC); a zero time means "not given".
type Person struct {
	ID             string    `json:"employeeId"`
	Email          string    `json:"email,omitempty"`
	GivenName      string    `json:"givenName,omitempty"`
	FamilyName     string    `json:"familyName,omitempty"`
	DisplayName    string    `json:"displayName,omitempty"`
	Department     string    `json:"department,omitempty"`
	Title          string    `json:"title,omitempty"`
	Location       string    `json:"location,omitempty"`
	ManagerID      string    `json:"managerId,omitempty"`
	EmploymentType string    `json:"employmentType,omitempty"`
	StartDate      time.Time `json:"startDate,omitzero"`
	EndDate        time.Time `json:"endDate,omitzero"`
	// OnLeave is HR's word that the person is on a leave of absence.
	OnLeave bool `json:"onLeave,omitempty"`
	// Terminated is HR's word that employment ended, for exports that carry a
	// status without an end date; the leave then takes effect at import.
	Terminated bool `json:"terminated,omitempty"`
	// Attributes holds custom columns mapped to "attributes.NAME"; rules read
	// them as person.attributes["NAME"].
	Attributes map[string]string `json:"attributes,omitempty"`
	// Groups are the groups an identity provider pushed the person into
	// (SCIM), sorted; rules read them as person.groups. They come from that
	// source only: an HR file never carries them, and an import keeps them.
	Groups []string `json:"groups,omitempty"`
	// SourceGroups are the same groups by SCIM source (the identity
	// provider's token names it), each list sorted; rules read them as
	// person.sourceGroups["okta"]. A source has a key while it holds the
	// person active, even with no groups, so Groups is the union of the
	// lists. Like Groups, an HR import keeps them.
	SourceGroups map[string][]string `json:"sourceGroups,omitempty"`
	// Status is derived from the fields above and the import time; it is stored
	// so that the next import can tell what changed.
	Status Status `json:"status"`
}

// Name is the best human-readable name for messages and task instructions.
func (p Person) Name() string {
	switch {
	case p.DisplayName != "":
		return p.DisplayName
	case p.GivenName != "" || p.FamilyName != "":
		if p.GivenName == "" {
			return p.FamilyName
		}
		if p.FamilyName == "" {
			return p.GivenName
		}
		return p.GivenName + " " + p.FamilyName
	case p.Email != "":
		return p.Email
	}
	return p.ID
}

// Label is "Name <email>" (or the name alone), used in plans and tasks.
func (p Person) Label() string {
	if p.Email != "" && p.Name() != p.Email {
		return p.Name() + " <" + p.Email + ">"
	}
	return p.Name()
}

// Equal reports whether two records say the same thing. Re-importing an
// unchanged file must produce no event, so this is the idempotency check.
func (p Person) Equal(q Person) bool {
	return p.ID == q.ID && p.Email == q.Email && p.GivenName == q.GivenName &&
		p.FamilyName == q.FamilyName && p.DisplayName == q.DisplayName &&
		p.Department == q.Department && p.Title == q.Title && p.Location == q.Location &&
		p.ManagerID == q.ManagerID && p.EmploymentType == q.EmploymentType &&
		p.StartDate.Equal(q.StartDate) && p.EndDate.Equal(q.EndDate) &&
		p.OnLeave == q.OnLeave && p.Terminated == q.Terminated && p.Status == q.Status && maps.Equal(p.Attributes, q.Attributes) &&
		slices.Equal(p.Groups, q.Groups) && maps.EqualFunc(p.SourceGroups, q.SourceGroups, slices.Equal)
}

// StatusAt derives the status HR's record implies at time now: an end date
// on or before today terminates; a leave flag puts on leave; a start date
// after today is pre-hire; otherwise active.
func (p Person) StatusAt(now time.Time) Status {
	today := Date(now)
	switch {
	case p.Terminated, !p.EndDate.IsZero() && !p.EndDate.After(today):
		return Terminated
	case !p.StartDate.IsZero() && p.StartDate.After(today):
		return PreHire
	case p.OnLeave:
		return OnLeave
	}
	return Active
}

// Fields are the roster field names a column can map to (besides
// "attributes.NAME" for a custom attribute). "status" is HR's own status word
// (active, on-leave, terminated, …), which sets OnLeave or Terminated.
var Fields = []string{
	"employeeId", "email", "givenName", "familyName", "displayName", "department",
	"title", "location", "managerId", "employmentType", "startDate", "endDate", "status",
}

// MoveFields are the fields whose change is always a move, whatever the rules read.
var MoveFields = []string{"department", "title", "location", "managerId", "employmentType"}

// Date truncates t to its calendar date in UTC.
func Date(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
