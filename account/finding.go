package account

import (
	"time"
)

// Class is what reconciliation found an account to be, compared with the
// roster and the desired state.
type Class string

// Classes of account. InSync accounts are counted but not stored as findings.
const (
	InSync Class = "in-sync"
	// Drift is an account of a person whose entitlements, attributes or
	// state differ from what their job justifies.
	Drift Class = "drift"
	// Ghost is an account still active for a terminated person.
	Ghost Class = "ghost"
	// Orphan is an account no person could be matched to.
	Orphan Class = "orphan"
	// Unmanaged is an active person's account Tenure did not know (created
	// on first login, or by hand): adopted into the known state.
	Unmanaged Class = "unmanaged"
	// Service is a non-human account with an owner.
	Service Class = "service"
	// Ambiguous is an account that more than one person matches: reported,
	// never guessed.
	Ambiguous Class = "ambiguous"
)

// Classes are the classes a finding can have, for validation and help.
var Classes = []Class{Drift, Ghost, Orphan, Unmanaged, Service, Ambiguous}

// Finding is one account reconciliation flagged, with what was done.
type Finding struct {
	App        string `json:"app"`
	ExternalID string `json:"externalId"`
	UserName   string `json:"userName,omitempty"`
	Class      Class  `json:"class"`
	// PersonID is the person the account was matched to (empty for an
	// orphan or an ambiguous account).
	PersonID string `json:"person,omitempty"`
	State    State  `json:"state"`
	// Owner is a service account's owner (an employeeId); OwnerGone says
	// that owner is not an active person any more.
	Owner     string `json:"owner,omitempty"`
	OwnerGone bool   `json:"ownerGone,omitempty"`
	// Missing and Extra are the entitlements the account lacks and holds
	// beyond what is desired; Attributes are drifted attributes
	// ("email: a@x → b@x").
	Missing    []string `json:"missing,omitempty"`
	Extra      []string `json:"extra,omitempty"`
	Attributes []string `json:"attributes,omitempty"`
	// Candidates are the people an ambiguous account matches.
	Candidates []string `json:"candidates,omitempty"`
	// Detail explains the finding in words.
	Detail string `json:"detail"`
	// Action is what the app's policy did about it: report, fix, disable,
	// delete, or held (the mass-change guard held the run).
	Action string    `json:"action"`
	SeenAt time.Time `json:"seenAt"`
}
