package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestValidationRules has one case per rule: the smallest file that breaks
// it, and where the problem must be reported.
func TestValidationRules(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		name string
		yaml string
		want []want
	}{
		// Tenants.
		{"no tenants", "tenants: []\n", []want{{"tenants", 1, 10, "at least one tenant is required"}}},
		{"no tenants key", "# nothing yet\n", []want{{"tenants", 1, 1, "at least one tenant is required"}}},
		{"tenant id missing", `tenants:
  - hr: {absent: ignore}
`, []want{{"tenants[0].id", 2, 5, "required"}}},
		{"tenant id syntax", `tenants:
  - id: Acme_Corp
`, []want{{"tenants[0].id", 2, 9, `invalid tenant id "Acme_Corp"`}}},
		{"tenant id too long", "tenants:\n  - id: " + strings.Repeat("a", 64) + "\n",
			[]want{{"tenants[0].id", 2, 9, "at most 63 characters"}}},
		{"tenant id duplicate", `tenants:
  - id: acme
  - id: globex
  - id: acme
`, []want{{"tenants[2].id", 4, 5, `duplicate tenant id "acme" (first at line 2)`}}},

		// HR.
		{"hr absent value", `tenants:
  - id: acme
    hr: {absent: delete}
`, []want{{"tenants[0].hr.absent", 3, 18, `unknown value "delete" (known: ignore, terminate)`}}},
		{"hr column target unknown", `tenants:
  - id: acme
    hr:
      columns:
        employee_id: employeeId
        dept: Department
`, []want{{"tenants[0].hr.columns.dept", 6, 15, `unknown roster field "Department"`}}},
		{"hr column attribute without name", `tenants:
  - id: acme
    hr:
      columns: {employee_id: employeeId, cc: attributes.}
`, []want{{"tenants[0].hr.columns.cc", 4, 46, `unknown roster field "attributes."`}}},
		{"hr two columns one target", `tenants:
  - id: acme
    hr:
      columns:
        mail: email
        employee_id: employeeId
        work_email: email
`, []want{{"tenants[0].hr.columns.work_email", 7, 21, `column "work_email" maps to email, which column "mail" (line 5) already maps to`}}},
		{"hr key not a column", `tenants:
  - id: acme
    hr:
      key: emp_no
      columns: {employee_id: employeeId}
`, []want{{"tenants[0].hr.key", 4, 12, `column "emp_no" is not in hr.columns (known: employee_id)`}}},
		{"hr no column for employee id", `tenants:
  - id: acme
    hr:
      columns: {email: email}
`, []want{{"tenants[0].hr.columns", 4, 16, "no column maps to employeeId"}}},
		{"hr quoted column name", `tenants:
  - id: acme
    hr:
      columns: {"Employee ID": employeeId, "Cost Center": costCenter}
`, []want{{`tenants[0].hr.columns["Cost Center"]`, 4, 59, `unknown roster field "costCenter"`}}},

		// Guard.
		{"guard percent zero", `tenants:
  - id: acme
    guard: {max_removals_percent: 0}
`, []want{{"tenants[0].guard.max_removals_percent", 3, 35, "must be more than 0 and at most 100, got 0"}}},
		{"guard percent over 100", `tenants:
  - id: acme
    guard:
      max_removals_percent: 150
`, []want{{"tenants[0].guard.max_removals_percent", 4, 29, "got 150"}}},
		{"guard max removals zero", `tenants:
  - id: acme
    guard:
      max_removals: 0
`, []want{{"tenants[0].guard.max_removals", 4, 21, "must be at least 1, got 0"}}},

		// Tiers.
		{"tier deadline missing", `tenants:
  - id: acme
    tiers:
      gold: {}
`, []want{{"tenants[0].tiers.gold.leaver_deadline", 4, 13, "required"}}},
		{"tier deadline zero", `tenants:
  - id: acme
    tiers:
      gold: {leaver_deadline: 0s}
`, []want{{"tenants[0].tiers.gold.leaver_deadline", 4, 31, "must be more than 0, got 0s"}}},
		{"tier deadline negative", `tenants:
  - id: acme
    tiers:
      gold: {leaver_deadline: -1h}
`, []want{{"tenants[0].tiers.gold.leaver_deadline", 4, 31, "got -1h0m0s"}}},
		{"tier name syntax", `tenants:
  - id: acme
    tiers:
      Gold: {leaver_deadline: 1h}
`, []want{{"tenants[0].tiers.Gold", 4, 7, `invalid tier name "Gold"`}}},

		// Apps.
		{"app id missing", `tenants:
  - id: acme
    apps:
      - owner: it@acme.example
        connector: {type: manual}
`, []want{{"tenants[0].apps[0].id", 4, 9, "required"}}},
		{"app id syntax", `tenants:
  - id: acme
    apps:
      - id: GitHub
        owner: it@acme.example
        connector: {type: manual}
`, []want{{"tenants[0].apps[0].id", 4, 13, `invalid app id "GitHub"`}}},
		{"app id duplicate", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: manual}
      - id: github
        owner: it@acme.example
        connector: {type: manual}
`, []want{{"tenants[0].apps[1].id", 7, 9, `duplicate app id "github" (first at line 4)`}}},
		{"app tier unknown", `tenants:
  - id: acme
    apps:
      - id: github
        tier: gold
        owner: it@acme.example
        connector: {type: manual}
`, []want{{"tenants[0].apps[0].tier", 5, 15, `unknown tier "gold" (known: crown-jewel, standard)`}}},
		{"app default tier undefined", `tenants:
  - id: acme
    tiers: {gold: {leaver_deadline: 1h}}
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: manual}
`, []want{{"tenants[0].apps[0].tier", 5, 9, `no tier given and the default tier "standard" is not defined (known: gold)`}}},
		{"app owner missing", `tenants:
  - id: acme
    apps:
      - id: github
        connector: {type: manual}
