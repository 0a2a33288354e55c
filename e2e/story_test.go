package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/httpapi"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store/sqlite"
)

// world is one Tenure deployment for a test: an embedded store, the
// provisioning tenant "acme" and any number of app tenants served over SCIM
// by the same HTTP API.
type world struct {
	ctx  context.Context
	st   *sqlite.Store
	svc  *lifecycle.Service
	acme *lifecycle.Tenant
	srv  *httptest.Server
	eng  *engine.Engine

	mu      sync.Mutex
	tenants map[string]*lifecycle.Tenant
}

// newWorld opens a store whose tenant acme provisions apps: each app id
// maps to its leaver deadline, and its access is the entitlements
// "engineering" and "support" granted by department.
func newWorld(t *testing.T, apps map[string]time.Duration, now func() time.Time) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	w := &world{ctx: ctx, st: st, svc: &lifecycle.Service{Store: st, Actor: "e2e", Now: now}, tenants: map[string]*lifecycle.Tenant{}}
	require.NoError(t, w.svc.CreateTenant(ctx, "acme"))
	set := lifecycle.Settings{Tenant: "acme", GuardPercent: 100, GuardMax: 10000, Apps: map[string]plan.App{}}
	eng, sup := policy.Role{ID: "engineer"}, policy.Role{ID: "support"}
	for id, deadline := range apps {
		set.Apps[id] = plan.App{ID: id, Name: id, Tier: "crown-jewel", Deadline: deadline, Owner: "it@acme.example"}
		eng.Grants = append(eng.Grants, policy.RoleGrant{App: id, Entitlement: "engineering"})
		sup.Grants = append(sup.Grants, policy.RoleGrant{App: id, Entitlement: "support"})
	}
	set.Policy = policy.Document{
		Roles: []policy.Role{eng, sup},
		Rules: []policy.Rule{
			{Name: "engineering", When: `person.department == "Engineering"`, Roles: []string{"engineer"}},
			{Name: "support", When: `person.department == "Support"`, Roles: []string{"support"}},
		},
	}
	w.acme, err = w.svc.Tenant(set)
	require.NoError(t, err)
	w.tenants["acme"] = w.acme
	api := &httpapi.Server{Service: w.svc, Tenants: func(id string) (*lifecycle.Tenant, bool) {
		w.mu.Lock()
		defer w.mu.Unlock()
		t, ok := w.tenants[id]
		return t, ok
	}}
	w.srv = httptest.NewServer(api.Handler())
	t.Cleanup(w.srv.Close)
	return w
}

// appTenant creates tenant id as a SCIM app holding the groups
// "engineering" and "support", and returns its SCIM root and a token.
func (w *world) appTenant(t *testing.T, id string) (base, tok string) {
	t.Helper()
	require.NoError(t, w.svc.CreateTenant(w.ctx, id))
	tn, err := w.svc.Tenant(lifecycle.Settings{Tenant: id, GuardPercent: 100, GuardMax: 10000})
	require.NoError(t, err)
	w.mu.Lock()
	w.tenants[id] = tn
	w.mu.Unlock()
	tok, _, err = w.svc.CreateToken(w.ctx, id, []string{"scim"}, "acme's provisioning")
	require.NoError(t, err)
	base = w.srv.URL + "/t/" + id + "/scim/v2"
	for _, g := range []string{"engineering", "support"} {
		scimDo(t, base, tok, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"`+g+`"}`)
	}
	return base, tok
}

// start runs the engine over acme with conns as its apps' connectors.
func (w *world) start(t *testing.T, conns map[string]connector.Connector, backoff time.Duration, now func() time.Time) {
	t.Helper()
	eng, err := engine.New(w.ctx, engine.Config{
		Service: w.svc, DB: w.st.DB(), Workers: 4, MaxAttempts: 40,
		Tenants:    func(id string) (*lifecycle.Tenant, bool) { return w.acme, id == "acme" },
		Connectors: func(_, app string) (connector.Connector, bool) { c, ok := conns[app]; return c, ok },
		Backoff:    func(int) time.Duration { return backoff },
		JobTimeout: 10 * time.Second, RescueAfter: 20 * time.Second,
		Now: now,
	})
	require.NoError(t, err)
	w.svc.OnChange = eng.OnChange
	require.NoError(t, eng.Start(w.ctx))
	t.Cleanup(func() { _ = eng.Stop(context.Background()) })
	w.eng = eng
}

// idle waits for the queue to drain (polling the engine's own count; the
// deadline is only a bound for a broken run).
func (w *world) idle(t *testing.T) {
	t.Helper()
	events, cancel := w.eng.Subscribe()
	defer cancel()
	deadline := time.After(3 * time.Minute)
	for {
		n, err := w.eng.Pending(w.ctx)
		require.NoError(t, err)
		if n == 0 {
			return
		}
		select {
		case <-events:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			jobs, _ := w.eng.Jobs(w.ctx)
			t.Fatalf("queue did not drain: %d pending\n%s", n, jobs)
		}
	}
}

// day1 imports n joiners, alternately Engineering and Support.
func (w *world) day1(t *testing.T, n int) []hr.Row {
	t.Helper()
	var rows []hr.Row
	for i := range n {
		dept := []string{"Engineering", "Support"}[i%2]
		rows = append(rows, hr.Row{Line: i + 2, Person: person.Person{ID: fmt.Sprintf("E%02d", i),
			Email: fmt.Sprintf("e%02d@acme.example", i), GivenName: "E", FamilyName: fmt.Sprint(i), Department: dept}})
	}
	_, err := w.acme.Import(w.ctx, rows, lifecycle.ImportOptions{Source: "day1", Full: true})
	require.NoError(t, err)
	w.idle(t)
	return rows
}

// day2: E01 moves Support → Engineering, E02 leaves.
func (w *world) day2(t *testing.T, rows []hr.Row) {
	t.Helper()
	rows[1].Person.Department = "Engineering"
	rows[2].Person.Terminated = true
	_, err := w.acme.Import(w.ctx, rows, lifecycle.ImportOptions{Source: "day2", Full: true})
	require.NoError(t, err)
	w.idle(t)
}

// requireConverged checks an app's real state (read directly, not through
// the connector) after day1(12) and day2: nobody duplicated, the leaver
// disabled, the mover in engineering and out of support; and that acme's
// known state equals it (nothing left to plan).
func (w *world) requireConverged(t *testing.T, base, tok string) {
	t.Helper()
	users := scimDo(t, base, tok, "GET", "/Users?count=1000", "")
	res, _ := users["Resources"].([]any)
	require.Len(t, res, 12, "nobody duplicated")
	byExt := map[string]map[string]any{}
	for _, u := range res {
		m := u.(map[string]any)
		byExt[m["externalId"].(string)] = m
	}
	require.Len(t, byExt, 12)
	require.Equal(t, false, byExt["E02"]["active"], "the leaver is disabled")
	require.Equal(t, true, byExt["E01"]["active"])
	members := map[string][]string{}
	groups := scimDo(t, base, tok, "GET", "/Groups", "")
	gs, _ := groups["Resources"].([]any)
	for _, g := range gs {
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

	pl, err := w.acme.Plan(w.ctx, "")
	require.NoError(t, err)
	require.Empty(t, pl.Operations, "the known state equals the app's real state")
}

// scimDo sends one SCIM request straight to a server and decodes the reply.
func scimDo(t *testing.T, base, tok, method, path, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	require.Less(t, resp.StatusCode, 300, "%s %s: %v", method, path, out)
	return out
}
