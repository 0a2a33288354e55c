package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/lifecycle"
)

// The jobs tenure serve schedules come from the config: one per app with
// a reconcile.interval (not for apps without one, nor for manual apps), and
// each run reads the app through its configured connector, finds what is
// planted there and stores the findings, as `tenure reconcile` does. The
// schedule itself (each job on its interval, once across replicas) is the
// engine's TestPeriodicWorkRunsEveryInterval.
func TestServeSchedulesReconciliationPerApp(t *testing.T) {
	t.Parallel()
	target := newSCIMTarget(t, "tok")
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "wiki.token")
	require.NoError(t, os.WriteFile(tokFile, []byte("tok\n"), 0o600))
	cfgText := fmt.Sprintf(`tenants:
  - id: acme
    apps:
      - id: wiki
        owner: it@acme.example
        connector: {type: scim, url: "%s/scim/v2", token_file: %q, allow_loopback: true}
        reconcile: {interval: 6h, policy: {orphan: report}}
      - id: chat
        owner: it@acme.example
        connector: {type: scim, url: "%s/scim/v2", token_file: %q, allow_loopback: true}
      - id: payroll
        owner: finance@acme.example
        connector: {type: manual}
        reconcile: {interval: 1h}
    roles: [{id: staff, grants: [{app: wiki}]}]
    birthright: [{name: everyone, when: "true", roles: [staff]}]
`, target.srv.URL, tokFile, target.srv.URL, tokFile)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tenure.yaml"), []byte(cfgText), 0o600))
	a := &app{configPath: filepath.Join(dir, "tenure.yaml"), dataDir: filepath.Join(dir, "data"),
		out: io.Discard, err: io.Discard, log: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	cfg, err := a.loadConfig()
	require.NoError(t, err)
	svc, closer, err := a.service(ctx)
	require.NoError(t, err)
	t.Cleanup(closer)
	require.NoError(t, svc.CreateTenant(ctx, "acme"))
	tn, err := svc.Tenant(lifecycle.FromConfig(&cfg.Tenants[0]))
	require.NoError(t, err)

	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"nobody@old.example","active":true}`
	req, _ := http.NewRequest("POST", target.srv.URL+"/scim/v2/Users", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	jobs := a.reconcileJobs(ctx, cfg, map[string]*lifecycle.Tenant{"acme": tn})
	require.Len(t, jobs, 1, "only wiki has an interval and a connector that lists")
	require.Equal(t, "reconcile:acme/wiki", jobs[0].Name)
	require.Equal(t, "6h0m0s", jobs[0].Interval.String())
	require.NoError(t, jobs[0].Run(ctx))

	out := b2s(t, a, "report", "accounts", "--tenant", "acme", "--class", "orphan", "--format", "json")
	var orphans []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &orphans), out)
	require.Len(t, orphans, 1, "the scheduled run stored its findings")
	require.Equal(t, "nobody@old.example", orphans[0]["userName"])
}

// b2s runs a command with a's config and data directory and returns its output.
func b2s(t *testing.T, a *app, args ...string) string {
	t.Helper()
	var out strings.Builder
	root := newRoot(&out, io.Discard)
	root.SetArgs(append([]string{"--config", a.configPath, "--data", a.dataDir}, args...))
	require.NoError(t, root.Execute())
	return out.String()
}