`, []want{{"tenants[0].apps[0].owner", 4, 9, "required"}}},
		{"app owner not a mailbox", `tenants:
  - id: acme
    apps:
      - id: github
        owner: IT Ops <it@acme.example>
        connector: {type: manual}
`, []want{{"tenants[0].apps[0].owner", 5, 16, "is not a mailbox address"}}},
		{"app on_leave value", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        on_leave: archive
        connector: {type: manual}
`, []want{{"tenants[0].apps[0].on_leave", 6, 19, `unknown value "archive" (known: disable, delete)`}}},
		{"app delete_after without delete", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        delete_after: 30d
        connector: {type: manual}
`, []want{{"tenants[0].apps[0].delete_after", 6, 23, "only allowed with on_leave: delete"}}},
		{"app delete_after negative", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        on_leave: delete
        delete_after: -2w
        connector: {type: manual}
`, []want{{"tenants[0].apps[0].delete_after", 7, 23, "must not be negative, got -2w"}}},

		// Connectors.
		{"connector missing", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
`, []want{{"tenants[0].apps[0].connector.type", 4, 9, "required (one of manual, scim, ldap, okta, msgraph, google)"}}},
		{"connector type unknown", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: onelogin}
`, []want{{"tenants[0].apps[0].connector.type", 6, 27, `unknown connector type "onelogin" (known: manual, scim, ldap, okta, msgraph, google)`}}},
		{"manual connector with endpoint", `tenants:
  - id: acme
    apps:
      - id: payroll
        owner: it@acme.example
        connector:
          type: manual
          url: https://payroll.example
          token_file: /run/secrets/payroll
`, []want{
			{"tenants[0].apps[0].connector.url", 8, 16, "not used by a manual connector"},
			{"tenants[0].apps[0].connector.token_file", 9, 23, "not used by a manual connector"},
		}},
		{"scim url missing", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: scim, token_env: T}
