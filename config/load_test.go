package config

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestUnknownKeysAtEveryLevel(t *testing.T) {
	t.Parallel()

	_, err := Parse([]byte(`tenant: acme
tenants:
  - id: acme
    hris: workday
    hr:
      keys: employee_id
    guard: {max_removal: 5}
    tiers:
      standard: {leaver_deadline: 24h, deadline: 24h}
    apps:
      - id: github
        owners: it@acme.example
        owner: it@acme.example
        connector:
          type: scim
          url: https://scim.example
          token_env: GITHUB_TOKEN
          tokn: GITHUB_TOKEN
    roles:
      - id: dev
        grants: [{app: github, entitlment: eng}, {app: github, entitlement: ops, entitlment: ops}]
        extra: {nested: {deep: 1}}
    birthright:
      - {name: all, when: "true", roles: [dev], role: dev}
`), "tenure.yaml")
	requireProblems(t, err,
		want{"tenant", 1, 1, `unknown key "tenant" in the top level (known: tenants)`},
		want{"tenants[0].hris", 4, 5, `unknown key "hris" in tenant (known: id, hr, guard, tiers, apps, roles, birthright, scim, signals)`},
		want{"tenants[0].hr.keys", 6, 7, `unknown key "keys" in hr (known: key, absent, columns)`},
		want{"tenants[0].guard.max_removal", 7, 13, `unknown key "max_removal" in guard (known: max_removals_percent, max_removals)`},
		want{"tenants[0].tiers.standard.deadline", 9, 40, `unknown key "deadline" in tier (known: leaver_deadline)`},
		want{"tenants[0].apps[0].owners", 12, 9, `unknown key "owners" in app`},
		want{"tenants[0].apps[0].connector.tokn", 18, 11, `unknown key "tokn" in connector (known: type, url, token_env, token_file, timeout`},
		want{"tenants[0].roles[0].grants[0].entitlment", 21, 32, `unknown key "entitlment" in grant (known: app, entitlement)`},
		want{"tenants[0].roles[0].grants[1].entitlment", 21, 82, `unknown key "entitlment" in grant`},
		want{"tenants[0].roles[0].extra", 22, 9, `unknown key "extra" in role (known: id, description, grants)`},
		want{"tenants[0].birthright[0].role", 24, 49, `unknown key "role" in birthright rule (known: name, when, roles)`},
	)
}

func TestLiteralSecretsAreRejected(t *testing.T) {
	t.Parallel()

	for _, key := range []string{"token", "password", "Token", "client_secret"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(`tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector:
          type: scim
          url: https://scim.example
          token_env: GITHUB_TOKEN
          `+key+`: ghp_abcdef
`), "tenure.yaml")
			requireProblems(t, err, want{"tenants[0].apps[0].connector." + key, 10, 11,
				`unknown key "` + key + `" in connector: secrets are given by reference: use token_env or token_file`})
			require.NotContains(t, err.Error(), "ghp_abcdef", "the secret must not be echoed")
		})
	}
}

func TestDuplicateKeys(t *testing.T) {
	t.Parallel()

	// yaml.v3 drops a mapping with a duplicate key as a whole, so the
	// semantic checks (which would see it empty) are not run.
	_, err := Parse([]byte(`tenants:
  - id: acme
    hr:
      columns:
        email: email
        email: employeeId
    apps:
      - id: github
        owner: it@acme.example
        id: gitlab
        tier: gold
`), "tenure.yaml")
	requireProblems(t, err,
		want{"tenants[0].hr.columns.email", 6, 9, `duplicate key "email" (first at line 5)`},
		want{"tenants[0].apps[0].id", 10, 9, `duplicate key "id" (first at line 8)`},
	)

	_, err = Parse([]byte("tenants: []\ntenants: []\n"), "tenure.yaml")
	requireProblems(t, err, want{"tenants", 2, 1, `duplicate key "tenants" (first at line 1)`})
}

