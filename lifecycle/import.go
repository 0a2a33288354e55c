package lifecycle

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store"
)

// ImportOptions say what kind of batch an import is.
type ImportOptions struct {
	// Source names the batch in events and audit ("roster.csv").
	Source string
	// Full says the rows are a complete snapshot (absent people handled per
	// the tenant's absent setting); false for a partial feed.
	Full bool
	// DryRun computes and returns the result without storing anything.
	DryRun bool
	// Approved skips the guard: the batch was held and a human approved it.
	Approved bool
}

// ImportResult is what an import did (or, dry-run or held, would do).
type ImportResult struct {
	Events []person.Event `json:"events"`
	// Changed is how many people records changed.
	Changed int `json:"changed"`
	// Removals is how many people lose access; Limit is the guard's limit.
	Removals int `json:"removals"`
	Limit    int `json:"limit"`
	// Held is the id of the pending batch when the guard held the import;
	// nothing else was applied.
	Held string `json:"held,omitempty"`
	// Duplicates counts pushed HR events skipped because their id was
	// already received.
	Duplicates int           `json:"duplicates,omitempty"`
	Summary    guard.Summary `json:"summary"`
}

// importPayload is a held import, kept so approval can apply it later.
type importPayload struct {
	Source string          `json:"source"`
	Full   bool            `json:"full"`
	People []person.Person `json:"people"`
}