`, []want{{"tenants[0].apps[0].connector.url", 6, 20, "required for scim: the https:// endpoint"}}},
		{"scim url not http", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: scim, url: "ldap://dir.example", token_env: T}
`, []want{{"tenants[0].apps[0].connector.url", 6, 38, `"ldap://dir.example" is not an absolute https:// or http:// URL`}}},
		{"scim url relative", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: scim, url: /scim/v2, token_env: T}
`, []want{{"tenants[0].apps[0].connector.url", 6, 38, "is not an absolute"}}},
		{"scim url unparsable", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: scim, url: "https://exa mple.com:x/", token_env: T}
`, []want{{"tenants[0].apps[0].connector.url", 6, 38, "invalid URL"}}},
		{"ldap url not ldap", `tenants:
  - id: acme
    apps:
      - id: directory
        owner: it@acme.example
        connector: {type: ldap, url: "https://dir.example", bind_dn: "cn=t", bind_password_env: P, user_base_dn: "ou=p"}
`, []want{{"tenants[0].apps[0].connector.url", 6, 38, "is not an absolute ldaps:// or ldap:// URL"}}},
		{"ldap needs a bind and a base", `tenants:
  - id: acme
    apps:
      - id: directory
        owner: it@acme.example
        connector:
          type: ldap
          url: ldaps://dir.example
          token_env: LDAP_TOKEN
`, []want{
			{"tenants[0].apps[0].connector.bind_dn", 7, 11, "required for ldap"},
			{"tenants[0].apps[0].connector.bind_password_env", 7, 11, "bind password"},
			{"tenants[0].apps[0].connector.user_base_dn", 7, 11, "required for ldap"},
			{"tenants[0].apps[0].connector.token_env", 9, 22, "not used by an ldap connector"},
		}},
		{"ldap disable and group style", `tenants:
  - id: acme
    apps:
      - id: directory
        owner: it@acme.example
        connector:
          type: ldap
          url: ldaps://dir.example
          start_tls: true
          bind_dn: cn=tenure,dc=acme
          bind_password_file: /run/secrets/ldap
          user_base_dn: ou=people,dc=acme
          group_style: posixGroup
          disable: {mode: move}
`, []want{
			{"tenants[0].apps[0].connector.start_tls", 9, 22, "meaningless with ldaps://"},
			{"tenants[0].apps[0].connector.group_style", 13, 24, "unknown group style"},
			{"tenants[0].apps[0].connector.disable.base_dn", 14, 20, "required for disable mode move"},
		}},
		{"ldap in clear", `tenants:
  - id: acme
    apps:
      - id: directory
        owner: it@acme.example
        connector: {type: ldap, url: "ldap://dir.example", bind_dn: "cn=t", bind_password_env: P, user_base_dn: "ou=p"}
`, []want{{"tenants[0].apps[0].connector.url", 6, 38, "in clear"}}},
		{"ldap keys on scim", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: scim, url: "https://x.example/scim", token_env: T, bind_dn: "cn=x"}
`, []want{{"tenants[0].apps[0].connector.bind_dn", 6, 87, "only used by the ldap connector"}}},
		{"scim token missing", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: scim, url: "https://scim.example"}
`, []want{{"tenants[0].apps[0].connector.token_env", 6, 20, "required for scim"}}},
		{"token env and file", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: scim, url: "https://scim.example", token_env: T, token_file: /run/t}