func TestWrongTypes(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		name string
		yaml string
		want []want
	}{
		{"string for int, semantics still checked", `tenants:
  - id: acme
    guard: {max_removals: lots, max_removals_percent: 200}
`, []want{
			{"tenants[0].guard.max_removals", 3, 27, "expected a whole number, got a string"},
			{"tenants[0].guard.max_removals_percent", 3, 55, "must be more than 0 and at most 100, got 200"},
		}},
		{"bad duration, no follow-up problem", `tenants:
  - id: acme
    tiers: {standard: {leaver_deadline: 15 minutes}}
`, []want{{"tenants[0].tiers.standard.leaver_deadline", 3, 41, `invalid duration "15 minutes": unknown unit " minutes"`}}},
		{"duration given a list", `tenants:
  - id: acme
    tiers: {standard: {leaver_deadline: [15m]}}
`, []want{{"tenants[0].tiers.standard.leaver_deadline", 3, 41, "expected a duration such as 15m, 24h or 30d, got a list"}}},
		{"two bad durations on one line", `tenants:
  - id: acme
    tiers: {a: {leaver_deadline: 1y}, b: {leaver_deadline: 1y}}
`, []want{
			{"tenants[0].tiers.a.leaver_deadline", 3, 34, `unknown unit "y"`},
			{"tenants[0].tiers.b.leaver_deadline", 3, 60, `unknown unit "y"`},
		}},
		{"mapping for string", `tenants:
  - id: acme
    hr: {key: {column: employee_id}}
`, []want{{"tenants[0].hr.key", 3, 15, "expected a string, got a mapping"}}},
		{"string for list stops semantic checks", `tenants:
  - id: acme
    apps: github
    roles: [{id: dev, grants: [{app: github}]}]
`, []want{{"tenants[0].apps", 3, 11, "expected a list, got a string"}}},
		{"string for list item", `tenants:
  - acme
`, []want{{"tenants[0]", 2, 5, "expected a mapping, got a string"}}},
		{"list at the top", "- id: acme\n", []want{{"", 1, 1, "expected a mapping, got a list"}}},
		{"string for connector", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: scim
`, []want{{"tenants[0].apps[0].connector", 6, 20, "expected a mapping, got a string"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.yaml), "tenure.yaml")
			requireProblems(t, err, tt.want...)
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		name string
		yaml string
		want want
	}{
		{"tab indentation", "tenants:\n\t- id: acme\n", want{"", 2, 1, "invalid YAML: tab character: YAML is indented with spaces"}},
		{"tab after key", "tenants:\n  - id: acme\n  \t\n", want{"", 3, 3, "tab character"}},
		{"bad indentation", "tenants:\n  - id: acme\n  hr: {}\n", want{"", 1, 1, "invalid YAML: did not find expected '-' indicator"}},
		{"mapping in a scalar", "tenants:\n  - id: acme\n    hr: x: y\n", want{"", 3, 5, "invalid YAML: mapping values are not allowed in this context"}},
		{"unclosed flow", "tenants: [\n  {id: acme}\n", want{"", 2, 3, "invalid YAML: did not find expected ',' or ']'"}},
		{"control character", "tenants: \x01\n", want{"", 1, 1, "invalid YAML: control characters are not allowed"}},
		{"unknown anchor", "tenants: *all\n", want{"", 1, 1, "invalid YAML: unknown anchor 'all' referenced"}},
		{"two documents", "tenants: []\n---\ntenants: []\n", want{"", 2, 1, `only one YAML document is allowed`}},
		{"syntax error in second document", "tenants: []\n---\n\tx\n", want{"", 3, 1, "tab character"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.yaml), "tenure.yaml")
			requireProblems(t, err, tt.want)
		})
	}
}

func TestAliasesDecode(t *testing.T) {
	t.Parallel()

	f, err := Parse([]byte(`tenants:
  - id: acme
    apps:
      - id: github
        owner: &it it@acme.example
        connector: &manual {type: manual}
      - id: jira
        owner: *it
        connector: *manual
`), "tenure.yaml")
	require.NoError(t, err)
	require.Equal(t, "it@acme.example", f.Tenants[0].Apps[1].Owner)
	require.Equal(t, ConnectorManual, f.Tenants[0].Apps[1].Connector.Type)
}

// TestGolden pins the whole report for a badly broken file: one line per
// problem, in file order. Run with -update after an intended change.
func TestGolden(t *testing.T) {
	t.Parallel()

	for _, name := range []string{"broken", "syntax"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", name+".yaml")
			_, err := Load(path)
			require.Error(t, err)
			got := err.Error() + "\n"
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, rerr := os.ReadFile(golden)
			require.NoError(t, rerr)
			require.Equal(t, string(want), got)
		})
	}
}
