package ldap

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/ldap/ldaptest"
)

// testBundle is one test's slapd, a connector bound as the root DN and an
// admin connection for arranging and checking the directory behind the
// connector's back.
type testBundle struct {
	srv   *ldaptest.Server
	conn  *Conn
	admin *goldap.Conn
	cfg   Config
}

type setupOpts struct {
	server ldaptest.Options
	config func(*Config)
}

// setup starts a slapd and a connector for it.
func setup(t *testing.T, o setupOpts) *testBundle {
	t.Helper()
	srv := ldaptest.Start(t, o.server)
	cfg := testConfig(srv)
	if o.config != nil {
		o.config(&cfg)
	}
	c, err := New(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	admin, err := goldap.DialURL(srv.URL)
	require.NoError(t, err)
	require.NoError(t, admin.Bind(ldaptest.RootDN, srv.RootPW))
	t.Cleanup(func() { admin.Close() })
	return &testBundle{srv: srv, conn: c, admin: admin, cfg: cfg}
}

func testConfig(srv *ldaptest.Server) Config {
	return Config{
		URL:          srv.URL,
		BindDN:       ldaptest.RootDN,
		BindPassword: srv.RootPW,
		UserBaseDN:   ldaptest.PeopleDN,
		GroupBaseDN:  ldaptest.GroupsDN,
		Logger:       slog.New(slog.DiscardHandler),
	}
}

// addLDIF adds entries written as "dn: …\nattr: value\n" blocks separated
// by blank lines (no continuation lines).
func (b *testBundle) addLDIF(t *testing.T, ldif string) {
	t.Helper()
	for _, block := range strings.Split(strings.TrimSpace(ldif), "\n\n") {
		var req *goldap.AddRequest
		attrs := map[string][]string{}
		var order []string
		for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
			k, v, ok := strings.Cut(line, ": ")
			require.True(t, ok, "ldif line %q", line)
			if k == "dn" {
				req = goldap.NewAddRequest(v, nil)
				continue
			}
			if _, seen := attrs[k]; !seen {
				order = append(order, k)
			}
			attrs[k] = append(attrs[k], v)
		}
		for _, k := range order {
			req.Attribute(k, attrs[k])
		}
		require.NoError(t, b.admin.Add(req), "add %s", req.DN)
	}
}

// group adds a group of the given style with the initial member DNs.
func (b *testBundle) group(t *testing.T, style GroupStyle, name string, members ...string) string {
	t.Helper()
	dn := "cn=" + name + "," + ldaptest.GroupsDN
	req := goldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{string(style)})
	req.Attribute("cn", []string{name})
	if len(members) == 0 {
		members = []string{dn}
	}
	req.Attribute(style.memberAttr(), members)
	require.NoError(t, b.admin.Add(req))
	return dn
}

// members lists a group's member values.
func (b *testBundle) members(t *testing.T, style GroupStyle, dn string) []string {
	t.Helper()
	res, err := b.admin.Search(goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, 0, 0, 0, false, "(objectClass=*)", []string{style.memberAttr()}, nil))
	require.NoError(t, err)
	require.Len(t, res.Entries, 1)
	return res.Entries[0].GetAttributeValues(style.memberAttr())
}

// count is how many entries under base match filter.
func (b *testBundle) count(t *testing.T, base, filter string) int {
	t.Helper()
	res, err := b.admin.Search(goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, 0, 0, 0, false, filter, []string{"1.1"}, nil))
	require.NoError(t, err)
	return len(res.Entries)
}

// entry reads one entry's attributes.
func (b *testBundle) entry(t *testing.T, dn string, attrs ...string) *goldap.Entry {
	t.Helper()
	res, err := b.admin.Search(goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, 0, 0, 0, false, "(objectClass=*)", attrs, nil))
	require.NoError(t, err)
	require.Len(t, res.Entries, 1)
	return res.Entries[0]
}

// setPassword gives an entry a userPassword, so a test can bind as it.
func (b *testBundle) setPassword(t *testing.T, dn, pw string) {
	t.Helper()
	mod := goldap.NewModifyRequest(dn, nil)
	mod.Replace("userPassword", []string{pw})
	require.NoError(t, b.admin.Modify(mod))
}

// canBind reports whether dn can bind with pw.
func (b *testBundle) canBind(t *testing.T, dn, pw string) bool {
	t.Helper()
	l, err := goldap.DialURL(b.srv.URL)
	require.NoError(t, err)
	defer l.Close()
	err = l.Bind(dn, pw)
	if err != nil {
		require.True(t, goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials), "bind: %v", err)
	}
	return err == nil
}

func ann() connector.Subject {
	return connector.Subject{
		PersonID: "E1001", UserName: "ann", Email: "ann@acme.example",
		GivenName: "Ann", FamilyName: "Lee", DisplayName: "Ann Lee",
	}
}

func requireClass(t *testing.T, err error, want connector.Class) *connector.Error {
	t.Helper()
	require.Error(t, err)
	var ce *connector.Error
	require.ErrorAs(t, err, &ce, "error %v is not a connector.Error", err)
	require.Equal(t, want, ce.Class, "error %v", err)
	return ce
}

func personDN(uid string) string { return fmt.Sprintf("uid=%s,%s", uid, ldaptest.PeopleDN) }
