package reconcile_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/reconcile"
	"github.com/tenure-dev/tenure/store"
)

// Each class's policy action is what happens to the account, against the
// in-memory app (which counts every call).
func TestPolicyPerClass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy reconcile.Policy
		calls  map[string]int
	}{
		{"defaults", reconcile.DefaultPolicy(), map[string]int{
			"disable E7": 1, "delete E7": 0, "disable vault-x": 0, "delete vault-x": 0, "disable E9": 0, "ensure E4": 1,
		}},
		{"delete ghosts and orphans, report unmanaged and drift", reconcile.Policy{Ghost: reconcile.Delete, Orphan: reconcile.Delete,
			Drift: reconcile.Report, Unmanaged: reconcile.Report}, map[string]int{
			"delete E7": 1, "delete vault-x": 1, "ensure E9": 0, "ensure E4": 0,
		}},
		{"report ghosts, disable orphans and unmanaged", reconcile.Policy{Ghost: reconcile.Report, Orphan: reconcile.Disable,
			Drift: reconcile.Fix, Unmanaged: reconcile.Disable}, map[string]int{
			"disable E7": 0, "delete E7": 0, "disable vault-x": 1, "disable E9": 1, "ensure E9": 0, "ensure E4": 1,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{})
			b.now = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			b.roster(t, day1)
			b.apply(t)
			b.now = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
			b.roster(t, day2)
			b.vault.Seed(account.Account{ExternalID: "vault-x", UserName: "x@elsewhere.example", State: account.Enabled}, 0)
			b.vault.Seed(account.Account{ExternalID: "vault-jit", UserName: "e9@acme.example", State: account.Enabled}, 0)
			require.NoError(t, b.vault.Delete(b.ctx, connector.Subject{PersonID: "E4"})) // deleted behind Tenure's back
			before := map[string]int{}
			for call := range tt.calls {
				before[call] = b.vault.Calls(call)
			}
			ca, _ := b.cfg.App("vault")
			app := reconcile.FromConfig(ca)
			app.Policy = tt.policy
			res, err := reconcile.Run(b.ctx, b.tenant, app, b.vault, reconcile.Options{})
			require.NoError(t, err)
			require.Empty(t, res.Held)
			b.waitIdle(t)
			for call, want := range tt.calls {
				require.Equal(t, want, b.vault.Calls(call)-before[call], call)
			}
			got := b.findings(t, store.FindingFilter{App: "vault"})
			require.Equal(t, account.Ghost, got["e7@acme.example"].Class)
			require.Equal(t, string(tt.policy.Ghost), got["e7@acme.example"].Action)
			require.Equal(t, account.Orphan, got["x@elsewhere.example"].Class)
			require.Equal(t, account.Unmanaged, got["e9@acme.example"].Class)
			require.Equal(t, account.Drift, got["e4@acme.example"].Class, "an account gone from the app is drift")
			require.Contains(t, got["e4@acme.example"].Detail, "missing from the app")
			if tt.policy.Unmanaged == reconcile.Fix {
				var held []account.Account
				require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
					held, err = tx.Accounts().ByPerson(b.ctx, "E9")
					return err
				}))
				require.Len(t, held, 1, "the JIT account is adopted: E9's from now on")
				require.Equal(t, "vault-jit", held[0].ExternalID)
			}
		})
	}
}

func TestPolicyCheck(t *testing.T) {
	t.Parallel()
	p := reconcile.DefaultPolicy()
	require.NoError(t, p.Check())
	p.Orphan = reconcile.Fix
	require.ErrorContains(t, p.Check(), `orphan: "fix" is not an action for it`)
}
