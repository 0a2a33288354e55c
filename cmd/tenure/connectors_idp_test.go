package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/google/googletest"
	"github.com/tenure-dev/tenure/connector/msgraph/msgraphtest"
	"github.com/tenure-dev/tenure/connector/okta/oktatest"
	"github.com/tenure-dev/tenure/connector/webhook"
)

// hookReceiver accepts revoke-sessions events whose signature verifies.
type hookReceiver struct {
	secret []byte
	mu     sync.Mutex
	events []webhook.Event
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhook.Verify(h.secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), 0); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.events = append(h.events, ev)
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) got() []webhook.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]webhook.Event(nil), h.events...)
}

// A leaver and a person going on leave, in an app whose accounts are Okta
// users (a fake Okta org) and which also has a signed-webhook session
// revoker: through the real config, resolver, queue on SQLite and engine,
// each user is suspended and read back, and their sessions end in both
// places — Okta's sessions, OAuth tokens and grants, and the webhook
// receiver's event — with no task left for a human. Not parallel: it sets
// environment variables.
func TestLeaverOktaAndWebhookEndToEnd(t *testing.T) {
	b := setup(t)
	const token = "00LEAKCHECK-e2e-okta-token"
	secret := "whsec-LEAKCHECK-e2e-0123456789abcdef0123456789"
	fake := oktatest.New(t, token, "")
	annID := fake.Seed("ACTIVE", map[string]string{"login": "ann@acme.example", "email": "ann@acme.example",
		"firstName": "Ann", "lastName": "Lee"}, 3, 2, 1)
	bobID := fake.Seed("ACTIVE", map[string]string{"login": "bob@acme.example", "email": "bob@acme.example",
		"firstName": "Bob", "lastName": "Roe"}, 1, 1, 0)
	hooks := &hookReceiver{secret: []byte(secret)}
	hookSrv := httptest.NewServer(hooks)
	t.Cleanup(hookSrv.Close)
	require.NoError(t, os.WriteFile(b.path("hook.secret"), []byte(secret+"\n"), 0o600))
	t.Setenv("OKTA_E2E_TOKEN", token)
	t.Setenv("TENURE_ALLOW_LOOPBACK_TARGETS", "1")

	cfg := fmt.Sprintf(`tenants:
  - id: acme
    guard: {max_removals_percent: 100, max_removals: 10}
    apps:
      - id: okta
        tier: crown-jewel
        owner: it@acme.example
        connector: {type: okta, url: %q, token_env: OKTA_E2E_TOKEN}
        sessions:
          - {type: webhook, url: %q, secret_file: %q}
    roles: [{id: staff, grants: [{app: okta}]}]
    birthright: [{name: everyone, when: "true", roles: [staff]}]
`, fake.URL, hookSrv.URL+"/tenure/sign-out", b.path("hook.secret"))
	require.NoError(t, os.WriteFile(b.path("idp.yaml"), []byte(cfg), 0o600))
	require.NoError(t, os.WriteFile(b.path("day1.csv"), []byte("employeeId,email,givenName,familyName,startDate\n"+
		"P1,ann@acme.example,Ann,Lee,2024-01-01\nP2,bob@acme.example,Bob,Roe,2024-01-01\nP3,cy@acme.example,Cy,Dee,2024-01-01\n"), 0o600))
	// Ann leaves, Bob goes on leave of absence, Cy stays.
	require.NoError(t, os.WriteFile(b.path("day2.csv"), []byte("employeeId,email,givenName,familyName,startDate,endDate,status\n"+
		"P1,ann@acme.example,Ann,Lee,2024-01-01,2026-01-02,terminated\nP2,bob@acme.example,Bob,Roe,2024-01-01,,on-leave\n"+
		"P3,cy@acme.example,Cy,Dee,2024-01-01,,active\n"), 0o600))
	cli := func(args ...string) string {
		return b.must(t, append([]string{"--config", b.path("idp.yaml")}, args...)...)
	}

	cli("tenant", "create", "acme")
	cli("hr", "import", "--tenant", "acme", b.path("day1.csv"))
	require.Contains(t, cli("apply", "--tenant", "acme"), "done. 0 open tasks")
	cyID, ok := fake.UserByLogin("cy@acme.example")
	require.True(t, ok, "the joiner's Okta user was created")
	u, _ := fake.User(annID)
	require.Equal(t, "P1", u.Profile["employeeNumber"], "the existing user was adopted, not duplicated")

	require.NotContains(t, cli("hr", "import", "--tenant", "acme", "--partial", b.path("day2.csv")), "HELD")
	// Okta answers the first leaver call with 429: the queue snoozes until
	// X-Rate-Limit-Reset (at least a second) and the work still completes.
	fake.RateLimit(1, time.Now())
	out := cli("apply", "--tenant", "acme")
	require.Contains(t, out, "done. 0 open tasks", "disable and revoke-sessions both done by connectors")

	u, _ = fake.User(annID)
	require.Equal(t, "SUSPENDED", u.Status, "disabled (suspend mode) and verified by read-back")
	sessions, tokens, grants := fake.Live(annID)
	require.Equal(t, [3]int{0, 0, 0}, [3]int{sessions, tokens, grants}, "Okta sessions, OAuth tokens and grants ended")
	require.Equal(t, 1, fake.Served429(), "the rate limit was hit and waited out")
	var calls []string
	for _, c := range fake.Calls() {
		calls = append(calls, c.String())
	}
	require.Contains(t, calls, "POST /api/v1/users/"+annID+"/lifecycle/suspend")
	require.Contains(t, calls, "DELETE /api/v1/users/"+annID+"/sessions?oauthTokens=true")
	require.Contains(t, calls, "DELETE /api/v1/users/"+annID+"/grants")

	// Leave of absence: disabled and signed out, not deleted.
	u, ok = fake.User(bobID)
	require.True(t, ok)
	require.Equal(t, "SUSPENDED", u.Status)
	sessions, tokens, _ = fake.Live(bobID)
	require.Zero(t, sessions+tokens)
	u, _ = fake.User(cyID)
	require.Equal(t, "PROVISIONED", u.Status, "the one who stays is untouched")

	evs := hooks.got()
	require.Len(t, evs, 2, "one signed revoke-sessions event each for the leaver and the person on leave")
	byPerson := map[string]webhook.Event{}
	for _, ev := range evs {
		byPerson[ev.Person] = ev
	}
	require.Equal(t, webhook.ActionRevokeSessions, byPerson["P1"].Action)
	require.Equal(t, "ann@acme.example", byPerson["P1"].Email)
	require.Equal(t, "bob@acme.example", byPerson["P2"].Email)

	// The leaver's sign-out is on the leaver clock too, apart from the
	// account's: both stopped by verified operations (both breaches, as HR
	// dated the termination long ago), none left open.
	var report struct {
		Open     []struct{ Person, App string } `json:"open"`
		Breached []struct {
			Person, App, StoppedBy string
		} `json:"breached"`
	}
	slaOut := cli("sla", "--tenant", "acme", "--format", "json")
	require.NoError(t, json.Unmarshal([]byte(slaOut), &report), slaOut)
	stopped := map[string]string{}
	require.Empty(t, report.Open)
	for _, c := range report.Breached {
		if c.Person == "P1" {
			stopped[c.App] = c.StoppedBy
		}
	}
	require.Equal(t, map[string]string{"okta": "verified:disable", "sessions:okta": "verified:revoke-sessions"}, stopped, slaOut)

	audit := cli("audit", "export", "--tenant", "acme")
	require.Contains(t, audit, `"action":"revoke-sessions"`)
	require.NotContains(t, audit, "LEAKCHECK")
	require.Contains(t, cli("audit", "verify", "--tenant", "acme"), "entries intact")
	require.False(t, strings.Contains(out, "LEAKCHECK"))
}

