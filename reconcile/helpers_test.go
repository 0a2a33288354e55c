package reconcile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/bench"
	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/memory"
	scimconn "github.com/tenure-dev/tenure/connector/scim"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/reconcile"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/postgres"
	"github.com/tenure-dev/tenure/store/sqlite"
	"github.com/tenure-dev/tenure/task"
)

// testConfig has a SCIM app (wiki), an in-memory one (vault, whose
// connector moves service-account ownership itself) and a manual one.
const testConfig = `
tenants:
  - id: acme
    guard: {max_removals_percent: 100, max_removals: %d}
    tiers:
      standard: {leaver_deadline: 24h}
    apps:
      - id: wiki
        owner: it@acme.example
        connector: {type: scim, url: "http://127.0.0.1:1/scim/v2", token_env: WIKI_TOKEN}
        reconcile:
          policy: {orphan: %s}
        service_accounts: {match: "svc-*", owner_attribute: externalId, successor: E2}
      - id: vault
        owner: sec@acme.example
        connector: {type: scim, url: "http://127.0.0.1:1/scim/v2", token_env: VAULT_TOKEN}
      - id: payroll
        owner: finance@acme.example
        connector: {type: manual}
    roles:
      - id: staff
        grants: [{app: wiki, entitlement: staff}, {app: vault}]
    birthright:
      - name: engineering
        when: 'person.department == "Engineering"'
        roles: [staff]
`

const token = "wiki-secret"

type testBundle struct {
	ctx    context.Context
	svc    *lifecycle.Service
	tenant *lifecycle.Tenant
	cfg    *config.Tenant
	eng    *engine.Engine
	events <-chan *river.Event
	// wiki is Tenure's own SCIM server (memstore) on loopback HTTP.
	wiki    *scimconn.Conn
	wikiURL string
	vault   *memory.App
	now     time.Time
}

type options struct {
	guardMax int
	orphan   string
	// postgres runs the store and the queue on PostgreSQL.
	postgres bool
}

