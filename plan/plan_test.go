package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/policy"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

type testBundle struct {
	in  Input
	pol *policy.Policy
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	pol, err := policy.New(policy.Document{
		Roles: []policy.Role{
			{ID: "employee", Grants: []policy.RoleGrant{{App: "slack"}}},
			{ID: "engineer", Grants: []policy.RoleGrant{{App: "github", Entitlement: "engineering"}}},
			{ID: "support", Grants: []policy.RoleGrant{{App: "zendesk", Entitlement: "agent"}, {App: "github", Entitlement: "support"}}},
			{ID: "finance", Grants: []policy.RoleGrant{{App: "payroll", Entitlement: "viewer"}}},
		},
		Rules: []policy.Rule{
			{Name: "everyone", When: `true`, Roles: []string{"employee"}},
			{Name: "engineering", When: `person.department == "Engineering"`, Roles: []string{"engineer"}},
			{Name: "support", When: `person.department == "Support"`, Roles: []string{"support"}},
			{Name: "finance", When: `person.department == "Finance"`, Roles: []string{"finance"}},
		},
	})
	require.NoError(t, err)
	b := &testBundle{pol: pol}
	b.in = Input{
		Now: now,
		Apps: map[string]App{
			"github":  {ID: "github", Tier: "crown-jewel", TierRank: 0, Deadline: 15 * time.Minute},
			"payroll": {ID: "payroll", Name: "Payroll", Tier: "crown-jewel", TierRank: 0, Deadline: 15 * time.Minute, Manual: true, Owner: "finance-it@acme.example"},
			"slack":   {ID: "slack", Tier: "standard", TierRank: 1, Deadline: 24 * time.Hour, Delete: true, DeleteAfter: 30 * 24 * time.Hour},
			"zendesk": {ID: "zendesk", Tier: "standard", TierRank: 1, Deadline: 24 * time.Hour},
		},
		Desired: func(p *person.Person) policy.Access { return pol.Desired(p, now, nil) },
		Last:    map[string]person.Event{},
	}
	return b
}

func acct(app, pid string, ents ...string) account.Account {
	return account.Account{App: app, ExternalID: app + "-" + pid, PersonID: pid, State: account.Enabled, Entitlements: ents}
}

func line(o Operation) string {
	s := o.Person + " " + o.App + " " + string(o.Action)
	if o.Action == Task {
		s += ":" + string(o.Step)
	}
	if o.Entitlement != "" {
		s += " " + o.Entitlement
	}
	return s
}

func lines(p Plan) []string {
	var out []string
	for _, o := range p.Operations {
		out = append(out, line(o))
	}
	return out
}

func TestMoverLosesOldRoleAccess(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.in.People = []person.Person{{ID: "E2", Department: "Engineering"}} // was Support
	b.in.Accounts = []account.Account{acct("slack", "E2"), acct("zendesk", "E2", "agent"), acct("github", "E2", "support")}
	b.in.Last["E2"] = person.Event{PersonID: "E2", Kind: person.Move, EffectiveAt: now,
		Changes: []person.Change{{Field: "department", From: "Support", To: "Engineering"}}}
	p := Build(b.in)
	require.Equal(t, []string{
		"E2 github revoke support",
		"E2 zendesk disable",
		"E2 zendesk revoke-sessions",
		"E2 zendesk revoke agent",
		"E2 github grant engineering",
	}, lines(p))
	require.Equal(t, Mover, p.People["E2"].Class)
	require.Contains(t, p.Operations[0].Reason, "department: Support → Engineering")
	require.Equal(t, "rule engineering → role engineer", p.Operations[4].Reason)
}

func TestLeaverGetsRemovalsOnlyAndFirst(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.in.People = []person.Person{
		{ID: "E0", Department: "Engineering"},                        // joiner, no accounts yet
		{ID: "E5", Department: "Support"},                            // mover-ish with drift
		{ID: "E9", Department: "Finance", EndDate: person.Date(now)}, // leaver
		{ID: "E7", Department: "Engineering", OnLeave: true},         // on leave
	}
	b.in.Accounts = []account.Account{
		acct("slack", "E9"), acct("payroll", "E9", "viewer"), acct("github", "E9", "engineering"),
		acct("slack", "E5"), acct("zendesk", "E5", "agent"), acct("github", "E5", "support", "admin"),
		acct("slack", "E7"), acct("github", "E7", "engineering"),
	}
	b.in.Last["E9"] = person.Event{PersonID: "E9", Kind: person.Leave, EffectiveAt: person.Date(now)}
	p := Build(b.in)

	var sawGrant bool
	for i, o := range p.Operations {
		if !o.Effective().Removal() {
			sawGrant = true
			continue
		}
		require.False(t, sawGrant, "removal %q after a grant at %d", line(o), i)
		if o.Person == "E9" {
			continue
		}
		for _, earlier := range p.Operations[i:] {
			require.NotEqual(t, "E9", earlier.Person, "leaver operation after another person's removal")
		}
	}
	var leaver []string
	for _, o := range p.Operations {
		if o.Person == "E9" {
			require.True(t, o.Effective().Removal(), "leaver got a non-removal: %s", line(o))
			leaver = append(leaver, line(o))
		}
	}
	require.Equal(t, []string{
		"E9 github disable", "E9 github revoke-sessions", "E9 github revoke engineering",
		"E9 payroll task:disable", "E9 payroll task:revoke-sessions", "E9 payroll task:revoke viewer",
		"E9 slack disable", "E9 slack revoke-sessions", "E9 slack delete",
	}, leaver, "crown-jewel apps before standard, disable before sessions before memberships before delete")
	require.Equal(t, Leaver, p.People["E9"].Class)
	require.Equal(t, "terminated 2026-11-22", p.Operations[0].Reason)

	// On leave: disabled and signed out, nothing revoked or deleted.
	var onLeave []string
	for _, o := range p.Operations {
		if o.Person == "E7" {
			onLeave = append(onLeave, line(o))
		}
	}
	require.Equal(t, []string{"E7 github disable", "E7 github revoke-sessions", "E7 slack disable", "E7 slack revoke-sessions"}, onLeave)

	// The delete waits for the app's delay; the task names its assignee, due time and instruction.
	for _, o := range p.Operations {
		if o.Person == "E9" && o.Effective() == Delete {
			require.Equal(t, person.Date(now).Add(30*24*time.Hour), o.NotBefore)
		}
		if o.Action == Task && o.Step == Disable {
			require.Equal(t, "finance-it@acme.example", o.Assignee)
			require.Equal(t, now.Add(15*time.Minute), o.Due)
			require.Equal(t, "disable account of E9 in Payroll", o.Instruction)
		}
	}
	require.Equal(t, "E0 github create", line(p.Operations[len(p.Operations)-3]), "joiners last")
}

