package engine_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/store"
)

// pgSchemaURL makes a fresh schema on TENURE_TEST_POSTGRES_URL's database
// and returns a URL whose connections use it; it skips without the
// variable (and fails under CI, which sets it).
func pgSchemaURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("TENURE_TEST_POSTGRES_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but TENURE_TEST_POSTGRES_URL is unset")
		}
		t.Skip("set TENURE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "tenure_replica_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = conn.Close(context.Background())
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Three replicas on one PostgreSQL share 1,000 leavers' removals; one is
// killed with SIGKILL midway. Every operation reaches the target exactly
// once, the work was shared, and the audit chain verifies.
func TestReplicasShareTheQueue(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs child processes")
	}
	db := pgSchemaURL(t)
	dir := t.TempDir()
	ctx := context.Background()
	st, svc, tn, eng, err := crashEngine(ctx, dir, db)
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, svc.CreateTenant(ctx, "acme"))
	const n = 1000
	rows := make([]hr.Row, n)
	ops := make([]plan.Operation, n)
	for i := range n {
		id := fmt.Sprintf("R%04d", i)
		rows[i] = hr.Row{Line: i + 1, Person: person.Person{ID: id, Email: id + "@acme.example"}}
		ops[i] = plan.Operation{Person: id, App: "github", Action: plan.Disable, Class: plan.Leaver, Tier: "crown-jewel",
			ExternalID: "gh-" + id, Since: time.Now()}
	}
	_, err = tn.Import(ctx, rows, lifecycle.ImportOptions{Source: "replicas", Full: true})
	require.NoError(t, err)
	require.NoError(t, svc.Store.Write(ctx, "acme", func(tx store.Tx) error {
		_, err := eng.Enqueue(ctx, tx, ops)
		return err
	}))

	target := &fileApp{path: filepath.Join(dir, "target.log")}
	done := func() (total int, by map[string]int) {
		by = map[string]int{}
		for l, c := range target.lines() {
			if _, who, ok := strings.Cut(l, " by "); ok {
				total += c
				by[who] += c
			}
		}
		return total, by
	}
	var children []*exec.Cmd
	for i := range 3 {
		children = append(children, startChild(t, dir, "TENURE_CRASH_DB="+db, fmt.Sprintf("TENURE_CRASH_NAME=replica-%d", i)))
	}
	defer func() {
		for _, c := range children {
			_ = c.Process.Signal(syscall.SIGKILL)
			_ = c.Wait()
		}
	}()
	require.Eventually(t, func() bool { total, _ := done(); return total >= n/4 }, 90*time.Second, 20*time.Millisecond)
	require.NoError(t, children[0].Process.Signal(syscall.SIGKILL))
	killedAt, _ := done()
	require.Eventually(t, func() bool {
		left, err := eng.Pending(ctx)
		return err == nil && left == 0
	}, 120*time.Second, 100*time.Millisecond, "the survivors never drained the queue")

	lines := target.lines()
	total, by := done()
	require.Equal(t, n, total, "every operation reached the target exactly once: %v", by)
	for i := range n {
		id := fmt.Sprintf("R%04d", i)
		c := 0
		for l, k := range lines {
			if strings.HasPrefix(l, "disable "+id+" by ") {
				c += k
			}
		}
		require.Equal(t, 1, c, "%s disabled once", id)
	}
	require.GreaterOrEqual(t, len(by), 2, "the replicas shared the work: %v", by)
	_, err = svc.VerifyAudit(ctx, "acme")
	require.NoError(t, err)
	t.Logf("replica-0 killed after %d of %d; done per replica: %v", killedAt, n, by)
}