`, []want{{"tenants[0].apps[0].connector.token_file", 6, 88, "give token_env or token_file, not both"}}},
		{"token env holds a token", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: scim, url: "https://scim.example", token_env: "ghp-abc/123"}
`, []want{{"tenants[0].apps[0].connector.token_env", 6, 73, "never the token itself"}}},
		{"timeout negative", `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector: {type: scim, url: "https://scim.example", token_env: T, timeout: -5s}
`, []want{{"tenants[0].apps[0].connector.timeout", 6, 85, "must not be negative"}}},

		// Roles.
		{"role id missing", minimal + `    roles:
      - grants: [{app: github}]
`, []want{{"tenants[0].roles[0].id", 8, 9, "required"}}},
		{"role id duplicate", minimal + `    roles:
      - id: dev
      - id: dev
`, []want{{"tenants[0].roles[1].id", 9, 9, `duplicate role id "dev" (first at line 8)`}}},
		{"grant app missing", minimal + `    roles:
      - id: dev
        grants: [{entitlement: admin}]
`, []want{{"tenants[0].roles[0].grants[0].app", 9, 18, "required"}}},
		{"grant app unknown", minimal + `    roles:
      - id: dev
        grants:
          - app: gitlab
`, []want{{"tenants[0].roles[0].grants[0].app", 10, 18, `unknown app "gitlab" (known: github)`}}},
		{"grant duplicate", minimal + `    roles:
      - id: dev
        grants:
          - {app: github, entitlement: eng}
          - {app: github, entitlement: eng}
`, []want{{"tenants[0].roles[0].grants[1]", 11, 13, `duplicate grant of "eng" in "github" (first at line 10)`}}},

		// Birthright.
		{"rule name missing", minimal + `    roles: [{id: dev}]
    birthright:
      - when: "true"
        roles: [dev]
`, []want{{"tenants[0].birthright[0].name", 9, 9, "required"}}},
		{"rule name duplicate", minimal + `    roles: [{id: dev}]
    birthright:
      - {name: all, when: "true", roles: [dev]}
      - {name: all, when: "false", roles: [dev]}
`, []want{{"tenants[0].birthright[1].name", 10, 10, `duplicate rule name "all" (first at line 9)`}}},
		{"rule when missing", minimal + `    roles: [{id: dev}]
    birthright:
      - name: all
        roles: [dev]
`, []want{{"tenants[0].birthright[0].when", 9, 9, "required: a CEL condition"}}},
		{"rule when undeclared field", minimal + `    roles: [{id: dev}]
    birthright:
      - name: eng
        when: person.departmnt == "Engineering"
        roles: [dev]
`, []want{{"tenants[0].birthright[0].when", 10, 15,
			"invalid rule: undeclared reference to 'person.departmnt' (did you mean 'person.department'?) (at column 7)"}}},
		{"rule when not bool", minimal + `    roles: [{id: dev}]
    birthright:
      - name: eng
        when: 'person.department'
        roles: [dev]
`, []want{{"tenants[0].birthright[0].when", 10, 15, "invalid rule: expression must be a bool, it is string"}}},
		{"rule when several errors", minimal + `    roles: [{id: dev}]
    birthright:
      - name: eng
        when: |
          person.department == 3 &&
            person.nope
        roles: [dev]
`, []want{{"tenants[0].birthright[0].when", 10, 15, "found no matching overload for '_==_' applied to '(string, int)' (at column 19) and 1 more error(s)"}}},
		{"rule when error on second line", minimal + `    roles: [{id: dev}]
    birthright:
      - name: eng
        when: |
          person.department == "Engineering" &&
            nope
        roles: [dev]
`, []want{{"tenants[0].birthright[0].when", 10, 15, "undeclared reference to 'nope' (at line 2, column 3)"}}},
		{"rule when too costly", minimal + `    roles: [{id: dev}]
    birthright:
      - name: eng
        when: 'person.attributes.all(a, person.attributes.all(b, person.attributes.all(c, true)))'
        roles: [dev]
`, []want{{"tenants[0].birthright[0].when", 10, 15, "too costly"}}},
		{"rule roles missing", minimal + `    birthright:
      - {name: all, when: "true"}
`, []want{{"tenants[0].birthright[0].roles", 8, 9, "at least one role is required"}}},
		{"rule role unknown", minimal + `    roles: [{id: dev}]
    birthright:
      - name: all
        when: "true"
        roles: [dev, ops]
`, []want{{"tenants[0].birthright[0].roles[1]", 11, 22, `unknown role "ops" (known: dev)`}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := Parse([]byte(tt.yaml), "tenure.yaml")
			require.Nil(t, f)
			requireProblems(t, err, tt.want...)
		})
	}
}

