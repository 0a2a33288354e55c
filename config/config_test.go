package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// want is one expected problem; msg is a substring of its message.
type want struct {
	path      string
	line, col int
	msg       string
}

// requireProblems asserts that err holds exactly the wanted problems, in
// order (problems are sorted by position).
func requireProblems(t *testing.T, err error, wants ...want) {
	t.Helper()
	require.Error(t, err)
	probs := Problems(err)
	got := make([]string, len(probs))
	for i, p := range probs {
		got[i] = p.Error()
	}
	require.Len(t, probs, len(wants), "problems:\n%s", strings.Join(got, "\n"))
	for i, w := range wants {
		p := probs[i]
		require.Equal(t, w.path, p.Path, "problem %d: %s", i, p)
		require.Equal(t, w.line, p.Line, "problem %d line: %s", i, p)
		require.Equal(t, w.col, p.Column, "problem %d column: %s", i, p)
		require.Contains(t, p.Msg, w.msg, "problem %d: %s", i, p)
		require.Equal(t, "tenure.yaml", p.File)
	}
}

// minimal is the smallest config that validates; tests copy it and break it.
const minimal = `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: scim, url: "https://scim.example/v2", token_env: GITHUB_TOKEN}
`

func TestExampleValidates(t *testing.T) {
	t.Parallel()

	f, err := Parse(Example(), "example.yaml")
	require.NoError(t, err)
	require.NoError(t, f.Validate())

	acme, ok := f.Tenant("acme")
	require.True(t, ok)
	require.Equal(t, AbsentTerminate, acme.HR.Absent)
	require.Equal(t, "employee_id", acme.HR.Key)
	require.Equal(t, "givenName", acme.HR.Columns["first_name"])
	require.Equal(t, Guard{MaxRemovalsPercent: 10, MaxRemovals: 50}, acme.Guard)
	require.Equal(t, DefaultTiers(), acme.Tiers)

	var ids []string
	for _, a := range acme.Apps {
		ids = append(ids, a.ID)
	}
	require.Equal(t, []string{"github", "google-workspace", "slack", "zendesk", "aws", "payroll"}, ids)

	slack, ok := acme.App("slack")
	require.True(t, ok)
	require.Equal(t, LeaveDelete, slack.OnLeave)
	require.Equal(t, 30*24*time.Hour, slack.DeleteAfter.Duration)

	payroll, ok := acme.App("payroll")
	require.True(t, ok)
	require.Equal(t, ConnectorManual, payroll.Connector.Type)
	require.Equal(t, TierCrownJewel, payroll.Tier)
	require.Equal(t, "finance-it@acme.example", payroll.Owner)

	github, ok := acme.App("github")
	require.True(t, ok)
	require.Equal(t, LeaveDisable, github.OnLeave)
	require.Equal(t, "GITHUB_SCIM_TOKEN", github.Connector.TokenEnv)

	engineer, ok := acme.Role("engineer")
	require.True(t, ok)
	require.Equal(t, []Grant{{App: "github", Entitlement: "engineering"}, {App: "aws", Entitlement: "developer"}}, engineer.Grants)

	var rules []string
	for _, r := range acme.Birthright {
		rules = append(rules, r.Name)
	}
	require.Equal(t, []string{"everyone", "engineering", "support", "finance"}, rules)

	// Example hands out a copy.
	Example()[0] = 'x'
	require.Equal(t, byte('#'), Example()[0])
}

func TestDefaults(t *testing.T) {
	t.Parallel()

	f, err := Parse([]byte(minimal), "tenure.yaml")
	require.NoError(t, err)
	acme := &f.Tenants[0]
	require.Equal(t, "employeeId", acme.HR.Key)
	require.Equal(t, AbsentIgnore, acme.HR.Absent)
	require.Empty(t, acme.HR.Columns)
	require.Equal(t, Guard{MaxRemovalsPercent: DefaultMaxRemovalsPercent, MaxRemovals: DefaultMaxRemovals}, acme.Guard)
	require.Equal(t, map[string]Tier{
		"crown-jewel": {LeaverDeadline: Duration{15 * time.Minute}},
		"standard":    {LeaverDeadline: Duration{24 * time.Hour}},
	}, acme.Tiers)
	github := &acme.Apps[0]
	require.Equal(t, TierStandard, github.Tier)
	require.Equal(t, LeaveDisable, github.OnLeave)
	require.Nil(t, github.DeleteAfter)
	require.Equal(t, "github", github.Title())
}

