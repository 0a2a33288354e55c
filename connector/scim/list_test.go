package scimconn

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
)

func TestListPages(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *options) { o.cfg = func(c *Config) { c.PageSize = 100 } })
	ctx := t.Context()
	for i := range 250 {
		b.seedUser(t, map[string]any{"userName": fmt.Sprintf("u%03d@acme.example", i), "externalId": fmt.Sprintf("E%03d", i),
			"active": i%10 != 0})
	}
	gid := b.seedGroup(t, "Engineering")
	require.NoError(t, b.conn.Grant(ctx, connector.Subject{PersonID: "E150"}, "Engineering"))
	require.Len(t, b.members(t, gid), 1)

	var all []account.Account
	var cursors []string
	cursor := ""
	for {
		page, next, err := b.conn.List(ctx, cursor)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 100)
		all = append(all, page...)
		cursors = append(cursors, next)
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, []string{"101", "201", ""}, cursors)
	require.Len(t, all, 250)
	seen := map[string]bool{}
	for i, acc := range all {
		require.False(t, seen[acc.ExternalID], "each account once")
		seen[acc.ExternalID] = true
		require.Equal(t, fmt.Sprintf("E%03d", i), acc.PersonID)
		require.Equal(t, map[bool]account.State{true: account.Disabled, false: account.Enabled}[i%10 == 0], acc.State)
		if i == 150 {
			require.Equal(t, []string{"Engineering"}, acc.Entitlements)
		} else {
			require.Empty(t, acc.Entitlements)
		}
	}
	for _, r := range b.rec.all() {
		if r.Path == "/Users" {
			require.Contains(t, r.Query, "count=100")
		}
	}

	_, _, err := b.conn.List(ctx, "zero")
	requireClass(t, err, connector.Permanent)
}