func setup(t *testing.T, o options) *testBundle {
	t.Helper()
	if o.guardMax == 0 {
		o.guardMax = 1000
	}
	if o.orphan == "" {
		o.orphan = "disable"
	}
	ctx := context.Background()
	var (
		st  store.Store
		ecf engine.Config
	)
	if o.postgres {
		base := os.Getenv("TENURE_TEST_POSTGRES_URL")
		if base == "" {
			if os.Getenv("CI") == "true" {
				t.Fatal("CI=true but TENURE_TEST_POSTGRES_URL is unset")
			}
			t.Skip("set TENURE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run")
		}
		u, drop, err := bench.FreshSchema(ctx, base, "tenure_reconcile_")
		require.NoError(t, err)
		t.Cleanup(drop)
		pg, err := postgres.Open(ctx, u)
		require.NoError(t, err)
		t.Cleanup(func() { _ = pg.Close() })
		st, ecf.Pool = pg, pg.Pool()
	} else {
		lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = lite.Close() })
		st, ecf.DB = lite, lite.DB()
	}
	f, err := config.Parse(fmt.Appendf(nil, testConfig, o.guardMax, o.orphan), "tenure.yaml")
	require.NoError(t, err)
	cfg, _ := f.Tenant("acme")
	b := &testBundle{ctx: ctx, cfg: cfg, now: time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)}
	b.svc = &lifecycle.Service{Store: st, Actor: "test", Now: func() time.Time { return b.now }}
	require.NoError(t, b.svc.CreateTenant(ctx, "acme"))
	b.tenant, err = b.svc.Tenant(lifecycle.FromConfig(cfg))
	require.NoError(t, err)
	_, err = b.tenant.SyncPolicy(ctx)
	require.NoError(t, err)

	h := server.New(server.Config{Store: memstore.New(), Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	b.wikiURL = srv.URL
	b.wiki, err = scimconn.New(ctx, scimconn.Config{BaseURL: srv.URL, Token: token, AllowLoopback: true, PageSize: 7,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	b.scim(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"staff"}`)
	b.scim(t, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"admins"}`)
	b.vault = memory.New("vault")
	b.vault.PageSize = 3

	ecf.Service, ecf.Workers, ecf.MaxAttempts, ecf.Now = b.svc, 2, 3, func() time.Time { return b.now }
	ecf.Tenants = func(id string) (*lifecycle.Tenant, bool) { return b.tenant, id == "acme" }
	ecf.Connectors = func(_, app string) (connector.Connector, bool) {
		switch app {
		case "wiki":
			return b.wiki, true
		case "vault":
			return b.vault, true
		}
		return nil, false
	}
	ecf.Backoff = func(int) time.Duration { return 10 * time.Millisecond }
	b.eng, err = engine.New(ctx, ecf)
	require.NoError(t, err)
	b.svc.Enqueue = b.eng.Enqueue
	var cancel func()
	b.events, cancel = b.eng.Subscribe()
	t.Cleanup(cancel)
	require.NoError(t, b.eng.Start(ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = b.eng.Stop(ctx)
	})
	return b
}

// scim sends a request straight to the app, as someone working outside
// Tenure would.
func (b *testBundle) scim(t *testing.T, method, path, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, b.wikiURL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	require.Less(t, resp.StatusCode, 300, "%s %s: %v", method, path, out)
	return out
}

// user creates an account in the wiki behind Tenure's back.
func (b *testBundle) user(t *testing.T, userName, externalID string) string {
	t.Helper()
	body := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": userName, "active": true}
	if externalID != "" {
		body["externalId"] = externalID
	}
	data, _ := json.Marshal(body)
	return b.scim(t, "POST", "/Users", string(data))["id"].(string)
}

// roster imports a CSV roster (a full snapshot).
func (b *testBundle) roster(t *testing.T, csv string) {
	t.Helper()
	rows, err := hr.Parse(bytes.NewReader([]byte(csv)), "roster.csv", hr.CSV, nil)
	require.NoError(t, err)
	res, err := b.tenant.Import(b.ctx, rows, lifecycle.ImportOptions{Source: "roster.csv", Full: true})
	require.NoError(t, err)
	require.Empty(t, res.Held)
}

func (b *testBundle) waitIdle(t *testing.T) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		n, err := b.eng.Pending(b.ctx)
		require.NoError(t, err)
		if n == 0 {
			return
		}
		select {
		case <-b.events:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			jobs, _ := b.eng.Jobs(b.ctx)
			t.Fatalf("queue not idle: %d left: %s", n, jobs)
		}
	}
}

func (b *testBundle) apply(t *testing.T) {
	t.Helper()
	_, _, err := b.eng.Apply(b.ctx, b.tenant)
	require.NoError(t, err)
	b.waitIdle(t)
}

func (b *testBundle) reconcile(t *testing.T, app string, l connector.Lister, dry bool) *reconcile.Result {
	t.Helper()
	ca, ok := b.cfg.App(app)
	require.True(t, ok)
	res, err := reconcile.Run(b.ctx, b.tenant, reconcile.FromConfig(ca), l, reconcile.Options{DryRun: dry})
	require.NoError(t, err)
	return res
}

// wikiAccount reads an account from the app by its id.
func (b *testBundle) wikiAccount(t *testing.T, id string) account.Account {
	t.Helper()
	acc, err := b.wiki.Read(b.ctx, connector.Subject{ExternalID: id})
	require.NoError(t, err)
	return acc
}

func (b *testBundle) findings(t *testing.T, f store.FindingFilter) map[string]account.Finding {
	t.Helper()
	fs, err := b.tenant.Findings(b.ctx, f)
	require.NoError(t, err)
	out := map[string]account.Finding{}
	for _, x := range fs {
		out[x.UserName] = x
	}
	return out
}

func (b *testBundle) openTasks(t *testing.T) []task.Task {
	t.Helper()
	ts, err := b.tenant.Tasks(b.ctx, store.TaskFilter{Status: task.Open})
	require.NoError(t, err)
	return ts
}

// replaceLine replaces the roster line starting with prefix.
func replaceLine(csv, prefix, line string) string {
	lines := strings.Split(csv, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			lines[i] = line
		}
	}
	return strings.Join(lines, "\n")
}
