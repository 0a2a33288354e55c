package conformance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
)

var eventTests = []test{
	{"AppendSetsIncreasingIDs", func(t *testing.T, e *env) {
		b := e.setup(t)
		bare := person.Event{PersonID: "E2", Kind: person.Join, EffectiveAt: t0, State: person.Applied}
		empty := bare
		empty.Changes = []person.Change{} // empty, not nil: kept as such
		evs := []person.Event{fullEvent("E1", t0), bare, empty}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Events().Append(b.ctx, evs))
		})
		requireIncreasing(t, evs)
		more := []person.Event{fullEvent("E1", t0.Add(time.Hour))}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Events().Append(b.ctx, more))
			require.NoError(t, tx.Events().Append(b.ctx, nil))
		})
		all := append(evs, more...)
		requireIncreasing(t, all)
		b.read(t, func(tx store.Tx) {
			got, err := tx.Events().List(b.ctx, store.EventFilter{})
			require.NoError(t, err)
			require.Equal(t, all, got)
		})
	}},
	{"ManyInOrder", func(t *testing.T, e *env) {
		b := e.setup(t)
		evs := make([]person.Event, 0, 1234)
		for i, id := range ids("E", 1234) {
			evs = append(evs, fullEvent(id, t0.Add(-time.Duration(i)*time.Minute)))
		}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Events().Append(b.ctx, evs[:7]))
			require.NoError(t, tx.Events().Append(b.ctx, evs[7:]))
			got, err := tx.Events().List(b.ctx, store.EventFilter{})
			require.NoError(t, err)
			require.Equal(t, evs, got)
		})
		requireIncreasing(t, evs)
	}},
	{"Filters", func(t *testing.T, e *env) {
		b := e.setup(t)
		at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
		ev := func(p string, s person.EventState, h int) person.Event {
			return person.Event{PersonID: p, Kind: person.Leave, EffectiveAt: at(h), State: s, Source: "hr-api"}
		}
		evs := []person.Event{
			ev("E1", person.Applied, -2),   // 0
			ev("E2", person.Scheduled, 5),  // 1
			ev("E1", person.Scheduled, 1),  // 2
			ev("E1", person.Cancelled, 0),  // 3
			ev("E2", person.Scheduled, -1), // 4
			ev("E3", person.Scheduled, 0),  // 5
		}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Events().Append(b.ctx, evs))
		})
		pick := func(is ...int) []person.Event {
			var out []person.Event
			for _, i := range is {
				out = append(out, evs[i])
			}
			return out
		}
		for name, c := range map[string]struct {
			f    store.EventFilter
			want []person.Event
		}{
			"none":            {store.EventFilter{}, evs},
			"person":          {store.EventFilter{PersonID: "E1"}, pick(0, 2, 3)},
			"state":           {store.EventFilter{State: person.Scheduled}, pick(1, 2, 4, 5)},
			"due (inclusive)": {store.EventFilter{DueBy: at(0)}, pick(0, 3, 4, 5)},
			"due scheduled":   {store.EventFilter{State: person.Scheduled, DueBy: at(0)}, pick(4, 5)},
			"all three":       {store.EventFilter{PersonID: "E2", State: person.Scheduled, DueBy: at(5)}, pick(1, 4)},
			"limit":           {store.EventFilter{Limit: 2}, pick(0, 1)},
			"limit filtered":  {store.EventFilter{State: person.Scheduled, Limit: 3}, pick(1, 2, 4)},
			"limit past end":  {store.EventFilter{PersonID: "E3", Limit: 10}, pick(5)},
			"no match":        {store.EventFilter{PersonID: "E9"}, nil},
		} {
			b.read(t, func(tx store.Tx) {
				got, err := tx.Events().List(b.ctx, c.f)
				require.NoError(t, err, name)
				if c.want == nil {
					require.Empty(t, got, name)
					return
				}
				require.Equal(t, c.want, got, name)
			})
		}
	}},
	{"SetState", func(t *testing.T, e *env) {
		b := e.setup(t)
		evs := []person.Event{fullEvent("E1", t0), fullEvent("E2", t0)}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Events().Append(b.ctx, evs))
		})
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Events().SetState(b.ctx, evs[1].ID, person.Cancelled))
			err := tx.Events().SetState(b.ctx, evs[1].ID+1000, person.Applied)
			require.ErrorIs(t, err, store.ErrNotFound)
		})
		evs[1].State = person.Cancelled
		b.read(t, func(tx store.Tx) {
			got, err := tx.Events().List(b.ctx, store.EventFilter{})
			require.NoError(t, err)
			require.Equal(t, evs, got)
			got, err = tx.Events().List(b.ctx, store.EventFilter{State: person.Scheduled})
			require.NoError(t, err)
			require.Equal(t, evs[:1], got)
		})
	}},
}

// requireIncreasing checks that the store numbered evs in order.
func requireIncreasing(t *testing.T, evs []person.Event) {
	t.Helper()
	for i, ev := range evs {
		require.NotZero(t, ev.ID, "event %d has no id", i)
		if i > 0 {
			require.Greater(t, ev.ID, evs[i-1].ID, "event %d", i)
		}
	}
}
