package ldap

import (
	"context"
	"strings"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/ldap/ldaptest"
)

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := ldaptest.Start(t, ldaptest.Options{TLS: true})
	tests := []struct {
		name     string
		url      string
		startTLS bool
	}{
		{"ldaps", srv.LDAPSURL, false},
		{"starttls", srv.URL, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			cfg := testConfig(srv)
			cfg.URL, cfg.StartTLS, cfg.CAFile = tt.url, tt.startTLS, srv.CAFile
			c, err := New(ctx, cfg)
			require.NoError(t, err)
			defer c.Close()
			sub := ann()
			sub.UserName, sub.PersonID, sub.Email = "ann-"+tt.name, "E-"+tt.name, tt.name+"@acme.example"
			acc, err := c.Ensure(ctx, sub)
			require.NoError(t, err)
			require.Equal(t, sub.PersonID, acc.PersonID)
			l, err := c.client(ctx)
			require.NoError(t, err)
			state, ok := l.TLSConnectionState()
			require.True(t, ok, "the connection is TLS")
			require.True(t, state.HandshakeComplete)

			// Without the CA the certificate is not trusted: a
			// configuration problem, not worth retrying.
			cfg.CAFile = ""
			_, err = New(ctx, cfg)
			requireClass(t, err, connector.Permanent)
			require.ErrorContains(t, err, "certificate")
		})
	}
}

func TestBadCredentialsArePermanentAndSecret(t *testing.T) {
	t.Parallel()
	srv := ldaptest.Start(t, ldaptest.Options{})
	cfg := testConfig(srv)
	cfg.BindPassword = "s3cret-wrong-password"
	_, err := New(context.Background(), cfg)
	ce := requireClass(t, err, connector.Permanent)
	require.True(t, goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials))
	require.NotContains(t, err.Error(), cfg.BindPassword)
	require.NotContains(t, ce.Detail, cfg.BindPassword)
	require.Contains(t, err.Error(), "Invalid Credentials")
}

func TestServerDownIsRetryable(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	_, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	b.srv.Stop()

	_, err = b.conn.Read(ctx, ann())
	requireClass(t, err, connector.Retryable)
	_, _, err = b.conn.List(ctx, "")
	requireClass(t, err, connector.Retryable)
	// New does not fail on an unreachable server: it dials per operation.
	c, err := New(ctx, b.cfg)
	require.NoError(t, err)
	requireClass(t, c.Disable(ctx, ann()), connector.Retryable)
}

func TestInsufficientAccessIsPermanent(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	// Bind as an ordinary person: the default ACL lets them read, not write.
	_, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	b.setPassword(t, personDN("ann"), "pw-ann")
	cfg := b.cfg
	cfg.BindDN, cfg.BindPassword = personDN("ann"), "pw-ann"
	c, err := New(ctx, cfg)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Ensure(ctx, connector.Subject{PersonID: "E2", UserName: "bob", FamilyName: "B"})
	ce := requireClass(t, err, connector.Permanent)
	require.True(t, goldap.IsErrorWithCode(err, goldap.LDAPResultInsufficientAccessRights), "%v", err)
	require.NotEmpty(t, ce.Detail, "the server's diagnostic")
	require.NotContains(t, err.Error(), "pw-ann")
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code uint16
		want connector.Class
	}{
		{goldap.LDAPResultBusy, connector.Retryable},
		{goldap.LDAPResultUnavailable, connector.Retryable},
		{goldap.LDAPResultTimeLimitExceeded, connector.Retryable},
		{goldap.ErrorNetwork, connector.Retryable},
		{goldap.LDAPResultInvalidCredentials, connector.Permanent},
		{goldap.LDAPResultInsufficientAccessRights, connector.Permanent},
		{goldap.LDAPResultConstraintViolation, connector.Permanent},
		{goldap.LDAPResultInvalidAttributeSyntax, connector.Permanent},
		{goldap.LDAPResultObjectClassViolation, connector.Permanent},
		{9999, connector.Retryable},
	}
	for _, tt := range tests {
		err := classify("op", goldap.NewError(tt.code, errorString("diagnostic words")))
		ce := requireClass(t, err, tt.want)
		require.Equal(t, "diagnostic words", ce.Detail)
		require.True(t, strings.HasPrefix(ce.Err.Error(), "ldap op: "), ce.Err.Error())
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestValuesReturnControlTrimsMembers(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{server: ldaptest.Options{Seed: seedPeople(50, GroupOfNames, false)}})
	dn := "uid=u00007," + ldaptest.PeopleDN
	f, err := goldap.CompileFilter("(member=" + goldap.EscapeFilter(dn) + ")")
	require.NoError(t, err)
	name, err := goldap.CompileFilter("(cn=*)")
	require.NoError(t, err)
	res, err := b.admin.Search(goldap.NewSearchRequest("cn=all,"+ldaptest.GroupsDN, goldap.ScopeBaseObject, 0, 0, 0, false,
		"(objectClass=*)", []string{"cn", "member"}, []goldap.Control{&valuesReturn{items: []*ber.Packet{name, f}}}))
	require.NoError(t, err)
	require.Len(t, res.Entries, 1)
	require.Equal(t, []string{dn}, res.Entries[0].GetAttributeValues("member"), "only the asked-for member of 50")
	require.Equal(t, "all", res.Entries[0].GetAttributeValue("cn"))
}
