package lifecycle

import (
	"context"
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
		return nil
	})
	return pl, wrapNoTenant(t.ID(), err)
}

// PlanTx computes, inside tx, the plan for the given people only.
func (t *Tenant) PlanTx(ctx context.Context, tx store.Tx, people []string) (plan.Plan, error) {
	in, err := t.planInput(ctx, tx)
	if err != nil {
		return plan.Plan{}, err
	}
	keep := make(map[string]bool, len(people))
	for _, id := range people {
		keep[id] = true
	}
	in.People = slices.DeleteFunc(in.People, func(p person.Person) bool { return !keep[p.ID] })
	return plan.Build(in), nil
}

func (t *Tenant) planInput(ctx context.Context, tx store.Tx) (plan.Input, error) {
	now := t.svc.now()
	pol, err := t.accepted(ctx, tx)
	if err != nil {
		return plan.Input{}, err
	}
	people, err := tx.People().List(ctx)
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
	accts, err := tx.Accounts().List(ctx, "")
	if err != nil {
		return plan.Input{}, err
	}
	evs, err := tx.Events().List(ctx, store.EventFilter{State: person.Applied})
	if err != nil {
		return plan.Input{}, err
	}
	last := make(map[string]person.Event, len(people))
	for _, e := range evs {
		if e.Kind != person.Update {
			last[e.PersonID] = e // ordered by id, so the latest wins
		}
	}
	return plan.Input{
		Now: now, Apps: t.set.Apps, People: people, Accounts: accts, Last: last,
		Desired: func(p *person.Person) policy.Access { return pol.Desired(p, now, byPerson[p.ID]) },
		OnStart: func(p *person.Person) policy.Access { return pol.Desired(p, p.StartDate, byPerson[p.ID]) },
	}, nil
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
