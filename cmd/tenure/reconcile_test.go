package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const reconcileConfig = `tenants:
  - id: acme
    apps:
      - id: wiki
        owner: it@acme.example
        connector: {type: scim, url: "%s/scim/v2", token_env: WIKI_TOKEN}
        reconcile:
          policy: {orphan: report, ghost: disable}
        service_accounts: {match: "svc-*", owner_attribute: externalId}
      - id: payroll
        owner: finance@acme.example
        connector: {type: manual}
    roles:
      - id: staff
        grants: [{app: wiki}]
    birthright:
      - name: everyone
        when: 'person.department == "Engineering"'
        roles: [staff]
`

// cli runs tenure in a child process (the connector reads its token and
// the loopback permission from the environment).
func cli(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	full := append([]string{"-test.run=^$", "--", "--config", filepath.Join(dir, "tenure.yaml"), "--data", filepath.Join(dir, "data")}, args...)
	cmd := exec.Command(os.Args[0], full...)
	cmd.Env = append(os.Environ(), "TENURE_RUN_MAIN=1", "WIKI_TOKEN=tok", "TENURE_ALLOW_LOOPBACK_TARGETS=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestReconcileCLI(t *testing.T) {
	t.Parallel()
	target := newSCIMTarget(t, "tok")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tenure.yaml"), fmt.Appendf(nil, reconcileConfig, target.srv.URL), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "roster.csv"), []byte(
		"employeeId,email,givenName,familyName,department,endDate\n"+
			"E1,e1@acme.example,Ann,One,Engineering,\n"+
			"E2,e2@acme.example,Bo,Two,Engineering,\n"+
			"E3,e3@acme.example,Cy,Three,Engineering,2020-01-31\n"), 0o600))
	must := func(args ...string) string {
		t.Helper()
		out, err := cli(t, dir, args...)
		require.NoError(t, err, "tenure %s: %s", strings.Join(args, " "), out)
		return out
	}
	must("tenant", "create", "acme")
	must("hr", "import", "--tenant", "acme", filepath.Join(dir, "roster.csv"))
	must("apply", "--tenant", "acme")
	post := func(userName, ext string) string {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"externalId":%q,"active":true}`, userName, ext)
		req, _ := http.NewRequest("POST", target.srv.URL+"/scim/v2/Users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", out)
		return out["id"].(string)
	}
	ghost := post("e3@acme.example", "E3") // a leaver's account someone made by hand
	post("nobody@old.example", "")
	post("svc-ci", "E3") // owned by the leaver

	out := must("reconcile", "--tenant", "acme", "--dry-run")
	require.Contains(t, out, "wiki: 5 accounts: 2 in-sync, 1 ghost, 1 orphan, 1 service")
	require.Contains(t, out, "dry run: would queue")
	require.Contains(t, out, "skipped payroll: a manual app")
	users, _, _ := target.counts()
	require.Zero(t, users, "dry run disabled nothing")
	out = must("report", "accounts", "--tenant", "acme", "--class", "ghost")
	require.Contains(t, out, "No accounts found", "dry run stored nothing")

	out = must("reconcile", "--tenant", "acme", "--app", "wiki")
	require.Contains(t, out, "ghost      disable   e3@acme.example (E3)")
	require.Contains(t, out, "orphan     report    nobody@old.example")
	users, _, _ = target.counts()
	require.Equal(t, 1, users, "the ghost, and only it, was disabled")
	require.Equal(t, 1, target.deactivate[ghost])

	var ghosts []map[string]any
	require.NoError(t, json.Unmarshal([]byte(must("report", "accounts", "--tenant", "acme", "--class", "ghost", "--format", "json")), &ghosts))
	require.Len(t, ghosts, 1)
	require.Equal(t, "E3", ghosts[0]["person"])
	csvOut := must("report", "accounts", "--tenant", "acme", "--class", "orphan", "--format", "csv")
	require.Contains(t, csvOut, "app,externalId,userName,class,person,state,action,detail\n")
	require.Contains(t, csvOut, ",nobody@old.example,orphan,,enabled,report,no person matches this account\n")
	out = must("report", "service-accounts", "--tenant", "acme")
	require.Regexp(t, `wiki\s+svc-ci\s+GONE E3\s+enabled\s+transfer`, out)

	// A manual app, from its owner's export: a malformed file is refused
	// whole with its line, a good one finds the orphan.
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("userName,status\ne1@acme.example,enabled\nx,maybe\n"), 0o600))
	out, err := cli(t, dir, "reconcile", "--tenant", "acme", "--app", "payroll", "--export", bad)
	require.Error(t, err)
	require.Contains(t, out, bad+` line 3: status "maybe": want enabled or disabled`)
	good := filepath.Join(dir, "payroll.csv")
	require.NoError(t, os.WriteFile(good, []byte("userName,email,externalId\nann,e1@acme.example,E1\nold-temp,,\n"), 0o600))
	out = must("reconcile", "--tenant", "acme", "--app", "payroll", "--export", good)
	require.Contains(t, out, "payroll: 2 accounts:")
	require.Contains(t, must("report", "accounts", "--tenant", "acme", "--class", "orphan", "--app", "payroll"), "old-temp")

	_, err = cli(t, dir, "report", "accounts", "--tenant", "acme", "--class", "zombie")
	require.Error(t, err)
}

// A reconciliation that would disable more than the guard allows is held
// whole; approving it queues and works the disables.
func TestReconcileHeldThenApprovedCLI(t *testing.T) {
	t.Parallel()
	target := newSCIMTarget(t, "tok")
	dir := t.TempDir()
	cfg := strings.Replace(fmt.Sprintf(reconcileConfig, target.srv.URL), "  - id: acme\n", "  - id: acme\n    guard: {max_removals: 1}\n", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tenure.yaml"), []byte(cfg), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "roster.csv"), []byte(
		"employeeId,email,givenName,familyName,department,endDate\n"+
			"E1,e1@acme.example,Ann,One,Engineering,\n"+
			"E3,e3@acme.example,Cy,Three,Engineering,2020-01-31\n"+
			"E4,e4@acme.example,Di,Four,Engineering,2020-01-31\n"), 0o600))
	must := func(args ...string) string {
		t.Helper()
		out, err := cli(t, dir, args...)
		require.NoError(t, err, "tenure %s: %s", strings.Join(args, " "), out)
		return out
	}
	must("tenant", "create", "acme")
	must("hr", "import", "--tenant", "acme", filepath.Join(dir, "roster.csv"))
	for _, u := range []string{"e3@acme.example", "e4@acme.example"} {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"externalId":%q,"active":true}`,
			u, strings.ToUpper(u[:2]))
		req, _ := http.NewRequest("POST", target.srv.URL+"/scim/v2/Users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusCreated, resp.StatusCode)
	}
	out := must("reconcile", "--tenant", "acme", "--app", "wiki")
	require.Contains(t, out, "HELD as batch ")
	require.Contains(t, out, "it would take access from 2 accounts (the guard allows 1)")
	users, _, _ := target.counts()
	require.Zero(t, users, "held: nothing disabled")
	id := strings.Fields(out[strings.Index(out, "HELD as batch ")+len("HELD as batch "):])[0]
	id = strings.TrimSuffix(id, ":")
	require.Contains(t, must("hr", "pending", "--tenant", "acme"), id)
	must("hr", "approve", "--tenant", "acme", id)
	users, requests, _ := target.counts()
	require.Equal(t, 2, users, "approved: both ghosts disabled")
	require.Equal(t, 2, requests)
	require.Contains(t, must("report", "accounts", "--tenant", "acme", "--class", "ghost"), "disable")
}
