package conformance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
)

var peopleTests = []test{
	{"RoundTrip", func(t *testing.T, e *env) {
		b := e.setup(t)
		full, bare := fullPerson("E2"), minimalPerson("E1")
		empty := minimalPerson("E3")
		empty.Attributes = map[string]string{} // empty, not nil: kept as such
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.People().Put(b.ctx, full, bare, empty))
		})
		b.read(t, func(tx store.Tx) {
			for _, want := range []person.Person{full, bare, empty} {
				got, err := tx.People().Get(b.ctx, want.ID)
				require.NoError(t, err)
				require.Equal(t, want, got)
			}
			all, err := tx.People().List(b.ctx)
			require.NoError(t, err)
			require.Equal(t, []person.Person{bare, full, empty}, all)
		})
	}},
	{"GetMissing", func(t *testing.T, e *env) {
		b := e.setup(t)
		b.read(t, func(tx store.Tx) {
			_, err := tx.People().Get(b.ctx, "nobody")
			require.ErrorIs(t, err, store.ErrNotFound)
			all, err := tx.People().List(b.ctx)
			require.NoError(t, err)
			require.Empty(t, all)
		})
	}},
	{"PutReplaces", func(t *testing.T, e *env) {
		b := e.setup(t)
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.People().Put(b.ctx, fullPerson("E1")))
		})
		// Every field changes, some to their zero value, which must not
		// leave the old value behind.
		moved := person.Person{
			ID: "E1", Email: "ada@new.example", Department: "Research",
			StartDate: day(2025, time.January, 2), Status: person.Active,
			Attributes: map[string]string{"costCenter": "CC-7"},
		}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.People().Put(b.ctx, moved))
			// Within one call, the last record for an id wins.
			later := moved
			later.Title = "Lead"
			require.NoError(t, tx.People().Put(b.ctx, minimalPerson("E2"), moved, later))
			moved = later
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.People().Get(b.ctx, "E1")
			require.NoError(t, err)
			require.Equal(t, moved, got)
			n, err := tx.People().Count(b.ctx, "")
			require.NoError(t, err)
			require.Equal(t, 2, n)
		})
	}},
	{"PutNothing", func(t *testing.T, e *env) {
		b := e.setup(t)
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.People().Put(b.ctx))
		})
	}},
	{"ManyOrderedByID", func(t *testing.T, e *env) {
		// Enough people to cross any chunking an adapter does, put in
		// reverse order so that List has to order them.
		b := e.setup(t)
		want := make([]person.Person, 0, 1234)
		for _, id := range ids("P", 1234) {
			p := fullPerson(id)
			p.Status = person.Active
			want = append(want, p)
		}
		rev := make([]person.Person, len(want))
		for i, p := range want {
			rev[len(want)-1-i] = p
		}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.People().Put(b.ctx, rev...))
		})
		b.read(t, func(tx store.Tx) {
			all, err := tx.People().List(b.ctx)
			require.NoError(t, err)
			require.Equal(t, want, all)
		})
	}},
	{"CountByStatus", func(t *testing.T, e *env) {
		b := e.setup(t)
		counts := map[person.Status]int{person.PreHire: 1, person.Active: 4, person.OnLeave: 2, person.Terminated: 3}
		var ps []person.Person
		for s, n := range counts {
			for _, id := range ids(string(s)+"-", n) {
				p := minimalPerson(id)
				p.Status = s
				ps = append(ps, p)
			}
		}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.People().Put(b.ctx, ps...))
		})
		b.read(t, func(tx store.Tx) {
			for s, want := range counts {
				n, err := tx.People().Count(b.ctx, s)
				require.NoError(t, err)
				require.Equal(t, want, n, s)
			}
			n, err := tx.People().Count(b.ctx, "")
			require.NoError(t, err)
			require.Equal(t, 10, n)
		})
	}},
	{"WriteSeesOwnWrites", func(t *testing.T, e *env) {
		b := e.setup(t)
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.People().Put(b.ctx, fullPerson("E1")))
			got, err := tx.People().Get(b.ctx, "E1")
			require.NoError(t, err)
			require.Equal(t, fullPerson("E1"), got)
			n, err := tx.People().Count(b.ctx, person.Terminated)
			require.NoError(t, err)
			require.Equal(t, 1, n)
		})
	}},
}
