package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
	scimconn "github.com/tenure-dev/tenure/connector/scim"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/httpapi"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store/sqlite"
)

// Tenant "acme" provisions GitHub-like access into tenant "apps" of the same
// server — Tenure's own SCIM provider as the downstream app — through a
// proxy that fails 30 % of requests (429 with Retry-After, 500, timeouts,
// dropped connections). Joiners, a mover and a leaver all converge; nobody
// is duplicated; the known state ends equal to the app's real state.
func TestSCIMProvisioningConvergesThroughFaults(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end to end")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	svc := &lifecycle.Service{Store: st, Actor: "e2e"}
	for _, id := range []string{"acme", "apps"} {
		require.NoError(t, svc.CreateTenant(ctx, id))
	}
	acme, err := svc.Tenant(lifecycle.Settings{
		Tenant: "acme", GuardPercent: 100, GuardMax: 1000,
		Apps: map[string]plan.App{"github": {ID: "github", Name: "GitHub", Tier: "crown-jewel", Deadline: 15 * time.Minute, Owner: "it@acme.example"}},
		Policy: policy.Document{
			Roles: []policy.Role{
				{ID: "engineer", Grants: []policy.RoleGrant{{App: "github", Entitlement: "engineering"}}},
				{ID: "support", Grants: []policy.RoleGrant{{App: "github", Entitlement: "support"}}},
			},
			Rules: []policy.Rule{
				{Name: "engineering", When: `person.department == "Engineering"`, Roles: []string{"engineer"}},
				{Name: "support", When: `person.department == "Support"`, Roles: []string{"support"}},
			},
		},
	})
	require.NoError(t, err)
	apps, err := svc.Tenant(lifecycle.Settings{Tenant: "apps"})
	require.NoError(t, err)
	api := &httpapi.Server{Service: svc, Tenants: func(id string) (*lifecycle.Tenant, bool) {
		return map[string]*lifecycle.Tenant{"acme": acme, "apps": apps}[id], id == "acme" || id == "apps"
	}}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	appsTok, _, err := svc.CreateToken(ctx, "apps", []string{"scim"}, "acme's provisioning")
	require.NoError(t, err)
	direct := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, srv.URL+"/t/apps/scim/v2"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+appsTok)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		require.Less(t, resp.StatusCode, 300, "%s %s: %v", method, path, out)
		return out
	}
	for _, g := range []string{"engineering", "support"} {
		direct("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"`+g+`"}`)
	}

	target, _ := url.Parse(srv.URL)
	faults := NewFaultProxy(target, 0.3, 7)
	faults.Slow = 1500 * time.Millisecond
	proxy := httptest.NewServer(faults)
	t.Cleanup(proxy.Close)
	conn, err := scimconn.New(ctx, scimconn.Config{BaseURL: proxy.URL + "/t/apps/scim/v2", Token: appsTok,
		Timeout: 500 * time.Millisecond, AllowLoopback: true})
	require.NoError(t, err)
	eng, err := engine.New(ctx, engine.Config{
		Service: svc, DB: st.DB(), Workers: 4, MaxAttempts: 40,
		Tenants:    func(id string) (*lifecycle.Tenant, bool) { return acme, id == "acme" },
		Connectors: func(_, app string) (connector.Connector, bool) { return conn, app == "github" },
		Backoff:    func(int) time.Duration { return 20 * time.Millisecond },
		JobTimeout: 10 * time.Second, RescueAfter: 20 * time.Second,
	})
	require.NoError(t, err)
	svc.OnChange = eng.OnChange
	require.NoError(t, eng.Start(ctx))
	t.Cleanup(func() { _ = eng.Stop(context.Background()) })
	idle := func() {
		t.Helper()
		require.Eventually(t, func() bool { n, err := eng.Pending(ctx); return err == nil && n == 0 },
			3*time.Minute, 50*time.Millisecond)
	}

	// Day 1: 12 joiners (engineering and support), through the HR path.
	var rows []hr.Row
	for i := range 12 {
		dept := []string{"Engineering", "Support"}[i%2]
		rows = append(rows, hr.Row{Line: i + 2, Person: person.Person{ID: fmt.Sprintf("E%02d", i),
			Email: fmt.Sprintf("e%02d@acme.example", i), GivenName: "E", FamilyName: fmt.Sprint(i), Department: dept}})
	}
	_, err = acme.Import(ctx, rows, lifecycle.ImportOptions{Source: "day1", Full: true})
	require.NoError(t, err)
	idle()

	// Day 2: E01 moves Support → Engineering, E02 leaves.
	rows[1].Person.Department = "Engineering"
	rows[2].Person.Terminated = true
	_, err = acme.Import(ctx, rows, lifecycle.ImportOptions{Source: "day2", Full: true})
	require.NoError(t, err)
	idle()

	// The app's real state, read directly (no proxy).
	users := direct("GET", "/Users?count=1000", "")
	require.Equal(t, float64(12), users["totalResults"], "nobody duplicated")
	byExt := map[string]map[string]any{}
	for _, u := range users["Resources"].([]any) {
		m := u.(map[string]any)
		byExt[m["externalId"].(string)] = m
	}
	require.Len(t, byExt, 12)
	require.Equal(t, false, byExt["E02"]["active"], "the leaver is disabled")
	require.Equal(t, true, byExt["E01"]["active"])
	members := map[string][]string{}
	groups := direct("GET", "/Groups", "")
	for _, g := range groups["Resources"].([]any) {
		gm := g.(map[string]any)
		ms, _ := gm["members"].([]any)
		for _, m := range ms {
			id := m.(map[string]any)["value"].(string)
			for ext, u := range byExt {
				if u["id"] == id {
					members[gm["displayName"].(string)] = append(members[gm["displayName"].(string)], ext)
				}
			}
		}
	}
	for k := range members {
		slices.Sort(members[k])
	}
	require.Equal(t, []string{"E00", "E01", "E04", "E06", "E08", "E10"}, members["engineering"], "the mover gained engineering")
	require.Equal(t, []string{"E03", "E05", "E07", "E09", "E11"}, members["support"], "the mover and the leaver lost support")

	pl, err := acme.Plan(ctx, "")
	require.NoError(t, err)
	require.Empty(t, pl.Operations, "the known state equals the app's real state")
	for _, kind := range []string{"429", "500", "slow", "drop"} {
		require.Positive(t, faults.Injected[kind], "fault %s was exercised", kind)
	}
	t.Logf("faults injected: %v", faults.Injected)
}
