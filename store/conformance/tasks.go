package conformance

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/task"
)

func fullTask(id, key string, due time.Time) task.Task {
	return task.Task{
		ID: id, PersonID: "E1", App: "payroll", Action: "disable", Entitlement: "viewer", Key: key,
		Assignee: "finance-it@acme.example", Instruction: "disable account of Ann <ann@x> in Payroll",
		Reason: "terminated 2026-11-20", Due: due, Status: task.Open, CreatedAt: t0,
	}
}

var taskTests = []test{
	{"RoundTripAndFilters", func(t *testing.T, e *env) {
		b := e.setup(t)
		a := fullTask("t1", "k1", t0.Add(2*time.Hour))
		c := fullTask("t2", "k2", t0.Add(time.Hour))
		c.PersonID, c.App = "E2", "crm"
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Tasks().Create(b.ctx, a))
			require.NoError(t, tx.Tasks().Create(b.ctx, c))
			require.ErrorIs(t, tx.Tasks().Create(b.ctx, a), store.ErrConflict, "same id")
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.Tasks().Get(b.ctx, "t1")
			require.NoError(t, err)
			require.Equal(t, a, got)
			_, err = tx.Tasks().Get(b.ctx, "nope")
			require.ErrorIs(t, err, store.ErrNotFound)
			all, err := tx.Tasks().List(b.ctx, store.TaskFilter{})
			require.NoError(t, err)
			require.Equal(t, []task.Task{c, a}, all, "ordered by due time")
			one, err := tx.Tasks().List(b.ctx, store.TaskFilter{PersonID: "E2", App: "crm", Status: task.Open})
			require.NoError(t, err)
			require.Equal(t, []task.Task{c}, one)
		})
	}},
	{"OneOpenTaskPerKey", func(t *testing.T, e *env) {
		b := e.setup(t)
		a := fullTask("t1", "same-op", t0)
		b.write(t, func(tx store.Tx) { require.NoError(t, tx.Tasks().Create(b.ctx, a)) })
		err := b.store.Write(b.ctx, b.tenant, func(tx store.Tx) error {
			return tx.Tasks().Create(b.ctx, fullTask("t2", "same-op", t0))
		})
		require.ErrorIs(t, err, store.ErrConflict, "a second open task for one operation")
		a.Status, a.DoneAt, a.DoneBy, a.Note = task.Done, t0.Add(time.Minute), "cli:alice", "done in the UI"
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Tasks().Update(b.ctx, a))
			require.NoError(t, tx.Tasks().Create(b.ctx, fullTask("t2", "same-op", t0)), "the first is done")
			require.ErrorIs(t, tx.Tasks().Update(b.ctx, fullTask("t9", "x", t0)), store.ErrNotFound)
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.Tasks().Get(b.ctx, "t1")
			require.NoError(t, err)
			require.Equal(t, a, got)
			done, err := tx.Tasks().List(b.ctx, store.TaskFilter{Status: task.Done})
			require.NoError(t, err)
			require.Len(t, done, 1)
		})
	}},
	{"Isolation", func(t *testing.T, e *env) {
		b := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"-other")
		b.write(t, func(tx store.Tx) { require.NoError(t, tx.Tasks().Create(b.ctx, fullTask("t1", "k", t0))) })
		other.read(t, func(tx store.Tx) {
			_, err := tx.Tasks().Get(other.ctx, "t1")
			require.ErrorIs(t, err, store.ErrNotFound)
			ts, err := tx.Tasks().List(other.ctx, store.TaskFilter{})
			require.NoError(t, err)
			require.Empty(t, ts)
		})
		other.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Tasks().Create(other.ctx, fullTask("t1", "k", t0)), "ids are per tenant")
		})
	}},
}

var receiptTests = []test{
	{"SeenAndRecord", func(t *testing.T, e *env) {
		b := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"-other")
		many := ids("evt-", 1200) // more than one query chunk
		b.write(t, func(tx store.Tx) {
			seen, err := tx.Receipts().Seen(b.ctx, []string{"a"})
			require.NoError(t, err)
			require.Empty(t, seen)
			require.NoError(t, tx.Receipts().Record(b.ctx, many, t0))
		})
		err := b.store.Write(b.ctx, b.tenant, func(tx store.Tx) error {
			return tx.Receipts().Record(b.ctx, []string{"new", many[7]}, t0)
		})
		require.True(t, errors.Is(err, store.ErrConflict), "recording a seen id: %v", err)
		b.read(t, func(tx store.Tx) {
			seen, err := tx.Receipts().Seen(b.ctx, append([]string{"new", "x"}, many...))
			require.NoError(t, err)
			require.Len(t, seen, len(many), "the failed write recorded nothing")
			require.False(t, seen["new"])
		})
		other.read(t, func(tx store.Tx) {
			seen, err := tx.Receipts().Seen(other.ctx, many[:10])
			require.NoError(t, err)
			require.Empty(t, seen, "receipts are per tenant")
		})
	}},
}
