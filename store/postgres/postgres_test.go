package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/conformance"
	"github.com/tenure-dev/tenure/store/postgres"
)

// open gives each caller a new, empty store in a schema of its own.
func open(t testing.TB) *postgres.Store {
	t.Helper()
	return postgres.OpenIn(t, postgres.NewSchema(t))
}

func TestConformance(t *testing.T) {
	t.Parallel()
	conformance.Run(t, func(t *testing.T) store.Store { return open(t) })
}

func TestMigrationStatus(t *testing.T) {
	t.Parallel()
	s := open(t)
	st, err := s.MigrationStatus(t.Context())
	require.NoError(t, err)
	require.NotEmpty(t, st)
	require.Equal(t, int64(1), st[0].Version)
	require.Equal(t, "00001_init.sql", st[0].Name)
	for _, m := range st {
		require.True(t, m.Applied, "migration %s", m.Name)
		require.False(t, m.AppliedAt.IsZero(), "migration %s", m.Name)
	}
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	// Three processes starting at once on a new database: the advisory lock
	// lets one migrate, and the others then find nothing to do.
	schema := postgres.NewSchema(t)
	const n = 3
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		cfg := postgres.SchemaConfig(t, schema)
		wg.Go(func() {
			stores[i], errs[i] = postgres.OpenConfig(t.Context(), cfg)
		})
	}
	wg.Wait()
	for i, s := range stores {
		require.NoError(t, errs[i], "store %d", i)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
	}

	var applied []int64
	conn, err := pgx.ConnectConfig(t.Context(), postgres.SchemaConfig(t, schema).ConnConfig)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), `SELECT version_id FROM goose_db_version WHERE version_id > 0 ORDER BY id`)
	require.NoError(t, err)
	applied, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	st, err := stores[0].MigrationStatus(t.Context())
	require.NoError(t, err)
	require.Len(t, applied, len(st), "each migration applied exactly once")

	// And all three work on the one schema.
	ctx := t.Context()
	for i, s := range stores {
		require.NoError(t, s.CreateTenant(ctx, fmt.Sprint("t", i)))
	}
	list, err := stores[2].Tenants(ctx)
	require.NoError(t, err)
	require.Len(t, list, n)
}

func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	schema := postgres.NewSchema(t)
	ctx := t.Context()
	var sealed audit.Entry

	s, err := postgres.OpenConfig(ctx, postgres.SchemaConfig(t, schema))
	require.NoError(t, err)
	require.NoError(t, s.CreateTenant(ctx, "acme"))
	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error {
		if err := tx.People().Put(ctx, person.Person{ID: "E1", Status: person.Active}); err != nil {
			return err
		}
		sealed, err = tx.Audit().Append(ctx, audit.Entry{Actor: "test", Action: "person.join", Subject: "E1"})
		return err
	}))
	require.NoError(t, s.Close())

	// Opening again applies no migration twice and finds everything.
	s = postgres.OpenIn(t, schema)
	require.NoError(t, s.Read(ctx, "acme", func(tx store.Tx) error {
		n, err := tx.People().Count(ctx, person.Active)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		seq, hash, err := tx.Audit().Head(ctx)
		require.NoError(t, err)
		require.Equal(t, sealed.Seq, seq)
		require.Equal(t, sealed.Hash, hash)
		return nil
	}))
	// The chain goes on from the stored head.
	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error {
		e, err := tx.Audit().Append(ctx, audit.Entry{Actor: "test", Action: "person.move", Subject: "E1"})
		require.Equal(t, sealed.Hash, e.PrevHash)
		require.Equal(t, int64(2), e.Seq)
		return err
	}))
}

func TestTimesRoundTripExactly(t *testing.T) {
	t.Parallel()
	// timestamptz keeps microseconds; the _ns columns keep the rest, for
	// times before 1970 and after 2262 (where int64 nanoseconds end) too.
	s := open(t)
	ctx := t.Context()
	require.NoError(t, s.CreateTenant(ctx, "acme"))
	times := []time.Time{
		{},
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 1, 9, 30, 15, 123456789, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	}
	var want []policy.Request
	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error {
		for i, at := range times {
			// ExpiresAt is NOT NULL (zero is year 1), CreatedAt nullable.
			r := policy.Request{ID: fmt.Sprintf("R%d", i), ExpiresAt: at, CreatedAt: at}
			want = append(want, r)
			if err := tx.Requests().Put(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(t, s.Read(ctx, "acme", func(tx store.Tx) error {
		got, err := tx.Requests().List(ctx)
		require.NoError(t, err)
		require.Equal(t, want, got)
		return nil
	}))
	// A time in another zone comes back as the same instant, in UTC.
	cet := time.Date(2026, 3, 1, 10, 30, 15, 5, time.FixedZone("CET", 3600))
	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error {
		return tx.Requests().Put(ctx, policy.Request{ID: "cet", ExpiresAt: cet})
	}))
	require.NoError(t, s.Read(ctx, "acme", func(tx store.Tx) error {
		got, err := tx.Requests().List(ctx)
		require.NoError(t, err)
		require.Equal(t, cet.UTC(), got[len(got)-1].ExpiresAt)
		return nil
	}))
}

func TestDueByComparesNanoseconds(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	require.NoError(t, s.CreateTenant(ctx, "acme"))
	at := time.Date(2026, 3, 1, 9, 0, 0, 1500, time.UTC) // 1 µs and 500 ns
	evs := []person.Event{{PersonID: "E1", Kind: person.Leave, EffectiveAt: at, State: person.Scheduled}}
	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error { return tx.Events().Append(ctx, evs) }))
	require.NoError(t, s.Read(ctx, "acme", func(tx store.Tx) error {
		for due, n := range map[time.Time]int{at.Add(-1): 0, at: 1, at.Add(1): 1, at.Add(-time.Microsecond): 0} {
			got, err := tx.Events().List(ctx, store.EventFilter{State: person.Scheduled, DueBy: due})
			require.NoError(t, err)
			require.Len(t, got, n, "due by %v", due)
		}
		return nil
	}))
}

