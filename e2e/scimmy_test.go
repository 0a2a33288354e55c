package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/bench/scimload"
	"github.com/tenure-dev/tenure/connector"
	scimconn "github.com/tenure-dev/tenure/connector/scim"
)

// The connector against an independent SCIM implementation: SCIMMY
// (npm scimmy + scimmy-routers, pinned in bench/scimmy). A joiner is
// created and granted a group, a mover's groups change, a leaver is
// disabled — each read back from SCIMMY itself.
func TestConnectorAgainstSCIMMY(t *testing.T) {
	t.Parallel()
	base, token := startSCIMMY(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	do := func(method, path, body string) map[string]any {
		req, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
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
	for _, g := range []string{"engineering", "support"} {
		do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"`+g+`"}`)
	}
	conn, err := scimconn.New(ctx, scimconn.Config{BaseURL: base, Token: token, AllowLoopback: true})
	require.NoError(t, err)
	gm := connector.GroupManager(conn)
	ann := connector.Subject{PersonID: "E1", Email: "ann@acme.example", UserName: "ann@acme.example", GivenName: "Ann", FamilyName: "Lee", DisplayName: "Ann Lee"}

	// Joiner: created, then granted support; read back from SCIMMY.
	acc, err := conn.Ensure(ctx, ann)
	require.NoError(t, err)
	require.NoError(t, gm.Grant(ctx, ann, "support"))
	got, err := conn.Read(ctx, ann)
	require.NoError(t, err)
	require.Equal(t, acc.ExternalID, got.ExternalID)
	require.Equal(t, account.Enabled, got.State)
	require.Equal(t, []string{"support"}, got.Entitlements)
	again, err := conn.Ensure(ctx, ann)
	require.NoError(t, err)
	require.Equal(t, acc.ExternalID, again.ExternalID, "ensuring twice adopts, never duplicates")
	users := do("GET", "/Users", "")
	require.Equal(t, float64(1), users["totalResults"])

	// Mover: support out, engineering in.
	require.NoError(t, gm.Revoke(ctx, ann, "support"))
	require.NoError(t, gm.Grant(ctx, ann, "engineering"))
	got, err = conn.Read(ctx, ann)
	require.NoError(t, err)
	require.Equal(t, []string{"engineering"}, got.Entitlements)

	// Leaver: disabled, verified by reading back; disabling again is a no-op.
	require.NoError(t, conn.Disable(ctx, ann))
	require.NoError(t, conn.Disable(ctx, ann))
	got, err = conn.Read(ctx, ann)
	require.NoError(t, err)
	require.Equal(t, account.Disabled, got.State)
	u := do("GET", "/Users/"+acc.ExternalID, "")
	require.Equal(t, false, u["active"], "SCIMMY itself holds the account disabled")

	// Rehire re-enables the same account; delete removes it.
	got, err = conn.Ensure(ctx, ann)
	require.NoError(t, err)
	require.Equal(t, acc.ExternalID, got.ExternalID)
	require.Equal(t, account.Enabled, got.State)
	require.NoError(t, conn.Delete(ctx, ann))
	_, err = conn.Read(ctx, ann)
	require.ErrorIs(t, err, connector.ErrNotFound)
}

// startSCIMMY runs SCIMMY for the test (skipping without
// TENURE_TEST_SCIMMY, failing under CI without it) and returns its SCIM
// root and token.
func startSCIMMY(t *testing.T) (base, token string) {
	t.Helper()
	if os.Getenv("TENURE_TEST_SCIMMY") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but TENURE_TEST_SCIMMY is unset")
		}
		t.Skip("set TENURE_TEST_SCIMMY=1 (CI does) to run against SCIMMY")
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "bench", "scimmy")
	// The process lives as long as ctx: until the test's cleanup.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	base, token, stop, err := scimload.StartSCIMMY(ctx, dir, 0)
	require.NoError(t, err)
	t.Cleanup(stop)
	return base, token
}

// The whole engine path against SCIMMY: HR imports become plans, the plans
// are queued, and the queue's workers drive the connector into SCIMMY —
// 12 joiners with their groups, a mover's group change, a leaver disabled
// and verified by read-back — with SCIMMY's own state checked directly at
// the end, and nothing left to plan.
func TestEngineProvisionsSCIMMY(t *testing.T) {
	t.Parallel()
	base, token := startSCIMMY(t)
	for _, g := range []string{"engineering", "support"} {
		scimDo(t, base, token, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"`+g+`"}`)
	}
	w := newWorld(t, map[string]time.Duration{"github": 15 * time.Minute}, nil)
	conn, err := scimconn.New(w.ctx, scimconn.Config{BaseURL: base, Token: token, AllowLoopback: true})
	require.NoError(t, err)
	w.start(t, map[string]connector.Connector{"github": conn}, 20*time.Millisecond, nil)

	rows := w.day1(t, 12)
	w.day2(t, rows)
	w.requireConverged(t, base, token)
	clocks, err := w.acme.Clocks(w.ctx)
	require.NoError(t, err)
	require.Len(t, clocks, 1)
	require.Equal(t, "E02", clocks[0].PersonID)
	require.Equal(t, "verified:disable", clocks[0].StoppedBy, "the leaver clock stopped on SCIMMY's read-back")
}
