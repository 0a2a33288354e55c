package conformance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/store"
)

var batchTests = []test{
	{"CreateGetConflict", func(t *testing.T, e *env) {
		b := e.setup(t)
		bt := fullBatch("B1", t0)
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Batches().Create(b.ctx, bt))
			err := tx.Batches().Create(b.ctx, fullBatch("B1", t0.Add(time.Hour)))
			require.ErrorIs(t, err, store.ErrConflict)
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.Batches().Get(b.ctx, "B1")
			require.NoError(t, err)
			require.Equal(t, bt, got)
			_, err = tx.Batches().Get(b.ctx, "B2")
			require.ErrorIs(t, err, store.ErrNotFound)
		})
	}},
	{"ListByStatusOldestFirst", func(t *testing.T, e *env) {
		b := e.setup(t)
		mk := func(id string, s guard.BatchStatus, h int) guard.Batch {
			bt := fullBatch(id, t0.Add(time.Duration(h)*time.Hour))
			bt.Status = s
			if s != guard.Pending {
				bt.DecidedAt, bt.DecidedBy = bt.CreatedAt.Add(time.Minute), "cli:root"
			}
			return bt
		}
		// Ids deliberately out of time order.
		newest, oldest := mk("A", guard.Pending, 3), mk("Z", guard.Pending, 1)
		applied, rejected := mk("M", guard.Applied, 2), mk("C", guard.Rejected, 0)
		b.write(t, func(tx store.Tx) {
			for _, bt := range []guard.Batch{newest, applied, oldest, rejected} {
				require.NoError(t, tx.Batches().Create(b.ctx, bt))
			}
		})
		b.read(t, func(tx store.Tx) {
			for s, want := range map[guard.BatchStatus][]guard.Batch{
				"":             {rejected, oldest, applied, newest},
				guard.Pending:  {oldest, newest},
				guard.Applied:  {applied},
				guard.Rejected: {rejected},
			} {
				got, err := tx.Batches().List(b.ctx, s)
				require.NoError(t, err, s)
				require.Equal(t, want, got, s)
			}
		})
	}},
	{"Update", func(t *testing.T, e *env) {
		b := e.setup(t)
		bt := fullBatch("B1", t0)
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Batches().Create(b.ctx, bt))
		})
		b.write(t, func(tx store.Tx) {
			// Read-modify-write inside one transaction, as the guard does.
			got, err := tx.Batches().Get(b.ctx, "B1")
			require.NoError(t, err)
			got.Status, got.DecidedAt, got.DecidedBy = guard.Applied, t0.Add(time.Hour), "token:ab12cd34"
			got.Summary.Removals = 41
			require.NoError(t, tx.Batches().Update(b.ctx, got))
			bt = got
			err = tx.Batches().Update(b.ctx, fullBatch("B2", t0))
			require.ErrorIs(t, err, store.ErrNotFound)
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.Batches().Get(b.ctx, "B1")
			require.NoError(t, err)
			require.Equal(t, bt, got)
			pending, err := tx.Batches().List(b.ctx, guard.Pending)
			require.NoError(t, err)
			require.Empty(t, pending)
			_, err = tx.Batches().Get(b.ctx, "B2")
			require.ErrorIs(t, err, store.ErrNotFound)
		})
	}},
}
