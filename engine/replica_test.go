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
	u, drop, err := benchSchema(context.Background(), base)
	require.NoError(t, err)
	t.Cleanup(drop)
	return u
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

// BenchmarkReplicas measures leavers per second worked by 1, 2 and 3
// replicas sharing one PostgreSQL queue (4 workers each; the target is the
// file connector, which reads state before and after each removal).
//
//	TENURE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./engine -run '^$' -bench BenchmarkReplicas -benchtime 1x
func BenchmarkReplicas(b *testing.B) {
	for _, k := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("replicas=%d", k), func(b *testing.B) {
			for b.Loop() {
				rate := replicaRun(b, k, 2000)
				b.ReportMetric(rate, "leavers/s")
			}
		})
	}
}

func replicaRun(b *testing.B, k, n int) float64 {
	base := os.Getenv("TENURE_TEST_POSTGRES_URL")
	if base == "" {
		b.Skip("set TENURE_TEST_POSTGRES_URL")
	}
	ctx := context.Background()
	db, drop, err := benchSchema(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	defer drop()
	dir := b.TempDir()
	st, svc, tn, eng, err := crashEngine(ctx, dir, db)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := svc.CreateTenant(ctx, "acme"); err != nil {
		b.Fatal(err)
	}
	rows := make([]hr.Row, n)
	ops := make([]plan.Operation, n)
	for i := range n {
		id := fmt.Sprintf("B%05d", i)
		rows[i] = hr.Row{Line: i + 1, Person: person.Person{ID: id}}
		ops[i] = plan.Operation{Person: id, App: "github", Action: plan.Disable, Class: plan.Leaver, Tier: "crown-jewel", Since: time.Now()}
	}
	if _, err := tn.Import(ctx, rows, lifecycle.ImportOptions{Source: "bench", Full: true}); err != nil {
		b.Fatal(err)
	}
	if err := svc.Store.Write(ctx, "acme", func(tx store.Tx) error {
		_, err := eng.Enqueue(ctx, tx, ops)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	var children []*exec.Cmd
	for i := range k {
		cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
		cmd.Env = append(os.Environ(), "TENURE_CRASH_CHILD="+dir, "TENURE_CRASH_DB="+db, fmt.Sprintf("TENURE_CRASH_NAME=r%d", i))
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		children = append(children, cmd)
	}
	defer func() {
		for _, c := range children {
			_ = c.Process.Signal(syscall.SIGKILL)
			_ = c.Wait()
		}
	}()
	for {
		left, err := eng.Pending(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if left == 0 {
			break
		}
		if time.Since(start) > 5*time.Minute {
			b.Fatalf("%d left after 5 minutes", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return float64(n) / time.Since(start).Seconds()
}

func benchSchema(ctx context.Context, base string) (string, func(), error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "tenure_rbench_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, err
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = conn.Close(context.Background())
	}, nil
}
