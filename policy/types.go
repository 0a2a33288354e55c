package policy

import "time"

// Grant is one piece of desired access: a person should hold an account in
// App, and Entitlement in it when Entitlement is not empty. Reason says why
// (a birthright rule and role, or an approved request), so every line of a
// plan and every audit entry can be explained to an auditor.
type Grant struct {
	PersonID    string `json:"person"`
	App         string `json:"app"`
	Entitlement string `json:"entitlement,omitempty"`
	Reason      string `json:"reason"`
}

// Request is requested access: asked for, approved by an owner, time-bound.
// The approval workflow is a later feature; for now approved requests are
// recorded directly and count until they expire.
type Request struct {
	ID          string    `json:"id"`
	PersonID    string    `json:"person"`
	App         string    `json:"app"`
	Entitlement string    `json:"entitlement,omitempty"`
	Approver    string    `json:"approver"`
	Reason      string    `json:"reason"`
	ExpiresAt   time.Time `json:"expiresAt"`
	CreatedAt   time.Time `json:"createdAt,omitzero"`
}

// Active reports whether the request still grants access at now.
func (r Request) Active(now time.Time) bool { return now.Before(r.ExpiresAt) }
