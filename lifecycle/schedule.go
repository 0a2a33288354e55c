package lifecycle

import (
	"context"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
)

// FireDue applies every scheduled lifecycle event whose effective time has
// come: the event becomes applied, the person's stored status follows, the
// firing is audited and (through OnChange) the person's operations are
// queued — all in one transaction. Because scheduled events live in the
// store, a restart loses nothing: the next run fires whatever came due.
func (t *Tenant) FireDue(ctx context.Context) ([]person.Event, error) {
	now := t.svc.now()
	var fired []person.Event
	err := t.svc.Store.Write(ctx, t.ID(), func(tx store.Tx) error {
		due, err := tx.Events().List(ctx, store.EventFilter{State: person.Scheduled, DueBy: now})
		if err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		var ids []string
		seen := map[string]bool{}
		for _, e := range due {
			if err := tx.Events().SetState(ctx, e.ID, person.Applied); err != nil {
				return err
			}
			e.State = person.Applied
			if err := t.svc.audit(ctx, tx, "person."+string(e.Kind), e.PersonID, map[string]any{"fired": e}); err != nil {
				return err
			}
			fired = append(fired, e)
			if !seen[e.PersonID] {
				seen[e.PersonID] = true
				ids = append(ids, e.PersonID)
			}
		}
		for _, id := range ids {
			p, err := tx.People().Get(ctx, id)
			if err != nil {
				return err
			}
			if st := p.StatusAt(now); st != p.Status {
				p.Status = st
				if err := tx.People().Put(ctx, p); err != nil {
					return err
				}
			}
		}
		if t.svc.OnEvents != nil {
			if err := t.svc.OnEvents(ctx, tx, t, fired); err != nil {
				return err
			}
		}
		if t.svc.OnChange != nil {
			return t.svc.OnChange(ctx, tx, t, ids)
		}
		return nil
	})
	return fired, wrapNoTenant(t.ID(), err)
}
