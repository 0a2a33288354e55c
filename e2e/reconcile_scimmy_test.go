package e2e

import (
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/reconcile"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/sqlite"
)

// Reconciliation against an independent SCIM server (SCIMMY): a ghost is
// disabled, drift is put right, a JIT account is adopted, an orphan is
// reported and left alone — each read back from SCIMMY itself.
func TestReconcileAgainstSCIMMY(t *testing.T) {
	t.Parallel()
	if os.Getenv("TENURE_TEST_SCIMMY") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but TENURE_TEST_SCIMMY is unset")
		}
		t.Skip("set TENURE_TEST_SCIMMY=1 (CI does) to run against SCIMMY")
	}
	_, file, _, _ := runtime.Caller(0)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base, token, stop, err := scimload.StartSCIMMY(ctx, filepath.Join(filepath.Dir(file), "..", "bench", "scimmy"), 0)
	require.NoError(t, err)
	defer stop()
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
	for _, g := range []string{"staff", "admins"} {
		do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"`+g+`"}`)
	}
	conn, err := scimconn.New(ctx, scimconn.Config{BaseURL: base, Token: token, AllowLoopback: true, PageSize: 2})
	require.NoError(t, err)

	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	svc := &lifecycle.Service{Store: st, Actor: "e2e"}
	require.NoError(t, svc.CreateTenant(ctx, "acme"))
	tn, err := svc.Tenant(lifecycle.Settings{
		Tenant: "acme", GuardPercent: 100, GuardMax: 1000,
		Apps: map[string]plan.App{"crm": {ID: "crm", Tier: "standard", Deadline: time.Hour, Owner: "it@acme.example"}},
		Policy: policy.Document{
			Roles: []policy.Role{{ID: "staff", Grants: []policy.RoleGrant{{App: "crm", Entitlement: "staff"}}}},
			Rules: []policy.Rule{{Name: "all", When: `person.department == "Sales"`, Roles: []string{"staff"}}},
		},
	})
	require.NoError(t, err)
	eng, err := engine.New(ctx, engine.Config{
		Service: svc, DB: st.DB(), Workers: 2, MaxAttempts: 5,
		Tenants:    func(id string) (*lifecycle.Tenant, bool) { return tn, id == "acme" },
		Connectors: func(_, app string) (connector.Connector, bool) { return conn, app == "crm" },
		Backoff:    func(int) time.Duration { return 20 * time.Millisecond },
	})
	require.NoError(t, err)
	svc.Enqueue = eng.Enqueue
	require.NoError(t, eng.Start(ctx))
	t.Cleanup(func() { _ = eng.Stop(context.Background()) })
	idle := func() {
		t.Helper()
		require.Eventually(t, func() bool { n, err := eng.Pending(ctx); return err == nil && n == 0 }, time.Minute, 50*time.Millisecond)
	}
	roster := func(ids []string, leaver string) {
		t.Helper()
		var rows []hr.Row
		for i, id := range ids {
			p := person.Person{ID: id, Email: strings.ToLower(id) + "@acme.example", GivenName: "G", FamilyName: id, Department: "Sales"}
			if id == leaver {
				p.EndDate = person.Date(time.Now().Add(-72 * time.Hour))
			}
			rows = append(rows, hr.Row{Line: i + 2, Person: p})
		}
		_, err := tn.Import(ctx, rows, lifecycle.ImportOptions{Source: "roster", Full: true})
		require.NoError(t, err)
	}
	roster([]string{"E1", "E2", "E3"}, "")
	_, _, err = eng.Apply(ctx, tn)
	require.NoError(t, err)
	idle()
	// Then, unheard by Tenure: E3 leaves, E4 joins and signs in (JIT),
	// someone makes E1 an admin and adds an account for nobody.
	roster([]string{"E1", "E2", "E3", "E4"}, "E3")
	jit := do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"e4@acme.example","active":true}`)["id"].(string)
	orphan := do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"visitor@else.example","active":true}`)["id"].(string)
	require.NoError(t, conn.Grant(ctx, connector.Subject{PersonID: "E1"}, "admins"))

	res, err := reconcile.Run(ctx, tn, reconcile.App{ID: "crm", Policy: reconcile.DefaultPolicy()}, conn, reconcile.Options{})
	require.NoError(t, err)
	require.Equal(t, map[account.Class]int{account.InSync: 1, account.Ghost: 1, account.Drift: 1, account.Unmanaged: 1, account.Orphan: 1},
		res.Counts, "%+v", res.Findings)
	idle()

	read := func(s connector.Subject) account.Account {
		t.Helper()
		acc, err := conn.Read(ctx, s)
		require.NoError(t, err)
		return acc
	}
	require.Equal(t, account.Disabled, read(connector.Subject{PersonID: "E3"}).State, "ghost disabled")
	require.Equal(t, []string{"staff"}, read(connector.Subject{PersonID: "E1"}).Entitlements, "extra admins revoked")
	require.Equal(t, []string{"staff"}, read(connector.Subject{ExternalID: jit}).Entitlements, "JIT account adopted and granted")
	require.Equal(t, account.Enabled, read(connector.Subject{ExternalID: orphan}).State, "orphan reported, not touched")
	fs, err := tn.Findings(ctx, store.FindingFilter{Class: account.Orphan})
	require.NoError(t, err)
	require.Len(t, fs, 1)
	require.Equal(t, "visitor@else.example", fs[0].UserName)
	require.Equal(t, fmt.Sprint("report"), fs[0].Action)
}
