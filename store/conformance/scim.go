package conformance

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/store"
)

func scimUser(id, name, ext string) store.SCIMResource {
	return store.SCIMResource{Type: "User", ID: id, Name: name, ExternalID: ext,
		Data: json.RawMessage(`{"id":"` + id + `","userName":"` + name + `","name":{"givenName":"Ada"}}`)}
}

func scimGroup(id, name string) store.SCIMResource {
	return store.SCIMResource{Type: "Group", ID: id, Name: name,
		Data: json.RawMessage(`{"id":"` + id + `","displayName":"` + name + `"}`)}
}

var scimTests = []test{
	{"PutGetListDelete", func(t *testing.T, e *env) {
		b := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"-other")
		u1, u2 := scimUser("b2", "ada@x", "E1"), scimUser("a1", "bob@x", "E2")
		grp := store.SCIMResource{Type: "Group", ID: "g1", Name: "ada@x", Data: json.RawMessage(`{"displayName":"ada@x"}`)}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.SCIM("default").Put(b.ctx, u1))
			require.NoError(t, tx.SCIM("default").Put(b.ctx, u2))
			require.NoError(t, tx.SCIM("default").Put(b.ctx, grp), "names are unique per type")
		})
		err := b.store.Write(b.ctx, b.tenant, func(tx store.Tx) error {
			return tx.SCIM("default").Put(b.ctx, scimUser("c3", "ada@x", ""))
		})
		require.ErrorIs(t, err, store.ErrConflict, "a taken userName")
		u1.Data = json.RawMessage(`{"id":"b2","userName":"ada@x","active":false}`)
		b.write(t, func(tx store.Tx) { require.NoError(t, tx.SCIM("default").Put(b.ctx, u1)) })
		b.read(t, func(tx store.Tx) {
			s := tx.SCIM("default")
			got, err := s.Get(b.ctx, "User", "b2")
			require.NoError(t, err)
			require.Equal(t, u1.Name, got.Name)
			require.JSONEq(t, string(u1.Data), string(got.Data), "replaced whole")
			got, err = s.ByName(b.ctx, "User", "bob@x")
			require.NoError(t, err)
			require.Equal(t, "a1", got.ID)
			_, err = s.ByName(b.ctx, "User", "nobody")
			require.ErrorIs(t, err, store.ErrNotFound)
			byExt, err := s.ByExternalID(b.ctx, "User", "E2")
			require.NoError(t, err)
			require.Len(t, byExt, 1)
			all, err := s.List(b.ctx, "User")
			require.NoError(t, err)
			require.Equal(t, []string{"a1", "b2"}, []string{all[0].ID, all[1].ID}, "ordered by id")
		})
		other.read(t, func(tx store.Tx) {
			_, err := tx.SCIM("default").Get(other.ctx, "User", "b2")
			require.ErrorIs(t, err, store.ErrNotFound, "resources are per tenant")
			all, err := tx.SCIM("default").List(other.ctx, "User")
			require.NoError(t, err)
			require.Empty(t, all)
		})
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.SCIM("default").Delete(b.ctx, "User", "b2"))
			require.ErrorIs(t, tx.SCIM("default").Delete(b.ctx, "User", "b2"), store.ErrNotFound)
			require.NoError(t, tx.SCIM("default").Put(b.ctx, scimUser("c3", "ada@x", "")), "the name is free again")
		})
	}},
	{"SourcesAreNamespaces", func(t *testing.T, e *env) {
		// Two identity providers push to one tenant: the same ids, names
		// and external ids in each, and neither sees the other's.
		b := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"-other")
		okta, entra := scimUser("u1", "ann@acme", "X1"), scimUser("u1", "ann@acme", "X1")
		entra.Data = json.RawMessage(`{"id":"u1","userName":"ann@acme","title":"from entra"}`)
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.SCIM("okta").Put(b.ctx, okta))
			require.NoError(t, tx.SCIM("okta").Put(b.ctx, scimGroup("g1", "engineering")))
			require.NoError(t, tx.SCIM("entra").Put(b.ctx, entra), "same id and userName in another source")
			require.NoError(t, tx.SCIM("entra").Put(b.ctx, scimGroup("g9", "engineering")), "same group name")
		})
		other.write(t, func(tx store.Tx) {
			require.NoError(t, tx.SCIM("okta").Put(other.ctx, scimGroup("g1", "engineering")), "same source name in another tenant")
		})
		err := b.store.Write(b.ctx, b.tenant, func(tx store.Tx) error {
			return tx.SCIM("entra").Put(b.ctx, scimGroup("g2", "engineering"))
		})
		require.ErrorIs(t, err, store.ErrConflict, "names stay unique within a source")
		b.read(t, func(tx store.Tx) {
			got, err := tx.SCIM("entra").Get(b.ctx, "User", "u1")
			require.NoError(t, err)
			require.JSONEq(t, string(entra.Data), string(got.Data), "each source reads its own")
			got, err = tx.SCIM("okta").Get(b.ctx, "User", "u1")
			require.NoError(t, err)
			require.JSONEq(t, string(okta.Data), string(got.Data))
			g, err := tx.SCIM("entra").ByName(b.ctx, "Group", "engineering")
			require.NoError(t, err)
			require.Equal(t, "g9", g.ID)
			_, err = tx.SCIM("entra").Get(b.ctx, "Group", "g1")
			require.ErrorIs(t, err, store.ErrNotFound, "okta's group is not entra's")
			byExt, err := tx.SCIM("okta").ByExternalID(b.ctx, "User", "X1")
			require.NoError(t, err)
			require.Len(t, byExt, 1)
			gs, err := tx.SCIM("okta").List(b.ctx, "Group")
			require.NoError(t, err)
			require.Len(t, gs, 1)
			require.Equal(t, "g1", gs[0].ID)
			none, err := tx.SCIM("default").List(b.ctx, "User")
			require.NoError(t, err)
			require.Empty(t, none, "a third source sees nothing")
		})
		b.write(t, func(tx store.Tx) {
			require.ErrorIs(t, tx.SCIM("entra").Delete(b.ctx, "Group", "g1"), store.ErrNotFound, "cannot delete another source's")
			require.NoError(t, tx.SCIM("okta").Delete(b.ctx, "User", "u1"))
		})
		b.read(t, func(tx store.Tx) {
			_, err := tx.SCIM("entra").Get(b.ctx, "User", "u1")
			require.NoError(t, err, "untouched by okta's delete")
			_, err = tx.SCIM("okta").Get(b.ctx, "Group", "g1")
			require.NoError(t, err)
		})
		other.read(t, func(tx store.Tx) {
			_, err := tx.SCIM("okta").Get(other.ctx, "User", "u1")
			require.ErrorIs(t, err, store.ErrNotFound, "sources are within a tenant")
		})
	}},
}
