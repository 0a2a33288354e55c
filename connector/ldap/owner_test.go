package ldap

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/ldap/ldaptest"
)

func TestServiceAccountOwnership(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{config: func(c *Config) { c.ServiceBaseDN = ldaptest.ServicesDN }})
	ctx := context.Background()
	bob := connector.Subject{PersonID: "E2", UserName: "bob", FamilyName: "B"}
	for _, s := range []connector.Subject{ann(), bob} {
		_, err := b.conn.Ensure(ctx, s)
		require.NoError(t, err)
	}
	b.addLDIF(t, `
dn: uid=svc-build,`+ldaptest.ServicesDN+`
objectClass: inetOrgPerson
uid: svc-build
cn: Build bot
sn: bot
manager: `+personDN("ann")+`

dn: uid=svc-old,`+ldaptest.ServicesDN+`
objectClass: inetOrgPerson
uid: svc-old
cn: Old bot
sn: bot
manager: uid=gone,`+ldaptest.PeopleDN)

	byName := func() map[string]account.Account {
		out := map[string]account.Account{}
		cursor := ""
		for {
			page, next, err := b.conn.List(ctx, cursor)
			require.NoError(t, err)
			for _, a := range page {
				out[a.UserName] = a
			}
			if next == "" {
				return out
			}
			cursor = next
		}
	}
	all := byName()
	require.Len(t, all, 4)
	require.Equal(t, "E1001", all["svc-build"].ServiceOwner)
	require.Equal(t, "true", all["svc-build"].Attributes["serviceAccount"])
	require.Empty(t, all["svc-old"].ServiceOwner, "an owner without an entry leaves the account ownerless")
	require.Equal(t, "true", all["svc-old"].Attributes["serviceAccount"])
	require.Empty(t, all["ann"].Attributes["serviceAccount"])

	svc := all["svc-build"]
	require.NoError(t, b.conn.TransferOwnership(ctx, svc, bob))
	require.NoError(t, b.conn.TransferOwnership(ctx, svc, bob), "transferring twice succeeds")
	require.Equal(t, personDN("bob"), b.entry(t, svc.Attributes["dn"], "manager").GetAttributeValue("manager"))
	got, err := b.conn.Read(ctx, connector.Subject{ExternalID: svc.ExternalID})
	require.NoError(t, err)
	require.Equal(t, "E2", got.ServiceOwner)

	err = b.conn.TransferOwnership(ctx, svc, connector.Subject{PersonID: "E404"})
	requireClass(t, err, connector.Permanent)
	require.ErrorIs(t, err, connector.ErrNotFound)
	err = b.conn.TransferOwnership(ctx, account.Account{ExternalID: "00000000-0000-0000-0000-000000000000"}, bob)
	requireClass(t, err, connector.Permanent)
	require.ErrorIs(t, err, connector.ErrNotFound)
}
