package conformance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/token"
)

// errorTests pin what adapters say, not only which sentinel they wrap:
// operators read these messages.
var errorTests = []test{
	{"ErrorsNameTheirSubject", func(t *testing.T, e *env) {
		s := e.open(t)
		ctx := t.Context()
		err := s.Read(ctx, "nobody", func(store.Tx) error { return nil })
		require.EqualError(t, err, `tenant "nobody": no such tenant (not found)`)
		err = s.Write(ctx, "nobody", func(store.Tx) error { return nil })
		require.EqualError(t, err, `tenant "nobody": no such tenant (not found)`)

		require.NoError(t, s.CreateTenant(ctx, "acme"))
		require.EqualError(t, s.CreateTenant(ctx, "acme"), `create tenant "acme": already exists`)
		require.NoError(t, s.Read(ctx, "acme", func(tx store.Tx) error {
			_, err := tx.People().Get(ctx, "E404")
			require.EqualError(t, err, `person "E404": not found`)
			err = tx.People().Put(ctx, person.Person{ID: "E1"})
			require.ErrorContains(t, err, "read-only transaction")
			return nil
		}))
	}},
	{"TokenOfAnotherTenantRefused", func(t *testing.T, e *env) {
		b := e.setup(t)
		b.write(t, func(tx store.Tx) {
			err := tx.Tokens().Create(b.ctx, token.Token{ID: b.tenant + "-t1", Tenant: "globex", Hash: []byte{1}, CreatedAt: time.Now()})
			require.ErrorContains(t, err, `tenant "globex"`)
			// An empty Tenant means the Tx's own, and reads back as it.
			require.NoError(t, tx.Tokens().Create(b.ctx, token.Token{ID: b.tenant + "-t2", Hash: []byte{1}}))
			got, err := tx.Tokens().Get(b.ctx, b.tenant+"-t2")
			require.NoError(t, err)
			require.Equal(t, b.tenant, got.Tenant)
		})
	}},
}