// Each IdP type and session revoker is built from tenure.yaml by the
// resolver, with its secrets read by reference, and revokes against its
// fake; an app whose revoker's secret is missing is not built at all (its
// operations become tasks) and the error names the key, not the secret.
func TestResolverBuildsIdPConnectors(t *testing.T) {
	dir := t.TempDir()
	const oktaToken, graphSecret = "00LEAKCHECK-resolve-okta", "LEAKCHECK~resolve-graph"
	oktaFake := oktatest.New(t, oktaToken, "")
	oktaID := oktaFake.Seed("ACTIVE", map[string]string{"login": "ann@acme.example", "email": "ann@acme.example",
		"firstName": "Ann", "lastName": "Lee"}, 1, 1, 1)
	graph := msgraphtest.New(t, "acme.onmicrosoft.com", "client-1", graphSecret)
	graphID := graph.Seed(msgraphtest.User{"userPrincipalName": "ann@acme.example", "accountEnabled": true}, 2)
	goog := googletest.New(t, "admin@acme.example", nil)
	googID := goog.Seed(map[string]any{"primaryEmail": "ann@acme.example"}, 2, "slack.apps.googleusercontent.com")
	creds := dir + "/sa.json"
	require.NoError(t, os.WriteFile(creds, goog.Credentials(), 0o600))
	t.Setenv("TENURE_ALLOW_LOOPBACK_TARGETS", "1")
	t.Setenv("OKTA_RESOLVE_TOKEN", oktaToken)
	t.Setenv("GRAPH_RESOLVE_SECRET", graphSecret)

	cfg, err := config.Parse(fmt.Appendf(nil, `tenants:
  - id: acme
    apps:
      - id: okta
        owner: it@acme.example
        connector: {type: okta, url: %q, token_env: OKTA_RESOLVE_TOKEN}
      - id: entra
        owner: it@acme.example
        connector: {type: msgraph, url: %q, token_url: %q, tenant_id: acme.onmicrosoft.com, client_id: client-1, client_secret_env: GRAPH_RESOLVE_SECRET}
      - id: workspace
        owner: it@acme.example
        connector: {type: google, url: %q, credentials_file: %q, subject: admin@acme.example}
      - id: broken
        owner: it@acme.example
        connector: {type: okta, url: %q, token_env: OKTA_RESOLVE_TOKEN}
        sessions: [{type: webhook, url: "https://hooks.example/x", secret_env: UNSET_HOOK_SECRET_FOR_TEST}]
`, oktaFake.URL, graph.URL, graph.TokenURL(), goog.URL, creds, oktaFake.URL), "tenure.yaml")
	require.NoError(t, err)
	var logs strings.Builder
	a := &app{log: slog.New(slog.NewTextHandler(&logs, nil))}
	resolve := a.connectors(t.Context(), cfg)
	ann := connector.Subject{PersonID: "P1", Email: "ann@acme.example", UserName: "ann@acme.example"}
	for _, id := range []string{"okta", "entra", "workspace"} {
		c, ok := resolve("acme", id)
		require.True(t, ok, id)
		sr, ok := c.(connector.SessionRevoker)
		require.True(t, ok, id)
		require.NoError(t, sr.RevokeSessions(t.Context(), ann), id)
	}
	s, tk, g := oktaFake.Live(oktaID)
	require.Equal(t, [3]int{0, 0, 0}, [3]int{s, tk, g})
	n, _ := graph.Sessions(graphID)
	require.Zero(t, n)
	n, clients := goog.Live(googID)
	require.Zero(t, n)
	require.Empty(t, clients)

	_, ok := resolve("acme", "broken")
	require.False(t, ok, "an app whose revoker cannot be built falls back to tasks")
	require.Contains(t, logs.String(), "UNSET_HOOK_SECRET_FOR_TEST (secret_env) is empty or unset")
	require.NotContains(t, logs.String(), "LEAKCHECK")
}
