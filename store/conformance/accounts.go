package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/store"
)

var accountTests = []test{
	{"ByPerson", func(t *testing.T, e *env) {
		b := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"-other")
		gh, okta := fullAccount("github", "2"), fullAccount("okta", "00u1")
		someoneElse := fullAccount("github", "3")
		someoneElse.PersonID = "E2002"
		orphan := account.Account{App: "slack", ExternalID: "U1", State: account.Enabled}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Accounts().Put(b.ctx, okta, gh, someoneElse, orphan))
		})
		other.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Accounts().Put(other.ctx, fullAccount("aws", "9")))
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.Accounts().ByPerson(b.ctx, "E1001")
			require.NoError(t, err)
			require.Equal(t, []account.Account{gh, okta}, got, "this person's, in app order, not another tenant's")
			none, err := tx.Accounts().ByPerson(b.ctx, "E404")
			require.NoError(t, err)
			require.Empty(t, none)
		})
	}},
	{"PutListByApp", func(t *testing.T, e *env) {
		b := e.setup(t)
		gh2, gh10, okta := fullAccount("github", "2"), fullAccount("github", "10"), fullAccount("okta", "00u1")
		orphan := account.Account{App: "slack", ExternalID: "U1", State: account.Enabled}
		empty := account.Account{App: "slack", ExternalID: "U2", State: account.Enabled,
			Entitlements: []string{}, Attributes: map[string]string{}} // empty, not nil: kept as such
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Accounts().Put(b.ctx, okta, gh2, empty))
			require.NoError(t, tx.Accounts().Put(b.ctx, orphan, gh10))
		})
		b.read(t, func(tx store.Tx) {
			all, err := tx.Accounts().List(b.ctx, "")
			require.NoError(t, err)
			// External ids order as strings: "10" before "2".
			require.Equal(t, []account.Account{gh10, gh2, okta, orphan, empty}, all)
			got, err := tx.Accounts().List(b.ctx, "github")
			require.NoError(t, err)
			require.Equal(t, []account.Account{gh10, gh2}, got)
			got, err = tx.Accounts().List(b.ctx, "jira")
			require.NoError(t, err)
			require.Empty(t, got)
		})
	}},
	{"PutReplacesDelete", func(t *testing.T, e *env) {
		b := e.setup(t)
		a := fullAccount("github", "1")
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Accounts().Put(b.ctx, a, fullAccount("github", "2")))
		})
		a.State, a.Entitlements, a.Attributes, a.PersonID = account.Enabled, []string{"read"}, nil, ""
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Accounts().Put(b.ctx, a))
			require.NoError(t, tx.Accounts().Delete(b.ctx, "github", "2"))
			require.ErrorIs(t, tx.Accounts().Delete(b.ctx, "github", "2"), store.ErrNotFound)
			require.ErrorIs(t, tx.Accounts().Delete(b.ctx, "okta", "1"), store.ErrNotFound)
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.Accounts().List(b.ctx, "")
			require.NoError(t, err)
			require.Equal(t, []account.Account{a}, got)
		})
	}},
}
