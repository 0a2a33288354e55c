package postgres

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/token"
)

// Migration 00006 moves a database of one SCIM namespace per tenant to one
// per source: what was there becomes the source "default", and people's
// groups become the default source's. Rolled back and forward again, the
// default source's data survives.
func TestMigrationSCIMSources(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := openIn(t, newSchema(t))
	require.NoError(t, s.CreateTenant(ctx, "acme"))
	user := store.SCIMResource{Type: "User", ID: "u1", Name: "ann@acme", ExternalID: "X1", Data: json.RawMessage(`{"id":"u1"}`)}
	require.NoError(t, s.Write(ctx, "acme", func(tx store.Tx) error {
		require.NoError(t, tx.People().Put(ctx,
			person.Person{ID: "A", Status: person.Active, Groups: []string{"Eng"}, SourceGroups: map[string][]string{"okta": {"Eng"}}},
			person.Person{ID: "B", Status: person.Terminated, Terminated: true, Groups: []string{"Ops"}},
			person.Person{ID: "C", Status: person.Active, Groups: []string{}},
			person.Person{ID: "D", Status: person.Active}))
		require.NoError(t, tx.SCIM("default").Put(ctx, user))
		require.NoError(t, tx.SCIM("okta").Put(ctx, user))
		return tx.Tokens().Create(ctx, token.Token{ID: "t1", Hash: []byte("h"), Scopes: []string{"scim"}, Source: "okta", CreatedAt: time.Unix(0, 0).UTC()})
	}))

	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	p, err := provider(db)
	require.NoError(t, err)
	_, err = p.DownTo(ctx, 5)
	require.NoError(t, err, "00006 rolls back")
	_, err = p.Up(ctx)
	require.NoError(t, err)

	require.NoError(t, s.Read(ctx, "acme", func(tx store.Tx) error {
		got, err := tx.SCIM("default").Get(ctx, "User", "u1")
		require.NoError(t, err)
		require.Equal(t, user, got)
		okta, err := tx.SCIM("okta").List(ctx, "User")
		require.NoError(t, err)
		require.Empty(t, okta, "one namespace could hold only the default source")
		want := map[string]map[string][]string{
			"A": {"default": {"Eng"}}, "B": nil, "C": {"default": {}}, "D": nil,
		}
		for id, sg := range want {
			q, err := tx.People().Get(ctx, id)
			require.NoError(t, err)
			require.Equal(t, sg, q.SourceGroups, "person %s: active SCIM people belong to the default source", id)
		}
		tok, err := tx.Tokens().Get(ctx, "t1")
		require.NoError(t, err)
		require.Equal(t, "", tok.Source)
		require.Equal(t, token.DefaultSource, tok.SCIMSource(), "a token from before sources writes to the default source")
		return nil
	}))
}
