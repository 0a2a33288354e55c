package engine_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/postgres"
	"github.com/tenure-dev/tenure/store/sqlite"
)

// The crash test runs the engine in a child process (this test binary,
// re-executed with TENURE_CRASH_CHILD set) so it can be killed for real.
func TestMain(m *testing.M) {
	if dir := os.Getenv("TENURE_CRASH_CHILD"); dir != "" {
		if err := crashChild(dir, os.Getenv("TENURE_CRASH_DB")); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fileApp is a connector whose target is a log file outside the engine's
// process: every mutation is an fsynced line, so what reached the target is
// counted exactly, across crashes.
type fileApp struct {
	mu   sync.Mutex
	path string
	// who tags each line with the replica that wrote it.
	who string
}

func (f *fileApp) lines() map[string]int {
	out := map[string]int{}
	fh, err := os.Open(f.path)
	if err != nil {
		return out
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		out[sc.Text()]++
	}
	return out
}

func (f *fileApp) append(line string) error {
	fh, err := os.OpenFile(f.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer fh.Close()
	if _, err := fh.WriteString(line + "\n"); err != nil {
		return err
	}
	return fh.Sync()
}

func (f *fileApp) Read(_ context.Context, s connector.Subject) (account.Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ls := f.lines()
	acc := account.Account{App: "github", ExternalID: "gh-" + s.PersonID, PersonID: s.PersonID, State: account.Enabled}
	if ls["disable "+s.PersonID] > 0 || disabledByAnyone(ls, s.PersonID) {
		acc.State = account.Disabled
	}
	return acc, nil
}

func (f *fileApp) Ensure(context.Context, connector.Subject) (account.Account, error) {
	return account.Account{}, connector.NewPermanent(fmt.Errorf("not in this test"), "")
}

func (f *fileApp) Disable(_ context.Context, s connector.Subject) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	time.Sleep(time.Millisecond) // a remote call takes a moment; leaves room to crash mid-batch
	line := "disable " + s.PersonID
	if f.who != "" {
		line += " by " + f.who
	}
	return f.append(line)
}

// disabledByAnyone reports a disable by any replica.
func disabledByAnyone(ls map[string]int, personID string) bool {
	for l := range ls {
		if strings.HasPrefix(l, "disable "+personID+" by ") {
			return true
		}
	}
	return false
}

func (f *fileApp) Delete(context.Context, connector.Subject) error { return nil }

// crashEngine opens the store (PostgreSQL when dbURL is set, else SQLite
// in dir) and an engine on it whose github connector is the target file.
func crashEngine(ctx context.Context, dir, dbURL string) (store.Store, *lifecycle.Service, *lifecycle.Tenant, *engine.Engine, error) {
	var (
		st   store.Store
		db   *sql.DB
		pool *pgxpool.Pool
		err  error
	)
	if dbURL != "" {
		var ps *postgres.Store
		ps, err = postgres.Open(ctx, dbURL)
		st, pool = ps, nil
		if err == nil {
			pool = ps.Pool()
		}
	} else {
		var ss *sqlite.Store
		ss, err = sqlite.Open(ctx, filepath.Join(dir, "tenure.db"))
		st = ss
		if err == nil {
			db = ss.DB()
		}
	}
	if err != nil {
		return nil, nil, nil, nil, err
	}
	f, err := config.Parse(config.Example(), "example.yaml")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cfg, _ := f.Tenant("acme")
	svc := &lifecycle.Service{Store: st, Actor: "test"}
	tn, err := svc.Tenant(lifecycle.FromConfig(cfg))
	if err != nil {
		return nil, nil, nil, nil, err
	}
	app := &fileApp{path: filepath.Join(dir, "target.log"), who: os.Getenv("TENURE_CRASH_NAME")}
	eng, err := engine.New(ctx, engine.Config{
		Service: svc, DB: db, Pool: pool, Workers: 4,
		Tenants:    func(id string) (*lifecycle.Tenant, bool) { return tn, id == "acme" },
		Connectors: func(_, a string) (connector.Connector, bool) { return app, a == "github" },
		JobTimeout: 2 * time.Second, RescueAfter: 3 * time.Second,
		Backoff: func(int) time.Duration { return 50 * time.Millisecond },
	})
	return st, svc, tn, eng, err
}

func crashChild(dir, dbURL string) error {
	ctx := context.Background()
	_, _, _, eng, err := crashEngine(ctx, dir, dbURL)
	if err != nil {
		return err
	}
	if err := eng.Start(ctx); err != nil {
		return err
	}
	select {} // until killed
}

func startChild(t *testing.T, dir string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "TENURE_CRASH_CHILD="+dir), env...)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	return cmd
}

func TestCrashSafety(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills a child process")
	}
	dir := t.TempDir()
	ctx := context.Background()
	st, svc, tn, eng, err := crashEngine(ctx, dir, "")
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, svc.CreateTenant(ctx, "acme"))
	const n = 1000
	rows := make([]hr.Row, n)
	ops := make([]plan.Operation, n)
	for i := range n {
		id := fmt.Sprintf("L%04d", i)
		rows[i] = hr.Row{Line: i + 1, Person: person.Person{ID: id, Email: id + "@acme.example"}}
		ops[i] = plan.Operation{Person: id, App: "github", Action: plan.Disable, Class: plan.Leaver, Tier: "crown-jewel",
			ExternalID: "gh-" + id, Since: time.Now()}
	}
	_, err = tn.Import(ctx, rows, lifecycle.ImportOptions{Source: "crash", Full: true})
	require.NoError(t, err)
	require.NoError(t, svc.Store.Write(ctx, "acme", func(tx store.Tx) error {
		_, err := eng.Enqueue(ctx, tx, ops)
		return err
	}))
	target := &fileApp{path: filepath.Join(dir, "target.log")}
	countDone := func() int {
		c := 0
		for l := range target.lines() {
			if strings.HasPrefix(l, "disable ") {
				c++
			}
		}
		return c
	}

	child := startChild(t, dir)
	require.Eventually(t, func() bool { return countDone() >= n/4 }, 60*time.Second, 10*time.Millisecond)
	require.NoError(t, child.Process.Signal(syscall.SIGKILL))
	_ = child.Wait()
	killedAt := countDone()
	require.Less(t, killedAt, n, "the kill came too late to test anything")

	child = startChild(t, dir)
	defer func() { _ = child.Process.Signal(syscall.SIGKILL); _ = child.Wait() }()
	require.Eventually(t, func() bool {
		left, err := eng.Pending(ctx)
		return err == nil && left == 0
	}, 90*time.Second, 100*time.Millisecond, "the queue never drained after the restart")

	lines := target.lines()
	for i := range n {
		require.Equal(t, 1, lines[fmt.Sprintf("disable L%04d", i)], "L%04d disabled once at the target", i)
	}
	var clocks int
	require.NoError(t, svc.Store.Read(ctx, "acme", func(tx store.Tx) error {
		open, err := tx.Clocks().List(ctx, true)
		clocks = len(open)
		return err
	}))
	require.Zero(t, clocks, "every leaver clock stopped by verification")
	_, err = svc.VerifyAudit(ctx, "acme")
	require.NoError(t, err)
	t.Logf("killed after %d of %d operations; all %d done exactly once after restart", killedAt, n, n)
}