// Import applies a roster: it checks managers against the snapshot and the
// current roster, diffs, measures what access would be removed and either
// holds the whole batch (mass-change guard) or stores people, events and
// their audit entries in one transaction. Nothing is applied on any error.
func (t *Tenant) Import(ctx context.Context, rows []hr.Row, o ImportOptions) (*ImportResult, error) {
	snapshot := people(rows)
	var res *ImportResult
	run := func(tx store.Tx) error {
		current, err := loadRoster(ctx, tx)
		if err != nil {
			return err
		}
		if err := hr.CheckManagers(rows, o.Source, func(id string) bool { _, ok := current[id]; return ok }); err != nil {
			return err
		}
		res, err = t.importTx(ctx, tx, current, snapshot, o)
		return err
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

func people(rows []hr.Row) []person.Person {
	out := make([]person.Person, len(rows))
	for i, r := range rows {
		out[i] = r.Person
	}
	return out
}

// activeCount is how many people are active or on leave: the base of the
// guard's percentage, counted in the store for partial feeds that load
// only the people they touch.
func activeCount(ctx context.Context, tx store.Tx) (int, error) {
	a, err := tx.People().Count(ctx, person.Active)
	if err != nil {
		return 0, err
	}
	l, err := tx.People().Count(ctx, person.OnLeave)
	return a + l, err
}

// partialRoster loads only the people a partial feed touches (and the
// managers it names), so one pushed event costs a few lookups, not the
// whole roster.
func partialRoster(ctx context.Context, tx store.Tx, rows []person.Person) (map[string]*person.Person, error) {
	m := map[string]*person.Person{}
	load := func(id string) error {
		if _, done := m[id]; done || id == "" {
			return nil
		}
		p, err := tx.People().Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		m[id] = &p
		return nil
	}
	for _, r := range rows {
		if err := load(r.ID); err != nil {
			return nil, err
		}
		if err := load(r.ManagerID); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func loadRoster(ctx context.Context, tx store.Tx) (map[string]*person.Person, error) {
	people, err := tx.People().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("load roster: %w", err)
	}
	m := make(map[string]*person.Person, len(people))
	for i := range people {
		m[people[i].ID] = &people[i]
	}
	return m, nil
}

func (t *Tenant) importTx(ctx context.Context, tx store.Tx, current map[string]*person.Person, snapshot []person.Person, o ImportOptions) (*ImportResult, error) {
	now := t.svc.now()
	pol, err := t.accepted(ctx, tx)
	if err != nil {
		return nil, err
	}
	diff := person.Diff(current, snapshot, person.DiffOptions{
		Now: now, Full: o.Full, AbsentTerminate: t.set.AbsentTerminate,
		MoveFields: pol.Reads(), Source: o.Source,
	})
	res := &ImportResult{Events: diff.Events, Changed: len(diff.People)}
	if len(diff.People) == 0 && len(diff.Events) == 0 {
		return res, nil
	}
	reqs, err := tx.Requests().List(ctx)
	if err != nil {
		return nil, err
	}
	active := 0
	if o.Full {
		for _, p := range current {
			if st := p.StatusAt(now); st == person.Active || st == person.OnLeave {
				active++
			}
		}
	} else if active, err = activeCount(ctx, tx); err != nil {
		return nil, err
	}
	res.Summary = t.impact(pol, current, active, diff, reqs, now)
	res.Summary.Source = o.Source
	res.Removals, res.Limit = res.Summary.Removals, res.Summary.Limit
	if o.DryRun {
		return res, nil
	}
	if res.Removals > res.Limit && !o.Approved {
		id, err := t.hold(ctx, tx, guard.Import, res.Summary, importPayload{Source: o.Source, Full: o.Full, People: snapshot})
		res.Held = id
		return res, err
	}
	if err := tx.People().Put(ctx, diff.People...); err != nil {
		return nil, fmt.Errorf("store people: %w", err)
	}
	evs, promoted, err := mergeScheduled(ctx, tx, diff.Events)
	if err != nil {
		return nil, err
	}
	if err := tx.Events().Append(ctx, evs); err != nil {
		return nil, fmt.Errorf("store events: %w", err)
	}
	for _, e := range evs {
		if err := t.svc.audit(ctx, tx, "person."+string(e.Kind), e.PersonID, e); err != nil {
			return nil, err
		}
	}
	if t.svc.OnEvents != nil {
		if err := t.svc.OnEvents(ctx, tx, t, append(promoted, evs...)); err != nil {
			return nil, fmt.Errorf("signal events: %w", err)
		}
	}
	if t.svc.OnChange != nil {
		ids := make([]string, len(diff.People))
		for i, p := range diff.People {
			ids[i] = p.ID
		}
		if err := t.svc.OnChange(ctx, tx, t, ids); err != nil {
			return nil, fmt.Errorf("queue operations: %w", err)
		}
	}
	return res, t.svc.audit(ctx, tx, "import.applied", o.Source, map[string]any{
		"changed": res.Changed, "events": len(evs), "removals": res.Removals, "approved": o.Approved,
	})
}

// mergeScheduled reconciles new events with the person's scheduled ones: a
// new event that fires a scheduled one of the same kind and time marks it
// applied instead of duplicating it; a rescheduled one cancels the old.
// It also returns the scheduled events a new one applied, so that what
// reacts to applied events (signals) sees them.
func mergeScheduled(ctx context.Context, tx store.Tx, evs []person.Event) ([]person.Event, []person.Event, error) {
	pending, err := tx.Events().List(ctx, store.EventFilter{State: person.Scheduled})
	if err != nil {
		return nil, nil, err
	}
	if len(pending) == 0 {
		return evs, nil, nil
	}
	var promoted []person.Event
	byPerson := map[string][]person.Event{}
	for _, e := range pending {
		byPerson[e.PersonID] = append(byPerson[e.PersonID], e)
	}
	out := evs[:0:0]
	for _, e := range evs {
		keep := true
		for _, s := range byPerson[e.PersonID] {
			if s.Kind != e.Kind {
				continue
			}
			switch {
			case s.EffectiveAt.Equal(e.EffectiveAt) && e.State == person.Scheduled:
				keep = false // already scheduled
			case s.EffectiveAt.Equal(e.EffectiveAt):
				keep = false
				if err := tx.Events().SetState(ctx, s.ID, person.Applied); err != nil {
					return nil, nil, err
				}
				s.State = person.Applied
				promoted = append(promoted, s)
			default:
				if err := tx.Events().SetState(ctx, s.ID, person.Cancelled); err != nil {
					return nil, nil, err
				}
			}
		}
		if keep {
			out = append(out, e)
		}
	}
	return out, promoted, nil
}

// impact counts the people a diff would remove access from, and describes
// them for a reviewer: a person loses access when some (app, entitlement)
// they are granted now is not granted after, or when they go on leave
// (their accounts are disabled).
func (t *Tenant) impact(pol *policy.Policy, current map[string]*person.Person, active int, d person.DiffResult, reqs []policy.Request, now time.Time) guard.Summary {
	s := guard.Summary{Active: active, Limit: guard.Limit(active, t.set.GuardPercent, t.set.GuardMax), Departments: map[string]int{}}
	kinds := map[string]person.Kind{}
	for _, e := range d.Events {
		if e.State == person.Applied && e.Kind != person.Update {
			kinds[e.PersonID] = e.Kind
		}
	}
	for _, k := range kinds {
		switch k {
		case person.Leave:
			s.Leavers++
		case person.Move:
			s.Movers++
		case person.Join, person.Rehire:
			s.Joiners++
		}
	}
	for i := range d.People {
		p := &d.People[i]
		old, ok := current[p.ID]
		if !ok {
			continue
		}
		before := pol.Desired(old, now, reqs)
		after := pol.Desired(p, now, reqs)
		if losesAccess(before, after) {
			s.Removals++
			dept := cmpOr(old.Department, "(no department)")
			s.Departments[dept]++
		}
	}
	return s
}

func losesAccess(before, after policy.Access) bool {
	if len(before.Grants) == 0 {
		return false
	}
	if after.Status != person.Active {
		return true
	}
	have := make(map[[2]string]bool, len(after.Grants))
	for _, g := range after.Grants {
		have[[2]string{g.App, g.Entitlement}] = true
	}
	for _, g := range before.Grants {
		if !have[[2]string{g.App, g.Entitlement}] {
			return true
		}
	}
	return false
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// hold stores a batch as pending and audits it.
func (t *Tenant) hold(ctx context.Context, tx store.Tx, kind guard.Kind, sum guard.Summary, payload any) (string, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	id := newID("b")
	batch := guard.Batch{ID: id, Kind: kind, Status: guard.Pending, Summary: sum, Payload: b, CreatedAt: t.svc.now()}
	if err := tx.Batches().Create(ctx, batch); err != nil {
		return "", fmt.Errorf("hold batch: %w", err)
	}
	depts := slices.Sorted(maps.Keys(sum.Departments))
	t.svc.log().Info("mass-change guard held a batch", "tenant", t.ID(), "batch", id, "kind", kind,
		"removals", sum.Removals, "limit", sum.Limit, "departments", depts)
	return id, t.svc.audit(ctx, tx, "batch.held", id, batch)
}

func newID(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