func TestAllProblemsAtOnce(t *testing.T) {
	t.Parallel()

	_, err := Parse([]byte(`tenants:
  - id: acme
    guard: {max_removals: 0}
    apps:
      - id: github
        tier: gold
        owner: it@acme.example
        connector: {type: scim, url: "https://scim.example", tokn: GITHUB}
    roles:
      - id: dev
        grants: [{app: gitlab}]
    birthright:
      - name: eng
        when: person.dept == "Engineering"
        roles: [dev]
`), "tenure.yaml")
	requireProblems(t, err,
		want{"tenants[0].guard.max_removals", 3, 27, "must be at least 1"},
		want{"tenants[0].apps[0].tier", 6, 15, `unknown tier "gold"`},
		want{"tenants[0].apps[0].connector.token_env", 8, 20, "required for scim"},
		want{"tenants[0].apps[0].connector.tokn", 8, 62, `unknown key "tokn" in connector (known: type, url, token_env, token_file, timeout`},
		want{"tenants[0].roles[0].grants[0].app", 11, 24, `unknown app "gitlab"`},
		want{"tenants[0].birthright[0].when", 14, 15, "undeclared reference to 'person' (at column 1); known fields: person.attributes, person.department, "},
	)
	// One problem per line, in file order.
	require.Len(t, strings.Split(err.Error(), "\n"), 6)
	require.True(t, strings.HasPrefix(err.Error(), "tenure.yaml:3:27: tenants[0].guard.max_removals: must be at least 1, got 0\n"), err.Error())
}

func TestFiveMistakesFiveProblems(t *testing.T) {
	t.Parallel()

	_, err := Parse([]byte(`tenants:
  - id: acme
    hr:
      absent: forget
    apps:
      - id: github
        owner: nobody
        on_leave: shred
        connector: {type: manual}
    birthright:
      - {name: x, when: "true", roles: [ghost]}
  - id: acme
`), "tenure.yaml")
	requireProblems(t, err,
		want{"tenants[0].hr.absent", 4, 15, "unknown value"},
		want{"tenants[0].apps[0].owner", 7, 16, "not a mailbox"},
		want{"tenants[0].apps[0].on_leave", 8, 19, "unknown value"},
		want{"tenants[0].birthright[0].roles[0]", 11, 41, `unknown role "ghost" (none defined)`},
		want{"tenants[1].id", 12, 5, `duplicate tenant id "acme" (first at line 2)`},
	)
}

func TestValidateWithoutPositions(t *testing.T) {
	t.Parallel()

	// A File built in Go has no lines; problems still name their paths.
	f := &File{Tenants: []Tenant{{
		ID:    "acme",
		Guard: Guard{MaxRemovalsPercent: 10, MaxRemovals: 50},
		Tiers: DefaultTiers(),
		HR:    HR{Absent: AbsentIgnore},
		Apps: []App{{
			ID: "github", Tier: TierStandard, Owner: "it@acme.example", OnLeave: LeaveDisable,
			Connector: Connector{Type: ConnectorManual},
		}},
		Roles: []Role{{ID: "dev", Grants: []Grant{{App: "github"}}}, {ID: "dev"}},
	}}}
	err := f.Validate()
	require.EqualError(t, err, `tenants[0].roles[1].id: duplicate role id "dev" (first at tenants[0].roles[0].id)`)
	probs := Problems(err)
	require.Len(t, probs, 1)
	require.Zero(t, probs[0].Line)

	f.Tenants[0].Roles = f.Tenants[0].Roles[:1]
	require.NoError(t, f.Validate())

	require.EqualError(t, (&File{}).Validate(), "tenants: at least one tenant is required")
}

func TestValidateAfterParseKeepsPositions(t *testing.T) {
	t.Parallel()

	f, err := Parse([]byte(minimal), "tenure.yaml")
	require.NoError(t, err)
	f.Tenants[0].Apps[0].Tier = "gold"
	requireProblems(t, f.Validate(), want{"tenants[0].apps[0].tier", 4, 9, `unknown tier "gold"`})
}

