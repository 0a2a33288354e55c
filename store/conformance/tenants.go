package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/store"
)

var tenantTests = []test{
	{"CreateConflict", func(t *testing.T, e *env) {
		b := e.setup(t)
		err := b.store.CreateTenant(b.ctx, b.tenant)
		require.ErrorIs(t, err, store.ErrConflict)
	}},
	{"ListOrderedByID", func(t *testing.T, e *env) {
		// A store of its own: the shared one holds every other test's tenants.
		s := e.open(t)
		ctx := t.Context()
		list, err := s.Tenants(ctx)
		require.NoError(t, err)
		require.Empty(t, list)
		for _, id := range []string{"beta", "alpha", "gamma"} {
			require.NoError(t, s.CreateTenant(ctx, id))
		}
		list, err = s.Tenants(ctx)
		require.NoError(t, err)
		got := make([]string, len(list))
		for i, tn := range list {
			got[i] = tn.ID
			require.False(t, tn.CreatedAt.IsZero(), "tenant %s has no creation time", tn.ID)
		}
		require.Equal(t, []string{"alpha", "beta", "gamma"}, got)
	}},
	{"UnknownTenant", func(t *testing.T, e *env) {
		ctx := t.Context()
		called := false
		fn := func(store.Tx) error { called = true; return nil }
		for name, run := range map[string]func() error{
			"Write": func() error { return e.shared.Write(ctx, t.Name()+"-missing", fn) },
			"Read":  func() error { return e.shared.Read(ctx, t.Name()+"-missing", fn) },
		} {
			err := run()
			require.ErrorIs(t, err, store.ErrNoTenant, name)
			require.ErrorIs(t, err, store.ErrNotFound, name)
		}
		require.False(t, called, "fn ran for a tenant that does not exist")
	}},
}
