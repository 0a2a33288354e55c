package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/store"
)

// fullFinding has every field set, so a store dropping any fails.
func fullFinding(app, ext string, c account.Class) account.Finding {
	return account.Finding{
		App: app, ExternalID: ext, UserName: ext + "@example.com", Class: c, PersonID: "E1001",
		State: account.Enabled, Owner: "E0001", OwnerGone: true,
		Missing: []string{"admins"}, Extra: []string{"ops \"eu\""}, Attributes: []string{"email: a → b"},
		Candidates: []string{"E1", "E2"}, Detail: "ü-✓ detail", Action: "report", SeenAt: t0,
	}
}

var findingTests = []test{
	{"ReplaceListFilter", func(t *testing.T, e *env) {
		b := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"-other")
		g := fullFinding("github", "u2", account.Ghost)
		o := fullFinding("github", "u1", account.Orphan)
		o.PersonID, o.Owner, o.OwnerGone = "", "", false
		s := fullFinding("slack", "s1", account.Service)
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Findings().Replace(b.ctx, "github", []account.Finding{g, o}))
			require.NoError(t, tx.Findings().Replace(b.ctx, "slack", []account.Finding{s}))
		})
		b.read(t, func(tx store.Tx) {
			all, err := tx.Findings().List(b.ctx, store.FindingFilter{})
			require.NoError(t, err)
			require.Equal(t, []account.Finding{o, g, s}, all, "ordered by app, then external id")
			ghosts, err := tx.Findings().List(b.ctx, store.FindingFilter{Class: account.Ghost})
			require.NoError(t, err)
			require.Equal(t, []account.Finding{g}, ghosts)
			gh, err := tx.Findings().List(b.ctx, store.FindingFilter{App: "github", Class: account.Orphan})
			require.NoError(t, err)
			require.Equal(t, []account.Finding{o}, gh)
			owned, err := tx.Findings().List(b.ctx, store.FindingFilter{Owner: "E0001"})
			require.NoError(t, err)
			require.Equal(t, []account.Finding{g, s}, owned)
		})
		// A new run replaces its app's findings only.
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Findings().Replace(b.ctx, "github", nil))
		})
		b.read(t, func(tx store.Tx) {
			all, err := tx.Findings().List(b.ctx, store.FindingFilter{})
			require.NoError(t, err)
			require.Equal(t, []account.Finding{s}, all)
		})
		other.read(t, func(tx store.Tx) {
			all, err := tx.Findings().List(other.ctx, store.FindingFilter{})
			require.NoError(t, err)
			require.Empty(t, all, "findings are per tenant")
		})
	}},
	{"ReplaceRejectsOtherApp", func(t *testing.T, e *env) {
		b := e.setup(t)
		err := b.store.Write(b.ctx, b.tenant, func(tx store.Tx) error {
			return tx.Findings().Replace(b.ctx, "github", []account.Finding{fullFinding("slack", "x", account.Orphan)})
		})
		require.ErrorContains(t, err, `is of app "slack"`)
	}},
	{"SetOwner", func(t *testing.T, e *env) {
		b := e.setup(t)
		s := fullFinding("github", "svc-1", account.Service)
		d := fullFinding("github", "u1", account.Drift)
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Findings().Replace(b.ctx, "github", []account.Finding{s, d}))
			ok, err := tx.Findings().SetOwner(b.ctx, "github", "svc-1", "M0001")
			require.NoError(t, err)
			require.True(t, ok)
			ok, err = tx.Findings().SetOwner(b.ctx, "github", "u1", "M0001")
			require.NoError(t, err)
			require.False(t, ok, "only a service account has an owner to move")
			ok, err = tx.Findings().SetOwner(b.ctx, "github", "nobody", "M0001")
			require.NoError(t, err)
			require.False(t, ok)
		})
		s.Owner, s.OwnerGone = "M0001", false
		b.read(t, func(tx store.Tx) {
			got, err := tx.Findings().List(b.ctx, store.FindingFilter{Owner: "M0001"})
			require.NoError(t, err)
			require.Equal(t, []account.Finding{s}, got)
			old, err := tx.Findings().List(b.ctx, store.FindingFilter{Owner: "E0001"})
			require.NoError(t, err)
			require.Equal(t, []account.Finding{d}, old)
		})
	}},
	{"ReadOnly", func(t *testing.T, e *env) {
		b := e.setup(t)
		err := b.store.Read(b.ctx, b.tenant, func(tx store.Tx) error {
			return tx.Findings().Replace(b.ctx, "github", nil)
		})
		require.Error(t, err)
	}},
}