func TestProblemsThroughWrapping(t *testing.T) {
	t.Parallel()

	_, err := Parse([]byte("tenants: []\n"), "tenure.yaml")
	wrapped := fmt.Errorf("start: %w", err)
	require.Len(t, Problems(wrapped), 1)
	var p *Problem
	require.True(t, errors.As(wrapped, &p))
	require.Equal(t, 1, p.Line)
	require.Nil(t, Problems(errors.New("other")))
}

func TestProblemError(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		p    Problem
		want string
	}{
		{Problem{File: "t.yaml", Line: 3, Column: 5, Path: "tenants[0].id", Msg: "required"}, "t.yaml:3:5: tenants[0].id: required"},
		{Problem{File: "t.yaml", Line: 3, Msg: "bad"}, "t.yaml:3: bad"},
		{Problem{File: "t.yaml", Msg: "bad"}, "t.yaml: bad"},
		{Problem{Path: "tenants", Msg: "bad"}, "tenants: bad"},
	} {
		require.Equal(t, tt.want, tt.p.Error())
	}
}

func TestDurationsAcceptDaysAndWeeks(t *testing.T) {
	t.Parallel()

	f, err := Parse([]byte(`tenants:
  - id: acme
    tiers: {standard: {leaver_deadline: 1d}, slow: {leaver_deadline: 2w}}
    apps:
      - id: slack
        owner: it@acme.example
        on_leave: delete
        delete_after: 720h
        connector: {type: scim, url: "https://api.slack.com/scim/v2", token_file: /run/secrets/slack, timeout: 1m30s}
`), "tenure.yaml")
	require.NoError(t, err)
	acme := &f.Tenants[0]
	require.Equal(t, 24*time.Hour, acme.Tiers["standard"].LeaverDeadline.Duration)
	require.Equal(t, 14*24*time.Hour, acme.Tiers["slow"].LeaverDeadline.Duration)
	require.Equal(t, 720*time.Hour, acme.Apps[0].DeleteAfter.Duration)
	require.Equal(t, 90*time.Second, acme.Apps[0].Connector.Timeout.Duration)
}

func TestProvisionBeforeStart(t *testing.T) {
	t.Parallel()
	f, err := Parse(Example(), "example.yaml")
	require.NoError(t, err)
	acme, _ := f.Tenant("acme")
	gh, _ := acme.App("github")
	require.Equal(t, 7*24*time.Hour, gh.ProvisionBeforeStart.Duration)

	bad := strings.Replace(string(Example()), "provision_before_start: 7d", "provision_before_start: -1h", 1)
	_, err = Parse([]byte(bad), "bad.yaml")
	probs := Problems(err)
	require.Len(t, probs, 1, "%v", err)
	require.Equal(t, "tenants[0].apps[0].provision_before_start", probs[0].Path)
}

func TestSCIMMappingValidation(t *testing.T) {
	t.Parallel()
	good := strings.Replace(string(Example()), "    birthright:", "    scim:\n      mapping:\n        employeeId: [externalId, id]\n    birthright:", 1)
	f, err := Parse([]byte(good), "good.yaml")
	require.NoError(t, err)
	acme, _ := f.Tenant("acme")
	require.Equal(t, []string{"externalId", "id"}, acme.SCIM.Mapping["employeeId"])

	bad := strings.Replace(string(Example()), "    birthright:", "    scim:\n      mapping:\n        shoeSize: [x]\n        title: []\n    birthright:", 1)
	_, err = Parse([]byte(bad), "bad.yaml")
	probs := Problems(err)
	require.Len(t, probs, 2, "%v", err)
	require.Contains(t, probs[0].Error()+probs[1].Error(), `unknown field "shoeSize"`)
	require.Contains(t, probs[0].Error()+probs[1].Error(), "at least one SCIM attribute")
}
