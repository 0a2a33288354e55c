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

// Reconciliation of a real directory (slapd) through the CLI: differences
// planted by hand behind Tenure's back — a leaver's entry recreated, an
// entry of nobody on the roster, a member taken out of a group, and a
// service account whose owner has left — are all found, and each is
// handled per the app's policy: the ghost locked, the orphan only
// reported, the drift fixed, the service account handed to the successor
// (never disabled). Not parallel: it sets an environment variable.
func TestReconcileLDAPEndToEnd(t *testing.T) {
	b := setup(t)
	group := "cn=engineering," + ldaptest.GroupsDN
	srv := ldaptest.Start(t, ldaptest.Options{Seed: func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "dn: %s\nobjectClass: groupOfNames\ncn: engineering\nmember: %s\n\n", group, group)
		return err
	}})
	t.Setenv("LDAP_RECON_PASSWORD", srv.RootPW)
	cfg := fmt.Sprintf(`tenants:
  - id: acme
    apps:
      - id: directory
        owner: it@acme.example
        connector:
          type: ldap
          url: %s
          bind_dn: %q
          bind_password_env: LDAP_RECON_PASSWORD
          user_base_dn: %q
          group_base_dn: %q
          service_base_dn: %q
        reconcile:
          policy: {ghost: disable, orphan: report, drift: fix}
        service_accounts: {match: ["svc-*"], successor: E1}
    roles: [{id: engineer, grants: [{app: directory, entitlement: engineering}]}]
    birthright: [{name: engineering, when: 'person.department == "Engineering"', roles: [engineer]}]
`, srv.URL, ldaptest.RootDN, ldaptest.PeopleDN, ldaptest.GroupsDN, ldaptest.ServicesDN)
	require.NoError(t, os.WriteFile(b.path("recon.yaml"), []byte(cfg), 0o600))
	require.NoError(t, os.WriteFile(b.path("roster.csv"), []byte("employeeId,email,givenName,familyName,department,endDate\n"+
		"E1,e1@acme.example,Ann,One,Engineering,\nE2,e2@acme.example,Bo,Two,Engineering,\n"+
		"E3,e3@acme.example,Cy,Three,Engineering,2020-01-31\n"), 0o600))
	cli := func(args ...string) string {
		return b.must(t, append([]string{"--config", b.path("recon.yaml")}, args...)...)
	}
	cli("tenant", "create", "acme")
	cli("hr", "import", "--tenant", "acme", b.path("roster.csv"))
	require.Contains(t, cli("apply", "--tenant", "acme"), "done. 0 open tasks")

	admin, err := goldap.DialURL(srv.URL)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close() })
	require.NoError(t, admin.Bind(ldaptest.RootDN, srv.RootPW))
	add := func(dn, uid, emp, manager string) {
		req := goldap.NewAddRequest(dn, nil)
		req.Attribute("objectClass", []string{"inetOrgPerson"})
		req.Attribute("uid", []string{uid})
		req.Attribute("cn", []string{uid})
		req.Attribute("sn", []string{uid})
		if emp != "" {
			req.Attribute("employeeNumber", []string{emp})
		}
		if manager != "" {
			req.Attribute("manager", []string{manager})
		}
		require.NoError(t, admin.Add(req))
	}
	ghostDN := "uid=e3@acme.example," + ldaptest.PeopleDN
	add(ghostDN, "e3@acme.example", "E3", "")                                             // the leaver, recreated by hand
	add("uid=nobody,"+ldaptest.PeopleDN, "nobody", "X9", "")                              // no one on the roster
	add("uid=svc-ci,"+ldaptest.ServicesDN, "svc-ci", "", ghostDN)                         // owned by the leaver
	add("uid=svc-old,"+ldaptest.ServicesDN, "svc-old", "", "uid=gone,"+ldaptest.PeopleDN) // its owner's entry is gone
	add("uid=e4@acme.example,"+ldaptest.PeopleDN, "e4@acme.example", "E4", "")            // made at first login (JIT), before HR's record
	require.NoError(t, os.WriteFile(b.path("hire.csv"), []byte("employeeId,email,givenName,familyName,department\n"+
		"E4,e4@acme.example,Di,Four,Engineering\n"), 0o600))
	cli("hr", "import", "--tenant", "acme", "--partial", b.path("hire.csv"))
	bobDN := "uid=e2@acme.example," + ldaptest.PeopleDN
	mod := goldap.NewModifyRequest(group, nil)
	mod.Delete("member", []string{bobDN}) // drift: Bo taken out of the group
	require.NoError(t, admin.Modify(mod))

	out := cli("reconcile", "--tenant", "acme", "--dry-run")
	require.Contains(t, out, "1 ghost")
	require.Contains(t, out, "1 orphan")
	require.Contains(t, out, "1 drift")
	require.Contains(t, out, "2 service")
	require.Contains(t, out, "1 unmanaged")
	require.NotContains(t, members(t, admin, group), bobDN, "a dry run changes nothing")

	out = cli("reconcile", "--tenant", "acme", "--app", "directory")
	require.Contains(t, cli("apply", "--tenant", "acme"), "done.")
	e3 := search(t, admin, ldaptest.PeopleDN, "(employeeNumber=E3)", "pwdAccountLockedTime")
	require.NotEmpty(t, e3.GetAttributeValue("pwdAccountLockedTime"), "the ghost is locked: %s", out)
	nobody := search(t, admin, ldaptest.PeopleDN, "(uid=nobody)", "pwdAccountLockedTime")
	require.Empty(t, nobody.GetAttributeValue("pwdAccountLockedTime"), "the orphan is reported, not touched")
	require.Contains(t, members(t, admin, group), bobDN, "the drift is fixed: Bo is back in the group")
	svc := search(t, admin, ldaptest.ServicesDN, "(uid=svc-ci)", "manager", "pwdAccountLockedTime")
	require.Equal(t, "uid=e1@acme.example,"+ldaptest.PeopleDN, svc.GetAttributeValue("manager"), "owned by the successor now")
	require.Empty(t, svc.GetAttributeValue("pwdAccountLockedTime"), "a service account is never disabled with its owner")

	require.Contains(t, cli("report", "accounts", "--tenant", "acme", "--class", "orphan"), "nobody")
	require.Contains(t, cli("report", "accounts", "--tenant", "acme", "--class", "ghost"), "e3@acme.example")
	old := search(t, admin, ldaptest.ServicesDN, "(uid=svc-old)", "manager", "pwdAccountLockedTime")
	require.Equal(t, "uid=e1@acme.example,"+ldaptest.PeopleDN, old.GetAttributeValue("manager"), "an ownerless one gets the successor too")
	require.Empty(t, old.GetAttributeValue("pwdAccountLockedTime"))
	search(t, admin, ldaptest.PeopleDN, "(employeeNumber=E4)") // adopted: still exactly one entry
	require.Contains(t, members(t, admin, group), "uid=e4@acme.example,"+ldaptest.PeopleDN, "the adopted JIT account got its role's group")
	require.Contains(t, cli("report", "service-accounts", "--tenant", "acme"), "svc-ci")
}

func search(t *testing.T, c *goldap.Conn, base, filter string, attrs ...string) *goldap.Entry {
	t.Helper()
	res, err := c.Search(goldap.NewSearchRequest(base, goldap.ScopeSingleLevel, goldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil))
	require.NoError(t, err)
	require.Len(t, res.Entries, 1, "%s under %s", filter, base)
	return res.Entries[0]
}

func members(t *testing.T, c *goldap.Conn, group string) []string {
	t.Helper()
	res, err := c.Search(goldap.NewSearchRequest(group, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"member"}, nil))
	require.NoError(t, err)
	return res.Entries[0].GetAttributeValues("member")
}
