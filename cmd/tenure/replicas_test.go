package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
)

// TestMain lets tests run the real CLI in a child process: the test binary
// re-executed with TENURE_RUN_MAIN=1 runs `tenure` with the arguments after
// "--", exactly as the binary does.
func TestMain(m *testing.M) {
	if os.Getenv("TENURE_RUN_MAIN") == "1" {
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		root := newRoot(os.Stdout, os.Stderr)
		root.SetArgs(args)
		err := root.ExecuteContext(ctx)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// scimTarget is a SCIM app (our SCIM server, in memory) that counts the
// requests that deactivate each user: what "exactly once at the target" is
// measured by.
type scimTarget struct {
	srv        *httptest.Server
	mu         sync.Mutex
	deactivate map[string]int // user id → PATCH/PUT requests setting active false
}

func newSCIMTarget(t *testing.T, token string) *scimTarget {
	t.Helper()
	st := &scimTarget{deactivate: map[string]int{}}
	h := http.StripPrefix("/scim/v2", server.New(server.Config{Store: memstore.New()}))
	idRe := regexp.MustCompile(`^/scim/v2/Users/([^/?]+)$`)
	st.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		if m := idRe.FindStringSubmatch(r.URL.Path); m != nil && (r.Method == http.MethodPatch || r.Method == http.MethodPut) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if regexp.MustCompile(`"active"\s*:\s*false|"value"\s*:\s*false`).Match(body) && bytes.Contains(bytes.ToLower(body), []byte("active")) {
				st.mu.Lock()
				st.deactivate[m[1]]++
				st.mu.Unlock()
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(st.srv.Close)
	return st
}

func (s *scimTarget) counts() (users, requests int, twice []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, n := range s.deactivate {
		users++
		requests += n
		if n > 1 {
			twice = append(twice, id)
		}
	}
	return users, requests, twice
}

// startServe runs `tenure serve` in a child process and returns its URL.
func startServe(t *testing.T, env []string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(append(os.Environ(), "TENURE_RUN_MAIN=1"), env...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, stderr) }()
			return cmd, u
		}
	}
	t.Fatal("serve exited before listening")
	return nil, ""
}

// Three `tenure serve` replicas on one PostgreSQL, three SCIM apps as the
// targets, 1,000 leavers pushed through the HR events API; one replica is
// killed with SIGKILL midway. Every leaver is deactivated in every app
// exactly once, every leaver clock stops, and the audit chain verifies.
func TestServeReplicasLeaversExactlyOnce(t *testing.T) {
	// Not parallel: it sets the environment the in-process CLI reads.
	if testing.Short() {
		t.Skip("runs child processes")
	}
	db := pgURL(t)
	b := setup(t)
	const token = "target-secret-7f3a"
	appIDs := []string{"github", "slack", "zendesk"}
	targets := map[string]*scimTarget{}
	var appsYAML, grants strings.Builder
	for i, id := range appIDs {
		targets[id] = newSCIMTarget(t, token)
		tier := "standard"
		if i == 0 {
			tier = "crown-jewel"
		}
		fmt.Fprintf(&appsYAML, "      - {id: %s, tier: %s, owner: it-ops@acme.example, connector: {type: scim, url: %q, token_env: TARGET_TOKEN}}\n",
			id, tier, targets[id].srv.URL+"/scim/v2")
		fmt.Fprintf(&grants, "{app: %s}, ", id)
	}
	const n = 1000
	cfg := fmt.Sprintf(`tenants:
  - id: acme
    guard: {max_removals_percent: 100, max_removals: 100000}
    apps:
%s    roles: [{id: staff, grants: [%s]}]
    birthright: [{name: everyone, when: "true", roles: [staff]}]
`, appsYAML.String(), strings.TrimSuffix(grants.String(), ", "))
	counts := func() (users, requests int, twice []string) {
		for _, id := range appIDs {
			u, r, tw := targets[id].counts()
			users, requests = users+u, requests+r
			for _, x := range tw {
				twice = append(twice, id+"/"+x)
			}
		}
		return users, requests, twice
	}
	require.NoError(t, os.WriteFile(b.path("replicas.yaml"), []byte(cfg), 0o600))
	var roster strings.Builder
	roster.WriteString("employeeId,email,startDate\n")
	for i := range n {
		fmt.Fprintf(&roster, "P%04d,p%04d@acme.example,2024-01-01\n", i, i)
	}
	require.NoError(t, os.WriteFile(b.path("roster.csv"), []byte(roster.String()), 0o600))
	env := []string{"TARGET_TOKEN=" + token, "TENURE_ALLOW_LOOPBACK_TARGETS=1", "TENURE_DATABASE_URL=" + db}
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		t.Setenv(k, v) // the in-process CLI calls below see them too
	}
	cli := func(args ...string) string {
		return b.must(t, append([]string{"--config", b.path("replicas.yaml")}, args...)...)
	}
	cli("tenant", "create", "acme")
	cli("hr", "import", "--tenant", "acme", b.path("roster.csv"))
	require.Contains(t, cli("apply", "--tenant", "acme"), "done.", "day one: 1,000 accounts created in each of the 3 apps")
	hrTok := strings.TrimSpace(cli("token", "create", "--tenant", "acme", "--scope", "hr:write"))

	var replicas []*exec.Cmd
	var urls []string
	for range 3 {
		c, u := startServe(t, env, "--config", b.path("replicas.yaml"), "--data", b.path("data"),
			"serve", "--addr", "127.0.0.1:0", "--job-timeout", "2s", "--rescue-after", "3s", "--log-format", "json")
		replicas, urls = append(replicas, c), append(urls, u)
	}
	defer func() {
		for _, c := range replicas {
			_ = c.Process.Signal(syscall.SIGKILL)
			_ = c.Wait()
		}
	}()

	events := make([]map[string]string, n)
	for i := range events {
		events[i] = map[string]string{"id": fmt.Sprintf("leave-%04d", i), "employeeId": fmt.Sprintf("P%04d", i),
			"status": "terminated", "endDate": "2026-11-21"}
	}
	body, _ := json.Marshal(events)
	req, _ := http.NewRequest("POST", urls[0]+"/t/acme/api/v1/hr/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+hrTok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	require.Eventually(t, func() bool { users, _, _ := counts(); return users >= 3*n/4 }, 180*time.Second, 20*time.Millisecond)
	require.NoError(t, replicas[1].Process.Signal(syscall.SIGKILL))
	killedAt, _, _ := counts()

	require.Eventually(t, func() bool {
		var rep struct {
			Open []json.RawMessage `json:"open"`
		}
		out := cli("sla", "--tenant", "acme", "--format", "json")
		return json.Unmarshal([]byte(out), &rep) == nil && len(rep.Open) == 0
	}, 180*time.Second, 500*time.Millisecond, "leaver clocks never all stopped")

	users, requests, twice := counts()
	require.Equal(t, 3*n, users, "every leaver deactivated in every app")
	require.Empty(t, twice, "no leaver deactivated twice in any app")
	require.Equal(t, 3*n, requests)
	require.Contains(t, cli("audit", "verify", "--tenant", "acme"), "entries intact")
	for _, i := range []int{0, 2} {
		require.NoError(t, replicas[i].Process.Signal(syscall.SIGTERM))
		require.NoError(t, replicas[i].Wait(), "a replica stops cleanly on SIGTERM")
	}
	replicas = nil
	t.Logf("replica 1 killed after %d of %d removals; each done exactly once", killedAt, 3*n)
}
