package lifecycle

import (
	"context"
	"fmt"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/store"
)

// Service accounts never die with their owner: when the owner leaves, the
// same termination event moves each one to the owner's manager, else to the
// app's configured successor, else hands it to the app owner as a task to
// name one. Nothing here disables a service account.

// Successor is who takes over owner's service accounts in app: the
// manager when still active, else the app's successor when active, else
// nil. lookup finds a roster person by employeeId.
func Successor(owner *person.Person, app plan.App, now time.Time, lookup func(id string) (*person.Person, bool)) *person.Person {
	usable := func(id string) *person.Person {
		if id == "" || (owner != nil && id == owner.ID) {
			return nil
		}
		p, ok := lookup(id)
		if !ok {
			return nil
		}
		if st := p.StatusAt(now); st != person.Active && st != person.OnLeave {
			return nil
		}
		return p
	}
	if owner != nil {
		if p := usable(owner.ManagerID); p != nil {
			return p
		}
	}
	return usable(app.ServiceSuccessor)
}

// TransferOp is the operation moving service account sa of app from owner
// (nil when the owner is not on the roster at all) to succ (nil: the app
// owner is asked to name someone). A connector without an ownership API
// turns it into a task for the new owner.
func TransferOp(app plan.App, sa account.Finding, owner, succ *person.Person, now time.Time) plan.Operation {
	from := sa.Owner
	if owner != nil {
		from = owner.Label()
	}
	if from == "" {
		from = "nobody"
	}
	o := plan.Operation{App: app.ID, Action: plan.TransferOwnership, ExternalID: sa.ExternalID,
		Class: plan.Leaver, Tier: app.Tier}
	if owner != nil {
		o.Person = owner.ID
	}
	name := sa.UserName
	if name == "" {
		name = sa.ExternalID
	}
	if succ == nil {
		o.Reason = fmt.Sprintf("service account %s: owner %s is gone and no manager or successor is active", name, from)
		o.Action, o.Step, o.Assignee = plan.Task, plan.TransferOwnership, app.Owner
		o.Instruction = fmt.Sprintf("name a new owner for service account %s in %s (owner %s is gone); do not disable it", name, app.ID, from)
		o.Due = now.Add(24 * time.Hour)
		return o
	}
	o.NewOwner, o.Assignee = succ.ID, succ.Email
	o.Reason = fmt.Sprintf("service account %s: owner %s left; ownership moves to %s", name, from, succ.Label())
	o.Instruction = fmt.Sprintf("take over service account %s in %s from %s (rotate its credentials)", name, app.ID, from)
	return o
}

// transfers returns the ownership transfers the termination of the given
// people causes: one for each service account they own, in every app.
func (t *Tenant) transfers(ctx context.Context, tx store.Tx, ids []string) ([]plan.Operation, error) {
	var owned []account.Finding
	if len(ids) > bulkPlan {
		all, err := tx.Findings().List(ctx, store.FindingFilter{Class: account.Service})
		if err != nil {
			return nil, err
		}
		want := make(map[string]bool, len(ids))
		for _, id := range ids {
			want[id] = true
		}
		for _, f := range all {
			if want[f.Owner] {
				owned = append(owned, f)
			}
		}
	} else {
		for _, id := range ids {
			fs, err := tx.Findings().List(ctx, store.FindingFilter{Class: account.Service, Owner: id})
			if err != nil {
				return nil, err
			}
			owned = append(owned, fs...)
		}
	}
	if len(owned) == 0 {
		return nil, nil
	}
	now := t.svc.now()
	cache := map[string]*person.Person{}
	lookup := func(id string) (*person.Person, bool) {
		if p, ok := cache[id]; ok {
			return p, p != nil
		}
		p, err := tx.People().Get(ctx, id)
		if err != nil {
			cache[id] = nil
			return nil, false
		}
		cache[id] = &p
		return &p, true
	}
	var ops []plan.Operation
	for _, sa := range owned {
		app, ok := t.set.Apps[sa.App]
		if !ok {
			continue
		}
		owner, ok := lookup(sa.Owner)
		if !ok || owner.StatusAt(now) != person.Terminated {
			continue
		}
		ops = append(ops, TransferOp(app, sa, owner, Successor(owner, app, now, lookup), now))
	}
	return ops, nil
}
