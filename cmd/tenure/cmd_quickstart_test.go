package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/sqlite"
	"github.com/tenure-dev/tenure/token"
)

func TestQuickstartTellsTheWholeStory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	root := newRoot(&out, &errOut)
	root.SetArgs([]string{"quickstart", "--dir", dir})
	require.NoError(t, root.ExecuteContext(context.Background()), errOut.String())
	s := out.String()
	require.Contains(t, s, "20 rows: 20 join, 1 leave.")
	require.Contains(t, s, "E1004 move")
	require.Regexp(t, `(?s)E1007  Grace Kim.*\[leaver: terminated 2026-11-20\].*E1004  Dev Patel`, s, "the leaver is planned before the mover")
	require.Regexp(t, `- zendesk\s+revoke agent`, s, "the mover loses the old role")
	require.Regexp(t, `\+ github\s+grant engineering`, s, "the mover gains the new role")
	require.Contains(t, s, "HELD: this import would remove access from 12 people (the guard allows 2).")
	require.Contains(t, s, "queued 84 operations", "day 1 applied")
	require.Contains(t, s, "done. 6 open tasks for humans", "day 1: only payroll (no API) is left to humans")
	require.Contains(t, s, "No changes: every app matches the desired access.", "verified SCIM writes and done tasks are the known actual state")
	require.Regexp(t, `(?s)Open tasks, most urgent first.*?\n\S+\s+\S+ \S+\s+finance-it@acme.example\s+\S.* Grace Kim`, s,
		"the leaver's crown-jewel removal is the most urgent task")
	require.Regexp(t, `google-workspace\s+standard\s+verified:disable\s+[0-9.]+(ms|s)\s`, s, "time to revoke printed, from a SCIM read-back")
	require.Regexp(t, `slack\s+standard\s+verified:disable\s+[0-9.]+(ms|s)\s`, s)
	require.Regexp(t, `crown-jewel\s+1\s+0\s+1\s`, s, "SLA: payroll removal done, late")
	require.Regexp(t, `standard\s+2\s+0\s+2\s`, s, "SLA: both SCIM removals verified (and late)")
	require.Regexp(t, `E1007\s+slack\s+grace.kim@acme.example\s+DISABLED`, s)
	require.Regexp(t, `audit chain of tenant acme verified: \d+ entries intact`, s)
	require.Regexp(t, `audit chain of tenant sandbox-github verified: \d+ entries intact`, s)

	// The SCIM traffic really happened: the sandbox tenants' own store holds
	// what acme's connectors wrote over HTTP.
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "tenure-data", "tenure.db"))
	require.NoError(t, err)
	defer st.Close()
	type user struct {
		ID, ExternalID, UserName string
		Active                   bool
	}
	read := func(tenant string) (map[string]user, map[string][]string) {
		users, groups := map[string]user{}, map[string][]string{}
		require.NoError(t, st.Read(ctx, tenant, func(tx store.Tx) error {
			us, err := tx.SCIM(token.DefaultSource).List(ctx, "User")
			require.NoError(t, err)
			byID := map[string]string{}
			for _, r := range us {
				var u user
				require.NoError(t, json.Unmarshal(r.Data, &u))
				require.NotContains(t, users, u.ExternalID, "%s: nobody duplicated", tenant)
				users[u.ExternalID] = u
				byID[u.ID] = u.ExternalID
			}
			gs, err := tx.SCIM(token.DefaultSource).List(ctx, "Group")
			require.NoError(t, err)
			for _, r := range gs {
				var g struct {
					DisplayName string
					Members     []struct{ Value string }
				}
				require.NoError(t, json.Unmarshal(r.Data, &g))
				for _, m := range g.Members {
					groups[g.DisplayName] = append(groups[g.DisplayName], byID[m.Value])
				}
			}
			return nil
		}))
		return users, groups
	}
	for _, app := range []string{"google-workspace", "slack"} {
		users, _ := read(sandboxTenant(app))
		require.Len(t, users, 20, app)
		require.False(t, users["E1007"].Active, "the leaver is disabled in %s", app)
		require.True(t, users["E1004"].Active, app)
		require.Equal(t, "samuel.taylor@acme.example", users["E1019"].UserName, "the corrected email reached %s", app)
	}
	users, groups := read(sandboxTenant("zendesk"))
	require.False(t, users["E1004"].Active, "the mover lost Zendesk")
	require.NotContains(t, groups["agent"], "E1004", "and its agent group")
	users, groups = read(sandboxTenant("github"))
	require.True(t, users["E1004"].Active, "the mover gained GitHub")
	require.Contains(t, groups["engineering"], "E1004", "and its engineering group")
	require.NotContains(t, users, "E1007", "Grace (Finance) never had GitHub")
}

func TestQuickstartConfigAimsEveryScimAppAtItsSandbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	yml, apps, err := quickstartConfig(config.Example(), "http://127.0.0.1:4242", dir)
	require.NoError(t, err)
	require.Equal(t, []string{"github", "google-workspace", "slack", "zendesk", "aws"}, apps)
	f, err := config.Parse(yml, "tenure.yaml")
	require.NoError(t, err)
	acme, ok := f.Tenant("acme")
	require.True(t, ok)
	for _, a := range acme.Apps {
		if a.Connector.Type != config.ConnectorSCIM {
			require.Equal(t, "payroll", a.ID)
			continue
		}
		require.Equal(t, "http://127.0.0.1:4242/t/sandbox-"+a.ID+"/scim/v2", a.Connector.URL)
		require.Equal(t, filepath.Join(dir, a.ID+".token"), a.Connector.TokenFile)
		require.Empty(t, a.Connector.TokenEnv)
		require.True(t, a.Connector.AllowLoopback)
		require.Zero(t, a.Connector.RateLimit, "the sandbox has no rate limit")
		_, ok := f.Tenant("sandbox-" + a.ID)
		require.True(t, ok, "sandbox tenant for %s", a.ID)
	}
}
