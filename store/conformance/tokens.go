package conformance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/token"
)

var tokenTests = []test{
	{"CreateGetListRevoke", func(t *testing.T, e *env) {
		b := e.setup(t)
		// Token ids are unique in the whole store, so they carry the tenant.
		id := func(s string) string { return b.tenant + "/" + s }
		older, newer := fullToken(id("zz"), b.tenant, t0), fullToken(id("aa"), b.tenant, t0.Add(time.Hour))
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Tokens().Create(b.ctx, newer))
			require.NoError(t, tx.Tokens().Create(b.ctx, older))
			err := tx.Tokens().Create(b.ctx, fullToken(id("aa"), b.tenant, t0))
			require.ErrorIs(t, err, store.ErrConflict)
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.Tokens().Get(b.ctx, older.ID)
			require.NoError(t, err)
			require.Equal(t, older, got)
			_, err = tx.Tokens().Get(b.ctx, id("missing"))
			require.ErrorIs(t, err, store.ErrNotFound)
			all, err := tx.Tokens().List(b.ctx)
			require.NoError(t, err)
			require.Equal(t, []token.Token{older, newer}, all, "ordered by creation, not id")
		})

		revoked := t0.Add(2 * time.Hour)
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Tokens().Revoke(b.ctx, newer.ID, revoked))
			require.ErrorIs(t, tx.Tokens().Revoke(b.ctx, id("missing"), revoked), store.ErrNotFound)
		})
		newer.RevokedAt = revoked
		b.read(t, func(tx store.Tx) {
			got, err := tx.Tokens().Get(b.ctx, newer.ID)
			require.NoError(t, err)
			require.Equal(t, newer, got)
		})
	}},
	{"OtherTenantsTokenNotFound", func(t *testing.T, e *env) {
		a := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"#b")
		tok := fullToken(a.tenant+"/tok", a.tenant, t0)
		a.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Tokens().Create(a.ctx, tok))
		})
		other.write(t, func(tx store.Tx) {
			_, err := tx.Tokens().Get(other.ctx, tok.ID)
			require.ErrorIs(t, err, store.ErrNotFound)
			require.ErrorIs(t, tx.Tokens().Revoke(other.ctx, tok.ID, t0), store.ErrNotFound)
			all, err := tx.Tokens().List(other.ctx)
			require.NoError(t, err)
			require.Empty(t, all)
		})
		a.read(t, func(tx store.Tx) {
			got, err := tx.Tokens().Get(a.ctx, tok.ID)
			require.NoError(t, err)
			require.Equal(t, tok, got, "untouched by the other tenant's revoke")
		})
	}},
}
