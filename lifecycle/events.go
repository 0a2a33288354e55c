package lifecycle

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
)

// HREvent is one pushed HR change: the fields it carries (roster field
// names) and their values. Fields it does not carry keep their current
// value, so an HR system can send just what changed.
type HREvent struct {
	ID     string
	Row    hr.Row
	Fields []string
}

// ImportEvents applies pushed HR events as a partial roster feed, each
// merged into the person's current record. Events whose id was already
// received are skipped, so an HR system may resend a batch, and an old
// event can never replay over newer changes; the new ids are recorded in
// the same transaction as the changes they cause. Like a file import, the
// batch is checked, guarded and applied whole or not at all.
func (t *Tenant) ImportEvents(ctx context.Context, evs []HREvent, o ImportOptions) (*ImportResult, error) {
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	o.Full = false
	var res *ImportResult
	run := func(tx store.Tx) error {
		seen, err := tx.Receipts().Seen(ctx, ids)
		if err != nil {
			return err
		}
		current, err := partialRoster(ctx, tx, people(eventRows(evs)))
		if err != nil {
			return err
		}
		var fresh []hr.Row
		var freshIDs []string
		for _, e := range evs {
			if seen[e.ID] {
				continue
			}
			r := e.Row
			if cur, ok := current[r.Person.ID]; ok {
				merged := *cur
				for _, f := range e.Fields {
					if !merged.CopyField(&r.Person, f) {
						return fmt.Errorf("event %s: unknown field %q", e.ID, f)
					}
				}
				r.Person = merged
			}
			fresh = append(fresh, r)
			freshIDs = append(freshIDs, e.ID)
		}
		if len(fresh) == 0 {
			res = &ImportResult{Duplicates: len(ids)}
			return nil
		}
		// Merged records may name managers the raw events did not.
		if current, err = addPeople(ctx, tx, current, people(fresh)); err != nil {
			return err
		}
		if err := hr.CheckManagers(fresh, "events", func(id string) bool { _, ok := current[id]; return ok }); err != nil {
			return err
		}
		if res, err = t.importTx(ctx, tx, current, people(fresh), o); err != nil {
			return err
		}
		res.Duplicates = len(ids) - len(fresh)
		if o.DryRun || res.Held != "" {
			// A held batch is not received yet: resending it after a
			// rejection, or approving it, must still apply it.
			return nil
		}
		return tx.Receipts().Record(ctx, freshIDs, t.svc.now())
	}
	var err error
	if o.DryRun {
		err = t.svc.Store.Read(ctx, t.ID(), run)
	} else {
		err = t.svc.Store.Write(ctx, t.ID(), run)
	}
	if err != nil {
		return nil, wrapNoTenant(t.ID(), err)
	}
	return res, nil
}

// IsBadInput reports whether err is the caller's mistake (a row that does
// not check out) rather than a failure of Tenure: HTTP answers 400, not 500.
func IsBadInput(err error) bool {
	var re *hr.RowError
	return errors.As(err, &re)
}

func eventRows(evs []HREvent) []hr.Row {
	rows := make([]hr.Row, len(evs))
	for i, e := range evs {
		rows[i] = e.Row
	}
	return rows
}

// addPeople loads into m the people and managers of rows not yet in it.
func addPeople(ctx context.Context, tx store.Tx, m map[string]*person.Person, rows []person.Person) (map[string]*person.Person, error) {
	more, err := partialRoster(ctx, tx, rows)
	if err != nil {
		return nil, err
	}
	for id, p := range more {
		if _, ok := m[id]; !ok {
			m[id] = p
		}
	}
	return m, nil
}

// ApplyTx applies people's new records as a partial feed inside tx, the
// transaction of the change that brought them (a SCIM write): diff, guard,
// events, audit and queued operations commit with it. A manager the roster
// does not know is dropped rather than refused: a provider pushes users in
// any order, and the manager's own push will arrive.
func (t *Tenant) ApplyTx(ctx context.Context, tx store.Tx, ps []person.Person, source string) (*ImportResult, error) {
	current, err := partialRoster(ctx, tx, ps)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if _, ok := current[ps[i].ManagerID]; !ok && ps[i].ManagerID != ps[i].ID {
			ps[i].ManagerID = ""
		}
	}
	return t.importTx(ctx, tx, current, ps, ImportOptions{Source: source})
}
