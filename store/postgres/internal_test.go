package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
)

// setup opens a new store with one tenant, "acme", and returns it with that
// tenant's key.
func setup(t *testing.T) (*Store, int32) {
	t.Helper()
	s := openIn(t, newSchema(t))
	ctx := t.Context()
	require.NoError(t, s.CreateTenant(ctx, "acme"))
	var key int32
	require.NoError(t, s.pool.QueryRow(ctx, `SELECT key FROM tenants WHERE id = 'acme'`).Scan(&key))
	return s, key
}

// appendAudit appends n entries in tx.
func appendAudit(ctx context.Context, tx store.Tx, n int) error {
	for i := range n {
		if _, err := tx.Audit().Append(ctx, audit.Entry{Actor: "test", Action: "person.join", Subject: fmt.Sprint(i)}); err != nil {
			return err
		}
	}
	return nil
}

// requireChain checks that acme's log holds n entries that verify and end
// at the stored head.
func requireChain(t *testing.T, s *Store, n int) {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, s.Read(ctx, "acme", func(tx store.Tx) error {
		es, err := tx.Audit().Scan(ctx, 0, 0)
		require.NoError(t, err)
		require.Len(t, es, n)
		v := audit.NewVerifier("acme")
		for _, e := range es {
			require.NoError(t, v.Next(e))
		}
		seq, hash, err := tx.Audit().Head(ctx)
		require.NoError(t, err)
		require.NoError(t, v.Finish(seq, hash))
		return nil
	}))
}

func TestScheduledEventsUseIndex(t *testing.T) {
	t.Parallel()
	s, key := setup(t)
	// The scheduler's query must be able to use events_due rather than scan
	// the tenant's whole history. With few rows the planner would rather
	// scan, so scanning is made to look dear.
	q, args := eventQuery(key, store.EventFilter{State: person.Scheduled, DueBy: time.Now()})
	ctx := t.Context()
	ptx, err := s.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = ptx.Rollback(context.WithoutCancel(ctx)) }()
	_, err = ptx.Exec(ctx, `SET LOCAL enable_seqscan = off`)
	require.NoError(t, err)
	rows, err := ptx.Query(ctx, "EXPLAIN "+q, args...)
	require.NoError(t, err)
	var plan string
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		plan += line + "\n"
	}
	require.NoError(t, rows.Err())
	require.Contains(t, plan, "events_due", plan)
}

func TestAuditChunksInterleaved(t *testing.T) {
	t.Parallel()
	// Past several chunks, so that writers run while the Tx goes on with
	// other statements, which must wait for them.
	s, _ := setup(t)
	ctx := t.Context()
	n := 3*auditChunk + 7
	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error {
		for i := range n {
			if _, err := tx.Audit().Append(ctx, audit.Entry{Actor: "test", Action: "person.join", Subject: fmt.Sprint(i)}); err != nil {
				return err
			}
			if i%1000 == 999 {
				if err := tx.People().Put(ctx, person.Person{ID: fmt.Sprint("E", i), Status: person.Active}); err != nil {
					return err
				}
			}
		}
		// Entries appended in this Tx are visible to it.
		es, err := tx.Audit().Scan(ctx, 0, 0)
		require.NoError(t, err)
		require.Len(t, es, n)
		return nil
	}))
	requireChain(t, s, n)
}

func TestAuditWriteFailureFailsCommit(t *testing.T) {
	t.Parallel()
	s, key := setup(t)
	ctx := t.Context()
	// A stray row where entry auditChunk+10 will go: the writer copying the
	// chunk holding it fails, after Append has long returned for that entry.
	_, err := s.pool.Exec(ctx, `INSERT INTO audit (tenant, seq, at, actor, action, subject, prev_hash, hash)
		VALUES ($1, $2, now(), '', '', '', '', '')`, key, auditChunk+10)
	require.NoError(t, err)

	err = s.Write(ctx, "acme", func(tx store.Tx) error {
		if err := tx.People().Put(ctx, person.Person{ID: "E1", Status: person.Active}); err != nil {
			return err
		}
		// Whether Append or the commit reports it, the error must come out.
		return appendAudit(ctx, tx, 3*auditChunk)
	})
	require.ErrorIs(t, err, store.ErrConflict)

	require.NoError(t, s.Read(ctx, "acme", func(tx store.Tx) error {
		n, err := tx.People().Count(ctx, "")
		require.NoError(t, err)
		require.Zero(t, n, "nothing of the failed write is kept")
		seq, _, err := tx.Audit().Head(ctx)
		require.NoError(t, err)
		require.Zero(t, seq)
		return nil
	}))
}

func TestErrorWhileAuditCopiesRollsBack(t *testing.T) {
	t.Parallel()
	// fn fails (or panics) with a chunk still being copied: the writer is
	// stopped before the rollback, and the store goes on working.
	s, _ := setup(t)
	ctx := t.Context()
	boom := errors.New("boom")
	err := s.Write(ctx, "acme", func(tx store.Tx) error {
		if err := appendAudit(ctx, tx, auditChunk+1); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Panics(t, func() {
		_ = s.Write(ctx, "acme", func(tx store.Tx) error {
			if err := appendAudit(ctx, tx, auditChunk+1); err != nil {
				return err
			}
			panic("boom")
		})
	})
	requireChain(t, s, 0)
	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error { return appendAudit(ctx, tx, 2) }))
	requireChain(t, s, 2)
}

func TestFirstImportCopiesThenUpserts(t *testing.T) {
	t.Parallel()
	// The first large Put copies; the next ones upsert over it, and one
	// with an id twice (the last record wins) takes the upsert path too.
	s, _ := setup(t)
	ctx := t.Context()
	ps := make([]person.Person, copyMin)
	for i := range ps {
		ps[i] = person.Person{ID: fmt.Sprintf("E%05d", i), Department: "Sales", Status: person.Active}
	}
	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error {
		first, err := people{tx.(*Tx)}.isFirstImport(ctx, ps)
		require.NoError(t, err)
		require.True(t, first)
		return tx.People().Put(ctx, ps...)
	}))
	moved := ps[7]
	moved.Department = "Research"
	again := append(ps[:len(ps):len(ps)], moved)
	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error {
		first, err := people{tx.(*Tx)}.isFirstImport(ctx, again)
		require.NoError(t, err)
		require.False(t, first)
		return tx.People().Put(ctx, again...)
	}))
	require.NoError(t, s.Read(ctx, "acme", func(tx store.Tx) error {
		got, err := tx.People().List(ctx)
		require.NoError(t, err)
		require.Len(t, got, copyMin)
		require.Equal(t, moved, got[7])
		return nil
	}))
	// An id twice in a first import: copying would fail, so it upserts.
	require.NoError(t, s.CreateTenant(ctx, "globex"))
	dup := append(ps[:len(ps):len(ps)], moved)
	require.NoError(t, s.Write(ctx, "globex", func(tx store.Tx) error {
		first, err := people{tx.(*Tx)}.isFirstImport(ctx, dup)
		require.NoError(t, err)
		require.False(t, first)
		return tx.People().Put(ctx, dup...)
	}))
	require.NoError(t, s.Read(ctx, "globex", func(tx store.Tx) error {
		got, err := tx.People().Get(ctx, moved.ID)
		require.NoError(t, err)
		require.Equal(t, moved, got)
		return nil
	}))
}
