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

var scimTests = []test{
	{"PutGetListDelete", func(t *testing.T, e *env) {
		b := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"-other")
		u1, u2 := scimUser("b2", "ada@x", "E1"), scimUser("a1", "bob@x", "E2")
		grp := store.SCIMResource{Type: "Group", ID: "g1", Name: "ada@x", Data: json.RawMessage(`{"displayName":"ada@x"}`)}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.SCIM().Put(b.ctx, u1))
			require.NoError(t, tx.SCIM().Put(b.ctx, u2))
			require.NoError(t, tx.SCIM().Put(b.ctx, grp), "names are unique per type")
		})
		err := b.store.Write(b.ctx, b.tenant, func(tx store.Tx) error {
			return tx.SCIM().Put(b.ctx, scimUser("c3", "ada@x", ""))
		})
		require.ErrorIs(t, err, store.ErrConflict, "a taken userName")
		u1.Data = json.RawMessage(`{"id":"b2","userName":"ada@x","active":false}`)
		b.write(t, func(tx store.Tx) { require.NoError(t, tx.SCIM().Put(b.ctx, u1)) })
		b.read(t, func(tx store.Tx) {
			got, err := tx.SCIM().Get(b.ctx, "User", "b2")
			require.NoError(t, err)
			require.Equal(t, u1.Name, got.Name)
			require.JSONEq(t, string(u1.Data), string(got.Data), "replaced whole")
			got, err = tx.SCIM().ByName(b.ctx, "User", "bob@x")
			require.NoError(t, err)
			require.Equal(t, "a1", got.ID)
			_, err = tx.SCIM().ByName(b.ctx, "User", "nobody")
			require.ErrorIs(t, err, store.ErrNotFound)
			byExt, err := tx.SCIM().ByExternalID(b.ctx, "User", "E2")
			require.NoError(t, err)
			require.Len(t, byExt, 1)
			all, err := tx.SCIM().List(b.ctx, "User")
			require.NoError(t, err)
			require.Equal(t, []string{"a1", "b2"}, []string{all[0].ID, all[1].ID}, "ordered by id")
		})
		other.read(t, func(tx store.Tx) {
			_, err := tx.SCIM().Get(other.ctx, "User", "b2")
			require.ErrorIs(t, err, store.ErrNotFound, "resources are per tenant")
			all, err := tx.SCIM().List(other.ctx, "User")
			require.NoError(t, err)
			require.Empty(t, all)
		})
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.SCIM().Delete(b.ctx, "User", "b2"))
			require.ErrorIs(t, tx.SCIM().Delete(b.ctx, "User", "b2"), store.ErrNotFound)
			require.NoError(t, tx.SCIM().Put(b.ctx, scimUser("c3", "ada@x", "")), "the name is free again")
		})
	}},
}
