package lifecycle

import (
	"context"
	"errors"
	"slices"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store"
)

// Plan computes the operations that would bring every app from its known
// actual state to the desired state, for everyone or for one person (only).
// It reads one consistent snapshot and uses the accepted policy.
func (t *Tenant) Plan(ctx context.Context, only string) (plan.Plan, error) {
	var pl plan.Plan
	err := t.svc.Store.Read(ctx, t.ID(), func(tx store.Tx) error {
		in, err := t.planInput(ctx, tx)
		if err != nil {
			return err
		}
		in.Only = only
		pl = plan.Build(in)
		ids := only
		var leavers []string
		for _, p := range in.People {
			if (ids == "" || p.ID == ids) && p.StatusAt(in.Now) == person.Terminated {
				leavers = append(leavers, p.ID)
			}
		}
		return t.addTransfers(ctx, tx, &pl, leavers)
	})
	return pl, wrapNoTenant(t.ID(), err)
}

// PlanTx computes, inside tx, the plan for the given people only, reading
// only their records, accounts and events: it runs inside every roster
// change, so its cost must follow the change, not the roster.
func (t *Tenant) PlanTx(ctx context.Context, tx store.Tx, ids []string) (plan.Plan, error) {
	if len(ids) > bulkPlan {
		// A big import: one pass over the tenant beats three lookups a person.
		in, err := t.planInput(ctx, tx)
		if err != nil {
			return plan.Plan{}, err
		}
		keep := make(map[string]bool, len(ids))
		for _, id := range ids {
			keep[id] = true
		}
		in.People = slices.DeleteFunc(in.People, func(p person.Person) bool { return !keep[p.ID] })
		pl := plan.Build(in)
		return pl, t.addTransfers(ctx, tx, &pl, ids)
	}
	in, err := t.basePlanInput(ctx, tx)
	if err != nil {
		return plan.Plan{}, err
	}
	in.Last = map[string]person.Event{}
	for _, id := range ids {
		p, err := tx.People().Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return plan.Plan{}, err
		}
		in.People = append(in.People, p)
		accts, err := tx.Accounts().ByPerson(ctx, id)
		if err != nil {
			return plan.Plan{}, err
		}
		in.Accounts = append(in.Accounts, accts...)
		evs, err := tx.Events().List(ctx, store.EventFilter{PersonID: id, State: person.Applied})
		if err != nil {
			return plan.Plan{}, err
		}
		for _, e := range evs {
			if e.Kind != person.Update {
				in.Last[id] = e
			}
		}
	}
	pl := plan.Build(in)
	return pl, t.addTransfers(ctx, tx, &pl, ids)
}

// addTransfers appends the service-account transfers of the leavers
// among ids to pl: the same termination that removes a leaver's access
// hands their service accounts on.
func (t *Tenant) addTransfers(ctx context.Context, tx store.Tx, pl *plan.Plan, ids []string) error {
	ops, err := t.transfers(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, o := range ops {
		if _, ok := pl.People[o.Person]; ok || o.Person == "" {
			continue
		}
		// A leaver whose own accounts are all gone still hands on what they own.
		subj := plan.Subject{Label: o.Person, Class: plan.Leaver, Status: person.Terminated}
		if p, err := tx.People().Get(ctx, o.Person); err == nil {
			subj.Label = p.Label()
		}
		pl.People[o.Person] = subj
	}
	pl.Operations = append(pl.Operations, ops...)
	return nil
}

// bulkPlan is the number of people above which PlanTx reads the whole
// tenant once instead of each person's records.
const bulkPlan = 500

// basePlanInput is the plan input without people, accounts or events: the
// clock, the apps and the accepted policy bound to the tenant's requests.
func (t *Tenant) basePlanInput(ctx context.Context, tx store.Tx) (plan.Input, error) {
	now := t.svc.now()
	pol, err := t.accepted(ctx, tx)
	if err != nil {
		return plan.Input{}, err
	}
	reqs, err := tx.Requests().List(ctx)
	if err != nil {
		return plan.Input{}, err
	}
	byPerson := map[string][]policy.Request{}
	for _, r := range reqs {
		byPerson[r.PersonID] = append(byPerson[r.PersonID], r)
	}
	return plan.Input{
		Now: now, Apps: t.set.Apps,
		Desired: func(p *person.Person) policy.Access { return pol.Desired(p, now, byPerson[p.ID]) },
		OnStart: func(p *person.Person) policy.Access { return pol.Desired(p, p.StartDate, byPerson[p.ID]) },
	}, nil
}

func (t *Tenant) planInput(ctx context.Context, tx store.Tx) (plan.Input, error) {
	in, err := t.basePlanInput(ctx, tx)
	if err != nil {
		return plan.Input{}, err
	}
	if in.People, err = tx.People().List(ctx); err != nil {
		return plan.Input{}, err
	}
	if in.Accounts, err = tx.Accounts().List(ctx, ""); err != nil {
		return plan.Input{}, err
	}
	evs, err := tx.Events().List(ctx, store.EventFilter{State: person.Applied})
	if err != nil {
		return plan.Input{}, err
	}
	in.Last = make(map[string]person.Event, len(in.People))
	for _, e := range evs {
		if e.Kind != person.Update {
			in.Last[e.PersonID] = e // ordered by id, so the latest wins
		}
	}
	return in, nil
}

// Events lists lifecycle events, optionally of one person and one state.
func (t *Tenant) Events(ctx context.Context, personID string, st person.EventState) ([]person.Event, error) {
	var out []person.Event
	err := t.svc.Store.Read(ctx, t.ID(), func(tx store.Tx) (err error) {
		out, err = tx.Events().List(ctx, store.EventFilter{PersonID: personID, State: st})
		return err
	})
	return out, wrapNoTenant(t.ID(), err)
}
