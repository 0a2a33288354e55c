package ldap

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
)

func TestGrantRevoke(t *testing.T) {
	t.Parallel()
	tests := []struct {
		style    GroupStyle
		memberOf bool // entitlements read from the memberof overlay's memberOf
	}{
		{GroupOfNames, false},
		{GroupOfUniqueNames, false},
		{GroupOfNames, true},
		{GroupOfUniqueNames, true},
	}
	for _, tt := range tests {
		style := tt.style
		name := string(style)
		var opts setupOpts
		opts.config = func(c *Config) { c.GroupStyle = style }
		if tt.memberOf {
			name += "/memberOf"
			opts.server.MemberOf = string(style)
			opts.config = func(c *Config) { c.GroupStyle, c.MemberOfAttr = style, "memberOf" }
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, opts)
			ctx := context.Background()
			bob := connector.Subject{PersonID: "E2", UserName: "bob", FamilyName: "B"}
			for _, s := range []connector.Subject{ann(), bob} {
				_, err := b.conn.Ensure(ctx, s)
				require.NoError(t, err)
			}
			eng := b.group(t, style, "eng") // holds only its placeholder
			ops := b.group(t, style, "ops", personDN("bob"))
			// A group of the other style is not an entitlement here.
			other := GroupOfUniqueNames
			if style == GroupOfUniqueNames {
				other = GroupOfNames
			}
			b.group(t, other, "elsewhere", personDN("ann"))

			require.NoError(t, b.conn.Grant(ctx, ann(), "eng"))
			require.NoError(t, b.conn.Grant(ctx, ann(), "eng"), "granting twice succeeds")
			require.Equal(t, []string{personDN("ann")}, b.members(t, style, eng), "the placeholder made way")
			require.NoError(t, b.conn.Grant(ctx, ann(), "ops"))
			require.ElementsMatch(t, []string{personDN("ann"), personDN("bob")}, b.members(t, style, ops))

			acc, err := b.conn.Read(ctx, ann())
			require.NoError(t, err)
			require.Equal(t, []string{"eng", "ops"}, acc.Entitlements)

			require.NoError(t, b.conn.Revoke(ctx, ann(), "ops"))
			require.NoError(t, b.conn.Revoke(ctx, ann(), "ops"), "revoking twice succeeds")
			require.Equal(t, []string{personDN("bob")}, b.members(t, style, ops))
			require.NoError(t, b.conn.Revoke(ctx, ann(), "eng"), "the last member leaves")
			require.Equal(t, []string{eng}, b.members(t, style, eng), "the placeholder keeps the group valid")
			acc, err = b.conn.Read(ctx, ann())
			require.NoError(t, err)
			require.Empty(t, acc.Entitlements)

			err = b.conn.Grant(ctx, ann(), "no-such-group")
			requireClass(t, err, connector.Permanent)
			require.ErrorContains(t, err, `cn="no-such-group"`)
			require.NoError(t, b.conn.Revoke(ctx, ann(), "no-such-group"))
			require.NoError(t, b.conn.Revoke(ctx, connector.Subject{PersonID: "E404"}, "eng"))
			err = b.conn.Grant(ctx, connector.Subject{PersonID: "E404"}, "eng")
			require.ErrorIs(t, err, connector.ErrNotFound)
			// A crafted entitlement name is matched literally.
			requireClass(t, b.conn.Grant(ctx, ann(), "*"), connector.Permanent)
		})
	}
}

func TestNoGroupBase(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{config: func(c *Config) { c.GroupBaseDN = "" }})
	ctx := context.Background()
	acc, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	require.Empty(t, acc.Entitlements)
	requireClass(t, b.conn.Grant(ctx, ann(), "eng"), connector.Permanent)
	require.NoError(t, b.conn.Revoke(ctx, ann(), "eng"))
}
