package main

import (
	"fmt"
	"io"
	"os"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector/ldap/ldaptest"
)

// An app with `connector: {type: ldap}` in tenure.yaml, against a real
// slapd, through the CLI, the queue and the engine: the joiner's entry is
// created and put in the role's group, the leaver's entry is locked, taken
// out of the group and read back, and nobody is left with a task. Not
// parallel: it sets an environment variable.
func TestLDAPAppEndToEnd(t *testing.T) {
	b := setup(t)
	srv := ldaptest.Start(t, ldaptest.Options{Seed: func(w io.Writer) error {
		g := "cn=engineering," + ldaptest.GroupsDN
		_, err := fmt.Fprintf(w, "dn: %s\nobjectClass: groupOfNames\ncn: engineering\nmember: %s\n\n", g, g)
		return err
	}})
	t.Setenv("LDAP_E2E_PASSWORD", srv.RootPW)
	cfg := fmt.Sprintf(`tenants:
  - id: acme
    guard: {max_removals_percent: 100, max_removals: 10}
    apps:
      - id: directory
        tier: crown-jewel
        owner: it@acme.example
        connector:
          type: ldap
          url: %s
          bind_dn: %q
          bind_password_env: LDAP_E2E_PASSWORD
          user_base_dn: %q
          group_base_dn: %q
          disable: {mode: lock}
    roles: [{id: engineer, grants: [{app: directory, entitlement: engineering}]}]
    birthright: [{name: everyone, when: "true", roles: [engineer]}]
`, srv.URL, ldaptest.RootDN, ldaptest.PeopleDN, ldaptest.GroupsDN)
	require.NoError(t, os.WriteFile(b.path("ldap.yaml"), []byte(cfg), 0o600))
	require.NoError(t, os.WriteFile(b.path("day1.csv"), []byte("employeeId,email,givenName,familyName,startDate\n"+
		"P1,ann@acme.example,Ann,Lee,2024-01-01\nP2,bob@acme.example,Bob,Roe,2024-01-01\n"), 0o600))
	require.NoError(t, os.WriteFile(b.path("day2.csv"), []byte("employeeId,email,givenName,familyName,startDate,endDate,status\n"+
		"P1,ann@acme.example,Ann,Lee,2024-01-01,2026-01-02,terminated\n"), 0o600))
	cli := func(args ...string) string {
		return b.must(t, append([]string{"--config", b.path("ldap.yaml")}, args...)...)
	}

	cli("tenant", "create", "acme")
	cli("config", "validate")
	cli("hr", "import", "--tenant", "acme", b.path("day1.csv"))
	require.Contains(t, cli("apply", "--tenant", "acme"), "done. 0 open tasks", cli("task", "list", "--tenant", "acme"))

	conn, err := goldap.DialURL(srv.URL)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.Bind(ldaptest.RootDN, srv.RootPW))
	entry := func(emp string) *goldap.Entry {
		res, err := conn.Search(goldap.NewSearchRequest(ldaptest.PeopleDN, goldap.ScopeSingleLevel, goldap.NeverDerefAliases,
			0, 0, false, "(employeeNumber="+emp+")", []string{"uid", "mail", "pwdAccountLockedTime"}, nil))
		require.NoError(t, err)
		require.Len(t, res.Entries, 1, "exactly one entry for %s: created once, never duplicated", emp)
		return res.Entries[0]
	}
	members := func() []string {
		res, err := conn.Search(goldap.NewSearchRequest("cn=engineering,"+ldaptest.GroupsDN, goldap.ScopeBaseObject,
			goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"member"}, nil))
		require.NoError(t, err)
		return res.Entries[0].GetAttributeValues("member")
	}
	ann, bob := entry("P1"), entry("P2")
	require.Equal(t, "ann@acme.example", ann.GetAttributeValue("mail"))
	require.Empty(t, ann.GetAttributeValue("pwdAccountLockedTime"), "a joiner is not locked")
	require.Contains(t, members(), ann.DN)
	require.Contains(t, members(), bob.DN)

	require.NotContains(t, cli("hr", "import", "--tenant", "acme", "--partial", b.path("day2.csv")), "HELD")
	// A directory has no sessions API: the sign-out is the one thing left
	// to the owner, by name; the disable and the group removal are done.
	require.Contains(t, cli("apply", "--tenant", "acme"), "done. 1 open tasks")
	tasks := cli("task", "list", "--tenant", "acme")
	require.Contains(t, tasks, "sign Ann Lee <ann@acme.example> out of every session in directory")
	require.Contains(t, tasks, "it@acme.example")
	ann = entry("P1")
	require.NotEmpty(t, ann.GetAttributeValue("pwdAccountLockedTime"), "the leaver's entry is locked")
	require.NotContains(t, members(), ann.DN, "the leaver left the group")
	require.Contains(t, members(), bob.DN, "the one who stays keeps it")
	sla := cli("sla", "--tenant", "acme", "--format", "json")
	require.Contains(t, sla, "verified:disable", "the leaver clock stopped on the verified disable")
}
