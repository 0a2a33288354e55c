package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
)

var isolationTests = []test{
	{"EveryPort", func(t *testing.T, e *env) {
		a := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"#b")
		evs := []person.Event{fullEvent("E1", t0)}
		tok := fullToken(a.tenant+"/tok", a.tenant, t0)
		a.write(t, func(tx store.Tx) {
			ctx := a.ctx
			require.NoError(t, tx.People().Put(ctx, fullPerson("E1")))
			require.NoError(t, tx.Events().Append(ctx, evs))
			require.NoError(t, tx.Requests().Put(ctx, fullRequest("R1")))
			require.NoError(t, tx.Accounts().Put(ctx, fullAccount("github", "1")))
			require.NoError(t, tx.Batches().Create(ctx, fullBatch("B1", t0)))
			require.NoError(t, tx.Tokens().Create(ctx, tok))
			_, err := tx.Audit().Append(ctx, audit.Entry{At: t0, Actor: "test", Action: "person.join"})
			require.NoError(t, err)
			require.NoError(t, tx.Policy().Put(ctx, store.PolicyRecord{Fingerprint: "f", AcceptedAt: t0}))
		})

		// The other tenant sees none of it, and cannot change or remove it
		// by key. A Write, so that the write paths are tried too.
		other.write(t, func(tx store.Tx) {
			ctx := other.ctx
			_, err := tx.People().Get(ctx, "E1")
			require.ErrorIs(t, err, store.ErrNotFound)
			ps, err := tx.People().List(ctx)
			require.NoError(t, err)
			require.Empty(t, ps)
			n, err := tx.People().Count(ctx, "")
			require.NoError(t, err)
			require.Zero(t, n)

			got, err := tx.Events().List(ctx, store.EventFilter{PersonID: "E1"})
			require.NoError(t, err)
			require.Empty(t, got)
			require.ErrorIs(t, tx.Events().SetState(ctx, evs[0].ID, person.Cancelled), store.ErrNotFound)

			rs, err := tx.Requests().List(ctx)
			require.NoError(t, err)
			require.Empty(t, rs)
			require.ErrorIs(t, tx.Requests().Delete(ctx, "R1"), store.ErrNotFound)

			as, err := tx.Accounts().List(ctx, "github")
			require.NoError(t, err)
			require.Empty(t, as)
			require.ErrorIs(t, tx.Accounts().Delete(ctx, "github", "1"), store.ErrNotFound)

			_, err = tx.Batches().Get(ctx, "B1")
			require.ErrorIs(t, err, store.ErrNotFound)
			bs, err := tx.Batches().List(ctx, "")
			require.NoError(t, err)
			require.Empty(t, bs)
			require.ErrorIs(t, tx.Batches().Update(ctx, fullBatch("B1", t0)), store.ErrNotFound)

			_, err = tx.Tokens().Get(ctx, tok.ID)
			require.ErrorIs(t, err, store.ErrNotFound)

			seq, hash, err := tx.Audit().Head(ctx)
			require.NoError(t, err)
			require.Zero(t, seq)
			require.Equal(t, audit.Genesis, hash)
			entries, err := tx.Audit().Scan(ctx, 0, 10)
			require.NoError(t, err)
			require.Empty(t, entries)

			_, err = tx.Policy().Get(ctx)
			require.ErrorIs(t, err, store.ErrNotFound)

			// The same keys are free for the other tenant to use.
			require.NoError(t, tx.People().Put(ctx, minimalPerson("E1")))
			require.NoError(t, tx.Requests().Put(ctx, fullRequest("R1")))
			require.NoError(t, tx.Accounts().Put(ctx, fullAccount("github", "1")))
			require.NoError(t, tx.Batches().Create(ctx, fullBatch("B1", t0.Add(1))))
		})

		// And the first tenant's data is as it was.
		a.read(t, func(tx store.Tx) {
			ctx := a.ctx
			p, err := tx.People().Get(ctx, "E1")
			require.NoError(t, err)
			require.Equal(t, fullPerson("E1"), p)
			got, err := tx.Events().List(ctx, store.EventFilter{})
			require.NoError(t, err)
			require.Equal(t, evs, got)
			bt, err := tx.Batches().Get(ctx, "B1")
			require.NoError(t, err)
			require.Equal(t, fullBatch("B1", t0), bt)
			as, err := tx.Accounts().List(ctx, "")
			require.NoError(t, err)
			require.Len(t, as, 1)
			requireChain(t, a, tx, 1)
		})
	}},
}
