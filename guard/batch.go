package guard

import (
	"encoding/json"
	"time"
)

// Kind of a held batch: what would be applied when it is approved.
type Kind string

// Batch kinds.
const (
	// Import is a roster import (file or HR events) held whole.
	Import Kind = "import"
	// PolicyChange is a change of roles or birthright rules held whole.
	PolicyChange Kind = "policy"
	// Reconcile is a reconciliation of one app whose fixes (disabling
	// ghosts and orphans, say) would take access from too many accounts.
	Reconcile Kind = "reconcile"
)

// BatchStatus is where a held batch is in its review.
type BatchStatus string

// Batch statuses: pending until someone approves (and it is applied) or rejects it.
const (
	Pending  BatchStatus = "pending"
	Applied  BatchStatus = "applied"
	Rejected BatchStatus = "rejected"
)

// Batch is a change held by the mass-change guard.
type Batch struct {
	ID      string      `json:"id"`
	Kind    Kind        `json:"kind"`
	Status  BatchStatus `json:"status"`
	Summary Summary     `json:"summary"`
	// Payload is what approving applies, opaque to the store: the parsed
	// roster for an import, the policy document for a policy change.
	Payload   json.RawMessage `json:"-"`
	CreatedAt time.Time       `json:"createdAt"`
	DecidedAt time.Time       `json:"decidedAt,omitzero"`
	DecidedBy string          `json:"decidedBy,omitempty"`
}

// Summary tells a reviewer what a held batch would do.
type Summary struct {
	Source string `json:"source"`
	// Removals is how many people would lose access; Limit is what the guard allows.
	Removals int `json:"removals"`
	Limit    int `json:"limit"`
	Active   int `json:"active"`
	Leavers  int `json:"leavers"`
	Movers   int `json:"movers"`
	Joiners  int `json:"joiners"`
	// Departments counts the people losing access by department.
	Departments map[string]int `json:"departments,omitempty"`
}
