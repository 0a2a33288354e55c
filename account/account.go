// Package account describes what really exists in a connected app: the known
// actual state that a plan compares desired access against.
package account

import (
	"slices"
	"time"
)

// State of an account in its app.
type State string

// Account states. A disabled account still exists (and can be re-enabled on
// return or rehire); a deleted account is simply absent.
const (
	Enabled  State = "enabled"
	Disabled State = "disabled"
)

// Account is one account in one app.
type Account struct {
	App string `json:"app"`
	// ExternalID is the app's own identifier for the account.
	ExternalID string `json:"externalId"`
	// PersonID links the account to a roster person; empty for an account no
	// person could be matched to (an orphan).
	PersonID string `json:"person,omitempty"`
	// UserName is the login name the app knows the account by.
	UserName     string            `json:"userName,omitempty"`
	State        State             `json:"state"`
	Entitlements []string          `json:"entitlements,omitempty"`
	Attributes   map[string]string `json:"attributes,omitempty"`
	// ServiceOwner is set on non-human accounts: the employeeId of their owner.
	ServiceOwner string    `json:"serviceOwner,omitempty"`
	SeenAt       time.Time `json:"seenAt,omitzero"`
}

// ServiceAttribute, set to "true" in Attributes, is how a connector that
// knows an account is non-human says so even when it cannot name the
// owner (the owner's entry is gone): such an account is a service account
// whose owner is gone, never an orphan to be reported and forgotten.
const ServiceAttribute = "serviceAccount"

// Has reports whether the account holds entitlement e.
func (a Account) Has(e string) bool { return slices.Contains(a.Entitlements, e) }
