package conformance

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
)

var errBoom = errors.New("boom")

var txTests = []test{
	{"ErrorRollsBack", func(t *testing.T, e *env) {
		b := e.setup(t)
		// Something committed first, so that rollback must restore it rather
		// than merely leave an empty tenant.
		var committed audit.Entry
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.People().Put(b.ctx, minimalPerson("E1")))
			var err error
			committed, err = tx.Audit().Append(b.ctx, audit.Entry{Actor: "test", Action: "person.join", Subject: "E1"})
			require.NoError(t, err)
		})

		err := b.store.Write(b.ctx, b.tenant, func(tx store.Tx) error {
			require.NoError(t, tx.People().Put(b.ctx, fullPerson("E1"), fullPerson("E2")))
			require.NoError(t, tx.Events().Append(b.ctx, []person.Event{fullEvent("E2", t0)}))
			for range 150 { // past any batching an adapter does
				_, err := tx.Audit().Append(b.ctx, audit.Entry{Actor: "test", Action: "person.move", Subject: "E1"})
				require.NoError(t, err)
			}
			require.NoError(t, tx.Requests().Put(b.ctx, fullRequest("R1")))
			require.NoError(t, tx.Accounts().Put(b.ctx, fullAccount("github", "1")))
			require.NoError(t, tx.Batches().Create(b.ctx, fullBatch("B1", t0)))
			require.NoError(t, tx.Tokens().Create(b.ctx, fullToken(b.tenant+"-tok", b.tenant, t0)))
			require.NoError(t, tx.Policy().Put(b.ctx, store.PolicyRecord{Fingerprint: "f", Document: []byte(`{}`), AcceptedAt: t0}))
			return errBoom
		})
		require.ErrorIs(t, err, errBoom)
		requireOnlyCommitted(t, b, committed)
	}},
	{"PanicRollsBack", func(t *testing.T, e *env) {
		b := e.setup(t)
		require.PanicsWithValue(t, "boom", func() {
			_ = b.store.Write(b.ctx, b.tenant, func(tx store.Tx) error {
				require.NoError(t, tx.People().Put(b.ctx, fullPerson("E1")))
				_, err := tx.Audit().Append(b.ctx, audit.Entry{Actor: "test", Action: "person.join"})
				require.NoError(t, err)
				panic("boom")
			})
		})
		requireOnlyCommitted(t, b, audit.Entry{})
		// The transaction was released: the store still takes writes.
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.People().Put(b.ctx, minimalPerson("E1")))
		})
	}},
	{"ReadRejectsWrites", func(t *testing.T, e *env) {
		b := e.setup(t)
		b.read(t, func(tx store.Tx) {
			ctx := b.ctx
			require.Error(t, tx.People().Put(ctx, minimalPerson("E1")), "People.Put")
			require.Error(t, tx.Events().Append(ctx, []person.Event{fullEvent("E1", t0)}), "Events.Append")
			require.Error(t, tx.Events().SetState(ctx, 1, person.Applied), "Events.SetState")
			require.Error(t, tx.Requests().Put(ctx, fullRequest("R1")), "Requests.Put")
			require.Error(t, tx.Requests().Delete(ctx, "R1"), "Requests.Delete")
			require.Error(t, tx.Accounts().Put(ctx, fullAccount("github", "1")), "Accounts.Put")
			require.Error(t, tx.Accounts().Delete(ctx, "github", "1"), "Accounts.Delete")
			require.Error(t, tx.Batches().Create(ctx, fullBatch("B1", t0)), "Batches.Create")
			require.Error(t, tx.Batches().Update(ctx, fullBatch("B1", t0)), "Batches.Update")
			require.Error(t, tx.Tokens().Create(ctx, fullToken(b.tenant+"-tok", b.tenant, t0)), "Tokens.Create")
			require.Error(t, tx.Tokens().Revoke(ctx, b.tenant+"-tok", t0), "Tokens.Revoke")
			_, err := tx.Audit().Append(ctx, audit.Entry{Actor: "test", Action: "x"})
			require.Error(t, err, "Audit.Append")
			require.Error(t, tx.Policy().Put(ctx, store.PolicyRecord{Fingerprint: "f", AcceptedAt: t0}), "Policy.Put")
		})
		requireOnlyCommitted(t, b, audit.Entry{})
	}},
	{"ReadIsSnapshot", func(t *testing.T, e *env) {
		b := e.setup(t)
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.People().Put(b.ctx, minimalPerson("E1")))
		})
		b.read(t, func(tx store.Tx) {
			n, err := tx.People().Count(b.ctx, "")
			require.NoError(t, err)
			require.Equal(t, 1, n)
			// A commit made while the read is open…
			b.write(t, func(wtx store.Tx) {
				require.NoError(t, wtx.People().Put(b.ctx, minimalPerson("E2")))
			})
			// …is not seen by it.
			n, err = tx.People().Count(b.ctx, "")
			require.NoError(t, err)
			require.Equal(t, 1, n)
		})
		b.read(t, func(tx store.Tx) {
			n, err := tx.People().Count(b.ctx, "")
			require.NoError(t, err)
			require.Equal(t, 2, n)
		})
	}},
	{"ConcurrentWritesSerialise", func(t *testing.T, e *env) {
		// Writers racing on one tenant each extend its audit chain. Writes
		// must serialise: two that both read the same head would fork the
		// chain (or collide on a sequence number).
		b := e.setup(t)
		const writers, each = 4, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					errs <- b.store.Write(b.ctx, b.tenant, func(tx store.Tx) error {
						id := fmt.Sprintf("W%d-%02d", w, i)
						if err := tx.People().Put(b.ctx, minimalPerson(id)); err != nil {
							return err
						}
						_, err := tx.Audit().Append(b.ctx, audit.Entry{Actor: "test", Action: "person.join", Subject: id})
						return err
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		b.read(t, func(tx store.Tx) {
			n, err := tx.People().Count(b.ctx, "")
			require.NoError(t, err)
			require.Equal(t, writers*each, n)
			requireChain(t, b, tx, writers*each)
		})
	}},
}

// requireOnlyCommitted checks that the tenant holds nothing but what the
// first transaction of ErrorRollsBack commits (nothing at all when head is
// the zero entry).
func requireOnlyCommitted(t *testing.T, b *bundle, head audit.Entry) {
	t.Helper()
	b.read(t, func(tx store.Tx) {
		ctx := b.ctx
		ps, err := tx.People().List(ctx)
		require.NoError(t, err)
		if head.Seq == 0 {
			require.Empty(t, ps)
		} else {
			require.Equal(t, []person.Person{minimalPerson("E1")}, ps)
		}
		evs, err := tx.Events().List(ctx, store.EventFilter{})
		require.NoError(t, err)
		require.Empty(t, evs)
		rs, err := tx.Requests().List(ctx)
		require.NoError(t, err)
		require.Empty(t, rs)
		as, err := tx.Accounts().List(ctx, "")
		require.NoError(t, err)
		require.Empty(t, as)
		bs, err := tx.Batches().List(ctx, "")
		require.NoError(t, err)
		require.Empty(t, bs)
		_, err = tx.Batches().Get(ctx, "B1")
		require.ErrorIs(t, err, store.ErrNotFound)
		ts, err := tx.Tokens().List(ctx)
		require.NoError(t, err)
		require.Empty(t, ts)
		_, err = tx.Policy().Get(ctx)
		require.ErrorIs(t, err, store.ErrNotFound)

		seq, hash, err := tx.Audit().Head(ctx)
		require.NoError(t, err)
		entries := scanAll(t, b, tx)
		if head.Seq == 0 {
			require.Equal(t, int64(0), seq)
			require.Equal(t, audit.Genesis, hash)
			require.Empty(t, entries)
		} else {
			require.Equal(t, head.Seq, seq)
			require.Equal(t, head.Hash, hash)
			require.Equal(t, []audit.Entry{head}, entries)
		}
	})
}