func TestNoDriftNoOperations(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.in.People = []person.Person{{ID: "E1", Department: "Engineering", Email: "a@x"}}
	a := acct("github", "E1", "engineering")
	a.Attributes = map[string]string{"email": "a@x"}
	b.in.Accounts = []account.Account{acct("slack", "E1"), a}
	p := Build(b.in)
	require.Empty(t, p.Operations)
	var buf bytes.Buffer
	require.NoError(t, p.WriteText(&buf))
	require.Contains(t, buf.String(), "No changes")
}

func TestUpdateRehireAndJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.in.People = []person.Person{{ID: "E1", Department: "Engineering", Email: "new@x"}}
	gh := acct("github", "E1", "engineering")
	gh.Attributes = map[string]string{"email": "old@x"}
	sl := acct("slack", "E1")
	sl.State = account.Disabled
	b.in.Accounts = []account.Account{gh, sl}
	p := Build(b.in)
	require.Equal(t, []string{"E1 github update", "E1 slack enable"}, lines(p))
	require.Equal(t, []person.Change{{Field: "email", From: "old@x", To: "new@x"}}, p.Operations[0].Changes)

	var buf bytes.Buffer
	require.NoError(t, p.WriteJSON(&buf))
	var out struct {
		Operations []map[string]any `json:"operations"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &out))
	require.Equal(t, "E1", out.Operations[0]["person"])
	require.Equal(t, "github", out.Operations[0]["app"])
	require.Equal(t, "update", out.Operations[0]["action"])
	require.NotEmpty(t, out.Operations[0]["reason"])
}

func TestTextReadsLikeAPlan(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.in.People = []person.Person{{ID: "E2", DisplayName: "Bob", Email: "bob@x", Department: "Engineering"}}
	b.in.Accounts = []account.Account{acct("slack", "E2"), acct("github", "E2", "support")}
	var buf bytes.Buffer
	require.NoError(t, Build(b.in).WriteText(&buf))
	out := buf.String()
	require.Contains(t, out, "E2  Bob <bob@x>  [mover")
	require.Regexp(t, `- github\s+revoke support\s+no current rule or request grants support`, out)
	require.Regexp(t, `\+ github\s+grant engineering\s+rule engineering → role engineer`, out)
	require.True(t, strings.HasSuffix(out, "Plan: 1 to add, 0 to change, 1 to remove; 1 people.\n"), out)
}

func TestPreHireAccountPreparedThenEnabled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	gh := b.in.Apps["github"]
	gh.ProvisionBeforeStart = 7 * 24 * time.Hour
	b.in.Apps["github"] = gh
	b.in.OnStart = func(p *person.Person) policy.Access { return b.pol.Desired(p, p.StartDate, nil) }
	start := person.Date(now.AddDate(0, 0, 5))
	hire := person.Person{ID: "E7", Department: "Engineering", StartDate: start}

	// Five days before the start: github (7 days' lead) is prepared, disabled; slack waits.
	b.in.People = []person.Person{hire}
	require.Equal(t, []string{"E7 github prepare"}, lines(Build(b.in)))

	// Ten days before: nothing yet.
	far := hire
	far.StartDate = person.Date(now.AddDate(0, 0, 10))
	b.in.People = []person.Person{far}
	require.Empty(t, Build(b.in).Operations)

	// Prepared and still before the start: nothing to do, and it is not removed.
	prepared := acct("github", "E7")
	prepared.State = account.Disabled
	b.in.People, b.in.Accounts = []person.Person{hire}, []account.Account{prepared}
	require.Empty(t, Build(b.in).Operations)

	// On the start date the prepared account is enabled and granted.
	b.in.Now = start.Add(9 * time.Hour)
	b.in.Desired = func(p *person.Person) policy.Access { return b.pol.Desired(p, b.in.Now, nil) }
	require.Equal(t, []string{"E7 github enable", "E7 github grant engineering", "E7 slack create"}, lines(Build(b.in)))
}