func TestDefaultKeyIsColumnMappedToEmployeeID(t *testing.T) {
	t.Parallel()

	f, err := Parse([]byte(`tenants:
  - id: acme
    hr:
      columns: {Email: email, "Employee Number": employeeId}
`), "tenure.yaml")
	require.NoError(t, err)
	require.Equal(t, "Employee Number", f.Tenants[0].HR.Key)
}

func TestGuardKeepsGivenBounds(t *testing.T) {
	t.Parallel()

	f, err := Parse([]byte(`tenants:
  - id: acme
    guard: {max_removals_percent: 2.5}
`), "tenure.yaml")
	require.NoError(t, err)
	require.Equal(t, Guard{MaxRemovalsPercent: 2.5, MaxRemovals: DefaultMaxRemovals}, f.Tenants[0].Guard)
}

func TestLookups(t *testing.T) {
	t.Parallel()

	f, err := Parse(Example(), "tenure.yaml")
	require.NoError(t, err)

	_, ok := f.Tenant("globex")
	require.False(t, ok)
	acme, ok := f.Tenant("acme")
	require.True(t, ok)
	_, ok = acme.App("jira")
	require.False(t, ok)
	_, ok = acme.Role("admin")
	require.False(t, ok)

	// Lookups return pointers into the File, not copies.
	app, ok := acme.App("github")
	require.True(t, ok)
	app.Name = "GitHub Enterprise"
	require.Equal(t, "GitHub Enterprise", f.Tenants[0].Apps[0].Title())
}

func TestLoad(t *testing.T) {
	t.Parallel()

	dir := t.TempDir()
	good := filepath.Join(dir, "tenure.yaml")
	require.NoError(t, os.WriteFile(good, Example(), 0o600))
	f, err := Load(good)
	require.NoError(t, err)
	require.Len(t, f.Tenants, 1)

	missing := filepath.Join(dir, "missing.yaml")
	_, err = Load(missing)
	require.ErrorIs(t, err, os.ErrNotExist)
	require.Contains(t, err.Error(), missing)
	require.Empty(t, Problems(err))

	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("tenants: []\n"), 0o600))
	_, err = Load(bad)
	require.EqualError(t, err, bad+":1:10: tenants: at least one tenant is required")
}

func TestParseDuration(t *testing.T) {
	t.Parallel()

	const day = 24 * time.Hour
	for _, tt := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "15m", want: 15 * time.Minute},
		{in: "24h", want: day},
		{in: "720h", want: 30 * day},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "30d", want: 30 * day},
		{in: "2w", want: 14 * day},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "1.5d", want: 36 * time.Hour},
		{in: "0", want: 0},
		{in: "0s", want: 0},
		{in: "-1h", want: -time.Hour},
		{in: "", err: "empty"},
		{in: "30", err: "missing unit"},
		{in: "15 minutes", err: `unknown unit " minutes"`},
		{in: "3y", err: `unknown unit "y"`},
		{in: "d", err: "expected a number"},
		{in: "1..5h", err: "bad number"},
		{in: "99999999w", err: "too long"},
		{in: "2562047h1w", err: "too long"},
	} {
		got, err := ParseDuration(tt.in)
		if tt.err != "" {
			require.ErrorContains(t, err, tt.err, "ParseDuration(%q)", tt.in)
			continue
		}
		require.NoError(t, err, "ParseDuration(%q)", tt.in)
		require.Equal(t, tt.want, got, "ParseDuration(%q)", tt.in)
	}
}

func TestDurationString(t *testing.T) {
	t.Parallel()

	for d, want := range map[time.Duration]string{
		0:                   "0s",
		15 * time.Minute:    "15m0s",
		24 * time.Hour:      "1d",
		30 * 24 * time.Hour: "30d",
		14 * 24 * time.Hour: "2w",
		36 * time.Hour:      "36h0m0s",
	} {
		require.Equal(t, want, Duration{d}.String())
		back, err := ParseDuration(want)
		require.NoError(t, err)
		require.Equal(t, d, back)
	}
}
