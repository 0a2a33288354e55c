package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/conformance"
	"github.com/tenure-dev/tenure/store/sqlite"
)

// open gives each caller a new database file of its own.
func open(t testing.TB) *sqlite.Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "tenure.db"))
}

// openAt opens the database at path and closes it when t ends.
func openAt(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
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

func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tenure.db")
	ctx := t.Context()
	var sealed audit.Entry

	s, err := sqlite.Open(ctx, path)
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
	s = openAt(t, path)
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
