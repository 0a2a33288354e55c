package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/tenure-dev/tenure/plan"
)

// OpArgs is one queued plan operation.
type OpArgs struct {
	Tenant string         `json:"tenant"`
	Op     plan.Operation `json:"op"`
	// Key identifies the operation (tenant, person, app, action,
	// entitlement). River keeps at most one unfinished job per key, so
	// applying the same plan twice queues nothing twice.
	Key string `json:"key" river:"unique"`
}

// Kind implements river.JobArgs.
func (OpArgs) Kind() string { return "tenure.operation" }

// OpKey is an operation's identity.
func OpKey(tenant string, o plan.Operation) string {
	k := strings.Join([]string{tenant, o.Person, o.App, string(o.Effective()), o.Entitlement}, "|")
	if o.Person == "" || o.Effective() == plan.TransferOwnership {
		// Accounts of no person, and service accounts, are told apart by
		// the app's own id.
		k += "|" + o.ExternalID
	}
	return k
}

// Priority maps the plan order onto River's four priorities (1 runs
// first): a leaver's (or a person on leave's) removals, then other
// removals, then movers' grants, then joiners'. Within a priority River
// runs jobs in insertion order, and plans are inserted in plan order, so
// crown-jewel apps still go before standard ones of the same batch.
func Priority(o plan.Operation) int {
	switch removal := o.Effective().Removal(); {
	case removal && (o.Class == plan.Leaver || o.Class == plan.OnLeave):
		return 1
	case removal:
		return 2
	case o.Class != plan.Joiner:
		return 3
	}
	return 4
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:5])
}
