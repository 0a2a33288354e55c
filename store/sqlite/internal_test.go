package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
)

// setup opens a new database with one tenant, "acme", and returns it with
// that tenant's key.
func setup(t *testing.T) (*Store, int64) {
	t.Helper()
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	require.NoError(t, s.CreateTenant(ctx, "acme"))
	var key int64
	require.NoError(t, s.read.QueryRowContext(ctx, `SELECT key FROM tenants WHERE id = 'acme'`).Scan(&key))
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

func TestScheduledEventsUseIndex(t *testing.T) {
	t.Parallel()
	s, key := setup(t)
	// The scheduler's query must not scan the tenant's whole history.
	q, args := eventQuery(key, store.EventFilter{State: person.Scheduled, DueBy: time.Now()})
	rows, err := s.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	require.NoError(t, err)
	defer rows.Close()
	var plan string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan += detail + "\n"
	}
	require.NoError(t, rows.Err())
	require.Contains(t, plan, "USING INDEX events_due", plan)
}

func TestAuditWriteFailureFailsCommit(t *testing.T) {
	t.Parallel()
	s, key := setup(t)
	ctx := t.Context()
	// A stray row where entry 200 will go: the writer goroutine's chunk
	// holding it fails, after Append has long returned for that entry.
	_, err := s.write.ExecContext(ctx, `INSERT INTO audit (tenant, seq, at, actor, action, subject, prev_hash, hash)
		VALUES (?, 200, '', '', '', '', '', '')`, key)
	require.NoError(t, err)

	err = s.Write(ctx, "acme", func(tx store.Tx) error {
		if err := tx.People().Put(ctx, person.Person{ID: "E1", Status: person.Active}); err != nil {
			return err
		}
		// Whether Append or the commit reports it, the error must come out.
		return appendAudit(ctx, tx, 3*chunk)
	})
	require.ErrorIs(t, err, store.ErrConflict)

	require.NoError(t, s.Read(ctx, "acme", func(tx store.Tx) error {
		n, err := tx.People().Count(ctx, "")
		require.NoError(t, err)
		require.Zero(t, n, "the person was committed without its audit entries")
		seq, _, err := tx.Audit().Head(ctx)
		require.NoError(t, err)
		require.Zero(t, seq)
		return nil
	}))
}

func TestRollbackStopsAuditWriter(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	ctx := t.Context()
	boom := errors.New("boom")
	err := s.Write(ctx, "acme", func(tx store.Tx) error {
		require.NoError(t, appendAudit(ctx, tx, 3*chunk+1))
		require.NotNil(t, tx.(*Tx).aw, "the writer goroutine should have started")
		return boom
	})
	require.ErrorIs(t, err, boom)
	// The connection came back clean: the next transaction starts the
	// chain from the beginning.
	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error {
		e, err := tx.Audit().Append(ctx, audit.Entry{Actor: "test", Action: "x"})
		require.Equal(t, int64(1), e.Seq)
		return err
	}))
}

func TestCheckpointerRuns(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	ctx := t.Context()
	ran := make(chan error, 16)
	hook := func(err error) { ran <- err }
	s.ckpt.ran.Store(&hook)

	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error {
		ps := make([]person.Person, 1000)
		for i := range ps {
			ps[i] = person.Person{ID: fmt.Sprintf("E%04d", i), Status: person.Active}
		}
		return tx.People().Put(ctx, ps...)
	}))
	// The commit nudged the checkpointer; this nudge asks again in case
	// that checkpoint started before the commit was in the log.
	s.ckpt.nudge()
	for {
		require.NoError(t, <-ran)
		// Done when nothing in the log is left to copy.
		var busy, logged, copied int
		require.NoError(t, s.ckpt.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied))
		if logged == copied {
			return
		}
	}
}
