package ldap

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/ldap/ldaptest"
)

func TestDisableModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode DisableMode
		// marked checks the directory itself for the mode's mark.
		marked func(t *testing.T, b *testBundle, dn string) bool
		// bindRefused: the server itself refuses the locked entry's bind.
		bindRefused bool
	}{
		{
			mode: DisableLock,
			marked: func(t *testing.T, b *testBundle, dn string) bool {
				return b.entry(t, dn, "pwdAccountLockedTime").GetAttributeValue("pwdAccountLockedTime") == DefaultLockValue
			},
			bindRefused: true,
		},
		{
			mode: DisableExpire,
			marked: func(t *testing.T, b *testBundle, dn string) bool {
				return b.entry(t, dn, "shadowExpire").GetAttributeValue("shadowExpire") == DefaultExpireValue
			},
		},
		{
			mode: DisableMove,
			marked: func(t *testing.T, b *testBundle, dn string) bool {
				return b.count(t, ldaptest.DisabledDN, "(uid=ann)") == 1
			},
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{config: func(c *Config) {
				c.Disable.Mode = tt.mode
				if tt.mode == DisableMove {
					c.Disable.BaseDN = ldaptest.DisabledDN
				}
			}})
			ctx := context.Background()
			eng := b.group(t, GroupOfNames, "eng")
			acc, err := b.conn.Ensure(ctx, ann())
			require.NoError(t, err)
			require.NoError(t, b.conn.Grant(ctx, ann(), "eng"))
			b.setPassword(t, personDN("ann"), "pw-ann")
			require.True(t, b.canBind(t, personDN("ann"), "pw-ann"))

			require.NoError(t, b.conn.Disable(ctx, ann()))
			got, err := b.conn.Read(ctx, ann())
			require.NoError(t, err)
			require.Equal(t, account.Disabled, got.State)
			require.Equal(t, acc.ExternalID, got.ExternalID)
			require.Equal(t, []string{"eng"}, got.Entitlements, "disabling keeps memberships")
			require.True(t, tt.marked(t, b, got.Attributes["dn"]))
			if tt.bindRefused {
				require.False(t, b.canBind(t, personDN("ann"), "pw-ann"), "ppolicy refuses a locked entry")
			}
			if tt.mode == DisableMove {
				require.Equal(t, "uid=ann,"+ldaptest.DisabledDN, got.Attributes["dn"])
				require.Equal(t, []string{got.Attributes["dn"]}, b.members(t, GroupOfNames, eng), "the membership moved with the entry")
			}
			require.NoError(t, b.conn.Disable(ctx, ann()), "disabling twice succeeds")

			// Listing reports the same state.
			page, _, err := b.conn.List(ctx, "")
			require.NoError(t, err)
			require.Len(t, page, 1)
			require.Equal(t, account.Disabled, page[0].State)

			// Rehire: Ensure undoes it.
			back, err := b.conn.Ensure(ctx, ann())
			require.NoError(t, err)
			require.Equal(t, account.Enabled, back.State)
			require.Equal(t, acc.ExternalID, back.ExternalID)
			require.Equal(t, personDN("ann"), back.Attributes["dn"])
			require.Equal(t, []string{"eng"}, back.Entitlements)
			require.False(t, tt.marked(t, b, back.Attributes["dn"]))
			require.True(t, b.canBind(t, personDN("ann"), "pw-ann"))
			require.Equal(t, 1, b.count(t, ldaptest.Suffix, "(uid=ann)"))

			// A pre-hire is created disabled, and enabled on the start date.
			pre := connector.Subject{PersonID: "E2", UserName: "bob", FamilyName: "B", Disabled: true}
			acc, err = b.conn.Ensure(ctx, pre)
			require.NoError(t, err)
			require.Equal(t, account.Disabled, acc.State)
			pre.Disabled = false
			acc, err = b.conn.Ensure(ctx, pre)
			require.NoError(t, err)
			require.Equal(t, account.Enabled, acc.State)

			require.NoError(t, b.conn.Disable(ctx, connector.Subject{PersonID: "E404"}), "disabling an absent account succeeds")
		})
	}
}

func TestExpireModeReadsDayNumbers(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{config: func(c *Config) { c.Disable.Mode = DisableExpire }})
	b.addLDIF(t, `
dn: uid=past,`+ldaptest.PeopleDN+`
objectClass: inetOrgPerson
objectClass: shadowAccount
uid: past
cn: P
sn: P
shadowExpire: 19000

dn: uid=future,`+ldaptest.PeopleDN+`
objectClass: inetOrgPerson
objectClass: shadowAccount
uid: future
cn: F
sn: F
shadowExpire: 99999

dn: uid=never,`+ldaptest.PeopleDN+`
objectClass: inetOrgPerson
objectClass: shadowAccount
uid: never
cn: N
sn: N
shadowExpire: -1`)
	for uid, want := range map[string]account.State{"past": account.Disabled, "future": account.Enabled, "never": account.Enabled} {
		acc, err := b.conn.Read(context.Background(), connector.Subject{UserName: uid})
		require.NoError(t, err)
		require.Equal(t, want, acc.State, uid)
	}
}
