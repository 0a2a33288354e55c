package reconcile

import (
	"fmt"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
)

// serviceOwner reports whether a is a service account, and its owner: the
// connector's, else the one the known state recorded (a transfer moves
// it), else the configured owner attribute's.
func (c *classifier) serviceOwner(a *account.Account, known knownAccount, wasKnown bool) (string, bool) {
	owner := a.ServiceOwner
	isService := owner != "" || a.Attributes[account.ServiceAttribute] == "true" || c.app.Service.matches(a.UserName)
	if !isService {
		return "", false
	}
	if owner != "" {
		return owner, true // the connector knows the app's owners
	}
	if wasKnown && known.serviceOwner != "" {
		// What Tenure recorded wins over the attribute: after a transfer
		// done by hand the app's attribute may still name the old owner.
		return known.serviceOwner, true
	}
	switch attr := c.app.Service.OwnerAttribute; attr {
	case "":
	case "externalId":
		owner = a.PersonID
	default:
		owner = a.Attributes[attr]
	}
	return owner, true
}

// service records a service account; one whose owner is gone (left, not
// on the roster, or never named) is handed on now — never disabled.
func (c *classifier) service(a *account.Account, ownerID string) {
	sa := *a
	sa.PersonID, sa.ServiceOwner = "", ownerID
	f := account.Finding{App: a.App, ExternalID: a.ExternalID, UserName: a.UserName, Class: account.Service,
		State: a.State, Owner: ownerID, SeenAt: c.now, Action: string(Report)}
	owner, onRoster := c.m.Person(ownerID)
	switch {
	case ownerID == "":
		f.OwnerGone, f.Detail = true, "service account with no owner"
	case !onRoster:
		f.OwnerGone, f.Detail = true, fmt.Sprintf("service account owned by %s, who is not on the roster", ownerID)
	case owner.StatusAt(c.now) == person.Terminated:
		f.OwnerGone, f.Detail = true, fmt.Sprintf("service account owned by %s, who has left", owner.Label())
	default:
		f.Detail = "service account owned by " + owner.Label()
	}
	c.out.Seen = append(c.out.Seen, sa)
	if f.OwnerGone {
		var succ *person.Person
		if !onRoster {
			owner = nil
		}
		succ = lifecycle.Successor(owner, c.pa, c.now, c.m.Person)
		o := lifecycle.TransferOp(c.pa, f, owner, succ, c.now)
		c.out.Ops = append(c.out.Ops, o)
		f.Action = "transfer"
		if succ != nil {
			f.Detail += "; moves to " + succ.Label()
		} else {
			f.Detail += "; the app owner is asked to name an owner"
		}
	}
	c.flag(f)
}