func TestReadModifyWriteDoesNotLoseUpdates(t *testing.T) {
	t.Parallel()
	// Writers of one tenant take turns for the whole transaction, not only
	// at the audit head: two approvals of one batch must not both read it
	// pending, as the guard's read-modify-write would then apply it twice.
	s := open(t)
	ctx := t.Context()
	require.NoError(t, s.CreateTenant(ctx, "acme"))
	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error {
		return tx.Batches().Create(ctx, guard.Batch{ID: "B1", Kind: guard.Import, Status: guard.Pending})
	}))
	const writers, each = 4, 10
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error {
					b, err := tx.Batches().Get(ctx, "B1")
					if err != nil {
						return err
					}
					b.Summary.Removals++
					return tx.Batches().Update(ctx, b)
				}))
			}
		})
	}
	wg.Wait()
	require.NoError(t, s.Read(ctx, "acme", func(tx store.Tx) error {
		b, err := tx.Batches().Get(ctx, "B1")
		require.NoError(t, err)
		require.Equal(t, writers*each, b.Summary.Removals)
		return nil
	}))
}

func TestOtherTenantsWriteMeanwhile(t *testing.T) {
	t.Parallel()
	// The turn-taking is per tenant: while a Write on acme is open, a Write
	// on globex goes ahead (it would time out if it waited for acme).
	s := open(t)
	ctx := t.Context()
	require.NoError(t, s.CreateTenant(ctx, "acme"))
	require.NoError(t, s.CreateTenant(ctx, "globex"))
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Write(ctx, "acme", func(tx store.Tx) error {
			close(inside)
			<-release
			_, err := tx.Audit().Append(ctx, audit.Entry{Actor: "test", Action: "slow"})
			return err
		})
	}()
	<-inside
	short, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, s.Write(short, "globex", func(tx store.Tx) error {
		_, err := tx.Audit().Append(short, audit.Entry{Actor: "test", Action: "quick"})
		return err
	}))
	close(release)
	require.NoError(t, <-done)
}

func TestFailedStatementFailsCommit(t *testing.T) {
	t.Parallel()
	// A caller that ignores a failed statement cannot commit the rest: the
	// Write reports the failure and keeps nothing.
	s := open(t)
	ctx := t.Context()
	require.NoError(t, s.CreateTenant(ctx, "acme"))
	err := s.Write(ctx, "acme", func(tx store.Tx) error {
		require.NoError(t, tx.People().Put(ctx, person.Person{ID: "E1", Status: person.Active}))
		// Invalid UTF-8 in an id: PostgreSQL refuses the statement.
		_ = tx.People().Put(ctx, person.Person{ID: "\xff", Status: person.Active})
		return nil
	})
	require.ErrorContains(t, err, "rolled back")
	require.NoError(t, s.Read(ctx, "acme", func(tx store.Tx) error {
		n, err := tx.People().Count(ctx, "")
		require.NoError(t, err)
		require.Zero(t, n)
		return nil
	}))
}

func TestQueuedWritersHoldNoConnection(t *testing.T) {
	t.Parallel()
	// Two connections, five writers of one tenant, each reading another
	// tenant inside its Write: writers waiting for their turn must leave
	// the second connection to the Read of the one writing.
	cfg := postgres.SchemaConfig(t, postgres.NewSchema(t))
	cfg.MaxConns = 2
	s, err := postgres.OpenConfig(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	require.NoError(t, s.CreateTenant(ctx, "acme"))
	require.NoError(t, s.CreateTenant(ctx, "globex"))
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for i := range 5 {
		wg.Go(func() {
			errs <- s.Write(ctx, "acme", func(tx store.Tx) error {
				if err := s.Read(ctx, "globex", func(store.Tx) error { return nil }); err != nil {
					return err
				}
				return tx.People().Put(ctx, person.Person{ID: fmt.Sprint("E", i), Status: person.Active})
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
