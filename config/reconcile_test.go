package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Every problem of the reconcile and service_accounts keys is reported at
// once, each at its line and column.
func TestValidateReconcileKeys(t *testing.T) {
	t.Parallel()
	src := `tenants:
  - id: acme
    apps:
      - id: wiki
        owner: it@acme.example
        connector: {type: manual}
        reconcile:
          interval: 30s
          correlate:
            - userName = person.email
            - userName == person.shoeSize
            - 'account.nope == person.email'
          policy: {ghost: ignore, orphan: fix, drift: delete, unmanaged: adopt}
        service_accounts:
          match: ["svc-[", ok-*]
      - id: ci
        owner: it@acme.example
        connector: {type: manual}
        service_accounts: {owner_attribute: externalId}
`
	_, err := Parse([]byte(src), "tenure.yaml")
	probs := Problems(err)
	type got struct {
		path      string
		line, col int
	}
	var paths []got
	msgs := map[string]string{}
	for _, p := range probs {
		paths = append(paths, got{p.Path, p.Line, p.Column})
		msgs[p.Path] = p.Msg
	}
	a := "tenants[0].apps[0]."
	require.Equal(t, []got{
		{a + "reconcile.interval", 8, 21},
		{a + "reconcile.correlate[0]", 10, 15},
		{a + "reconcile.correlate[1]", 11, 15},
		{a + "reconcile.correlate[2]", 12, 15},
		{a + "reconcile.policy.ghost", 13, 27},
		{a + "reconcile.policy.orphan", 13, 43},
		{a + "reconcile.policy.unmanaged", 13, 74},
		{a + "service_accounts.match[0]", 15, 18},
		{"tenants[0].apps[1].service_accounts.match", 19, 27},
	}, paths)
	require.Contains(t, msgs[a+"reconcile.interval"], "at least 1m")
	require.Contains(t, msgs[a+"reconcile.correlate[1]"], `unknown person field "shoeSize"`)
	require.Contains(t, msgs[a+"reconcile.correlate[2]"], `undeclared reference to 'account.nope' (did you mean 'account.id'?) (at column 8)`)
	require.Contains(t, msgs[a+"reconcile.policy.orphan"], `unknown action "fix" for orphan accounts (known: report, disable, delete)`)
	require.Contains(t, msgs[a+"service_accounts.match[0]"], `"svc-[" is not a glob pattern`)
}

// A single pattern may be written as a string.
func TestServiceAccountsMatchString(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte(`tenants:
  - id: acme
    apps:
      - id: wiki
        owner: it@acme.example
        connector: {type: manual}
        service_accounts: {match: "svc-*"}
`), "tenure.yaml")
	require.NoError(t, err)
	require.NoError(t, f.Validate())
	require.Equal(t, Patterns{"svc-*"}, f.Tenants[0].Apps[0].ServiceAccounts.Match)
}
