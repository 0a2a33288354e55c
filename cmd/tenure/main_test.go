package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type testBundle struct {
	dir string
}

// setup writes the example config and data into a fresh directory.
func setup(t *testing.T) *testBundle {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, writeExamples(dir))
	return &testBundle{dir: dir}
}

// run executes the tenure CLI in the bundle's directory and returns stdout, stderr and the error.
func (b *testBundle) run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRoot(&out, &errOut)
	root.SetArgs(append([]string{"--config", filepath.Join(b.dir, "tenure.yaml"), "--data", filepath.Join(b.dir, "data")}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func (b *testBundle) must(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := b.run(t, args...)
	require.NoError(t, err, "tenure %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), out, stderr)
	return out
}

func (b *testBundle) path(name string) string { return filepath.Join(b.dir, name) }

func TestConfigValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	b := setup(t)
	bad := `tenants:
  - id: acme
    apps:
      - id: github
        tier: gold
        owner: it@acme.example
        connector: {type: scim, url: "https://x.example/scim/v2", token: "s3cret"}
    roles:
      - id: eng
        grants: [{app: gitlab}]
    birthright:
      - name: eng
        when: 'person.departmnt == "Engineering"'
        roles: [engineer]
`
	require.NoError(t, os.WriteFile(b.path("bad.yaml"), []byte(bad), 0o600))
	out, _, err := b.run(t, "config", "validate", b.path("bad.yaml"))
	require.Error(t, err)
	for _, want := range []string{
		`bad.yaml:5:`, `unknown tier "gold"`, // bad tier
		`bad.yaml:7:`, `token_env or token_file`, // a literal secret
		`bad.yaml:10:`, `gitlab`, // unknown app
		`bad.yaml:13:`, `person.departmnt`, // CEL type check
		`bad.yaml:14:`, `engineer`, // unknown role
	} {
		require.Contains(t, out, want)
	}
	require.ErrorContains(t, err, "6 problems") // the five above and the missing token_env

	out = b.must(t, "config", "validate")
	require.Contains(t, out, "OK")
}

func TestBadCSVIsRejectedWithItsLineAndChangesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.must(t, "tenant", "create", "acme")
	b.must(t, "hr", "import", b.path("roster-day1.csv"))
	before := b.must(t, "audit", "export", "--tenant", "acme")

	day2, err := os.ReadFile(b.path("roster-day2.csv"))
	require.NoError(t, err)
	broken := strings.Replace(string(day2), "2022-02-01", "2022-02-31", 1) // line 6: E1004's start date
	require.NoError(t, os.WriteFile(b.path("broken.csv"), []byte(broken), 0o600))
	_, _, err = b.run(t, "hr", "import", "--tenant", "acme", b.path("broken.csv"))
	require.Error(t, err)
	require.Regexp(t, regexp.QuoteMeta(b.path("broken.csv"))+`:6: column "start_date"`, err.Error())

	require.Equal(t, before, b.must(t, "audit", "export", "--tenant", "acme"), "nothing was applied")
	plan := b.must(t, "plan", "--tenant", "acme", "--person", "E1004", "--format", "json")
	require.NotContains(t, plan, "Engineering", "the mover in the broken file did not move")
}

func TestDryRunPlanJSONAndEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.must(t, "tenant", "create", "acme")
	b.must(t, "hr", "import", "--tenant", "acme", b.path("roster-day1.csv"))
	out := b.must(t, "hr", "import", "--tenant", "acme", "--dry-run", b.path("roster-day2.csv"))
	require.Contains(t, out, "Dry run: nothing was changed.")
	require.Contains(t, out, "E1007 leave")
	events := b.must(t, "hr", "events", "--tenant", "acme", "--person", "E1007")
	require.NotContains(t, events, "leave", "the dry run stored nothing")

	b.must(t, "accounts", "import", "--tenant", "acme", b.path("accounts-day1.jsonl"))
	b.must(t, "hr", "import", "--tenant", "acme", b.path("roster-day2.csv"))
	var pl struct {
		Operations []struct {
			Person, App, Action, Entitlement, Reason string
		} `json:"operations"`
	}
	require.NoError(t, json.Unmarshal([]byte(b.must(t, "plan", "--tenant", "acme", "--format", "json")), &pl))
	require.Equal(t, "E1007", pl.Operations[0].Person)
	require.NotEmpty(t, pl.Operations[0].Reason)
	events = b.must(t, "hr", "events", "--tenant", "acme", "--state", "scheduled")
	require.Contains(t, events, "E1020")
	require.Contains(t, events, "2030-01-07")

	_, _, err := b.run(t, "plan", "--tenant", "acme", "--format", "yaml")
	require.ErrorContains(t, err, "want text or json")
}

func TestTokenCreatePrintsOnceAndStoresHash(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.must(t, "tenant", "create", "acme")
	out, stderr, err := b.run(t, "token", "create", "--tenant", "acme", "--scope", "hr:write", "--scope", "scim")
	require.NoError(t, err)
	secret := strings.TrimSpace(out)
	require.Regexp(t, `^tnr_[0-9a-f]{12}_\S+$`, secret)
	require.Contains(t, stderr, "cannot be shown again")
	list := b.must(t, "token", "list", "--tenant", "acme")
	require.Contains(t, list, "hr:write,scim")
	require.NotContains(t, list, secret)

	_, _, err = b.run(t, "token", "create", "--tenant", "nope", "--scope", "hr:write")
	require.ErrorContains(t, err, "tenure tenant create nope")
	_, _, err = b.run(t, "token", "create", "--tenant", "acme", "--scope", "root")
	require.ErrorContains(t, err, `unknown scope "root"`)
}
