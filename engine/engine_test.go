package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/memory"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/examples"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/sla"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/sqlite"
	"github.com/tenure-dev/tenure/task"
)

type testBundle struct {
	ctx    context.Context
	svc    *lifecycle.Service
	tenant *lifecycle.Tenant
	cfg    *config.Tenant
	eng    *engine.Engine
	apps   map[string]*memory.App
	events <-chan *river.Event
}

func setup(t *testing.T, workers int) *testBundle {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	f, err := config.Parse(config.Example(), "example.yaml")
	require.NoError(t, err)
	cfg, _ := f.Tenant("acme")
	svc := &lifecycle.Service{Store: st, Actor: "test"}
	require.NoError(t, svc.CreateTenant(ctx, "acme"))
	tn, err := svc.Tenant(lifecycle.FromConfig(cfg))
	require.NoError(t, err)
	b := &testBundle{ctx: ctx, svc: svc, tenant: tn, cfg: cfg, apps: map[string]*memory.App{}}
	for _, a := range cfg.Apps {
		if a.Connector.Type != config.ConnectorManual {
			b.apps[a.ID] = memory.New(a.ID)
		}
	}
	b.eng, err = engine.New(ctx, engine.Config{
		Service: svc, DB: st.DB(), Workers: workers, MaxAttempts: 4,
		Tenants: func(id string) (*lifecycle.Tenant, bool) { return tn, id == "acme" },
		Connectors: func(_, app string) (connector.Connector, bool) {
			a, ok := b.apps[app]
			return a, ok
		},
		Backoff: func(int) time.Duration { return 10 * time.Millisecond },
	})
	require.NoError(t, err)
	var cancel func()
	b.events, cancel = b.eng.Subscribe()
	t.Cleanup(cancel)
	return b
}

func (b *testBundle) start(t *testing.T) {
	t.Helper()
	require.NoError(t, b.eng.Start(b.ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = b.eng.Stop(ctx)
	})
}

// waitIdle waits until no job is left unfinished, by finished-job events.
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
			res, _ := b.eng.Jobs(b.ctx)
			t.Fatalf("queue not idle: %d jobs left: %s", n, res)
		}
	}
}

func (b *testBundle) importFile(t *testing.T, name string) {
	t.Helper()
	data, err := examples.FS.ReadFile(name)
	require.NoError(t, err)
	rows, err := hr.Parse(bytes.NewReader(data), name, hr.CSV, lifecycle.Mapping(b.cfg))
	require.NoError(t, err)
	res, err := b.tenant.Import(b.ctx, rows, lifecycle.ImportOptions{Source: name, Full: true})
	require.NoError(t, err)
	require.Empty(t, res.Held)
}

func (b *testBundle) apply(t *testing.T) plan.Plan {
	t.Helper()
	pl, _, err := b.eng.Apply(b.ctx, b.tenant)
	require.NoError(t, err)
	b.waitIdle(t)
	return pl
}

func (b *testBundle) tasks(t *testing.T, f store.TaskFilter) []task.Task {
	t.Helper()
	var out []task.Task
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		out, err = tx.Tasks().List(b.ctx, f)
		return err
	}))
	return out
}

func TestApplyJoinerMoverLeaver(t *testing.T) {
	t.Parallel()
	b := setup(t, 2)
	b.start(t)
	b.importFile(t, "roster-day1.csv")
	b.apply(t)

	gh, err := b.apps["github"].Read(b.ctx, connector.Subject{PersonID: "E1002"})
	require.NoError(t, err)
	require.Equal(t, []string{"engineering"}, gh.Entitlements)
	require.Len(t, b.tasks(t, store.TaskFilter{App: "payroll", Status: task.Open}), 6,
		"payroll has no API: 3 finance people × (create + grant viewer)")

	// The known actual state now matches: only the manual payroll work remains planned.
	pl, err := b.tenant.Plan(b.ctx, "")
	require.NoError(t, err)
	for _, o := range pl.Operations {
		require.Equal(t, "payroll", o.App, "%+v", o)
	}

	// Finance IT does the payroll work by hand and says so.
	for _, tk := range b.tasks(t, store.TaskFilter{App: "payroll", Status: task.Open}) {
		_, err := b.tenant.CompleteTask(b.ctx, tk.ID, "done in payroll UI")
		require.NoError(t, err)
	}
	_, err = b.tenant.CompleteTask(b.ctx, "nope", "")
	require.ErrorContains(t, err, "no task")
	pl, err = b.tenant.Plan(b.ctx, "")
	require.NoError(t, err)
	require.Empty(t, pl.Operations, "done tasks are the known actual state")

	b.apps["slack"].Seed(account.Account{PersonID: "E1007", ExternalID: "x", State: account.Enabled}, 3)
	b.importFile(t, "roster-day2.csv")
	b.apply(t)

	// The leaver: disabled and signed out everywhere it has an API, verified.
	for _, app := range []string{"slack", "google-workspace"} {
		acc, err := b.apps[app].Read(b.ctx, connector.Subject{PersonID: "E1007"})
		require.NoError(t, err)
		require.Equal(t, account.Disabled, acc.State, app)
		require.Zero(t, b.apps[app].Sessions("E1007"), app)
	}
	// The mover subtracts: zendesk agent gone, engineering granted.
	zd, err := b.apps["zendesk"].Read(b.ctx, connector.Subject{PersonID: "E1004"})
	require.NoError(t, err)
	require.Empty(t, zd.Entitlements)
	require.Equal(t, account.Disabled, zd.State)
	gh, err = b.apps["github"].Read(b.ctx, connector.Subject{PersonID: "E1004"})
	require.NoError(t, err)
	require.Equal(t, []string{"engineering"}, gh.Entitlements)

	// The leaver's payroll removal is a task due by the crown-jewel deadline.
	var leaverTask *task.Task
	for _, tk := range b.tasks(t, store.TaskFilter{PersonID: "E1007", Status: task.Open}) {
		if tk.Action == "disable" {
			leaverTask = &tk
		}
	}
	require.NotNil(t, leaverTask)
	require.Equal(t, "finance-it@acme.example", leaverTask.Assignee)
	require.WithinDuration(t, leaverTask.CreatedAt.Add(15*time.Minute), leaverTask.Due, time.Second)

	// The leaver clock: stopped by verification where a connector acted,
	// open on payroll until finance marks the task done. HR told us two
	// days after the termination date, so every clock is already breached.
	rep, err := b.tenant.SLA(b.ctx)
	require.NoError(t, err)
	stopped := map[string]string{}
	for _, c := range b.clocks(t) {
		require.Equal(t, "E1007", c.PersonID)
		require.Equal(t, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), c.StartedAt)
		stopped[c.App] = c.StoppedBy
	}
	require.Equal(t, map[string]string{"google-workspace": "verified:disable", "slack": "verified:disable", "payroll": ""}, stopped)
	require.Len(t, rep.Open, 1)
	require.Equal(t, "payroll", rep.Open[0].App)
	require.Equal(t, rep.Open[0].StartedAt.Add(15*time.Minute), rep.Open[0].Deadline, "crown-jewel deadline")
	require.Len(t, rep.Breached, 3)

	_, err = b.tenant.CompleteTask(b.ctx, leaverTask.ID, "locked in payroll")
	require.NoError(t, err)
	rep, err = b.tenant.SLA(b.ctx)
	require.NoError(t, err)
	require.Empty(t, rep.Open, "the done task stopped the payroll clock")
	for _, ts := range rep.Tiers {
		require.Zero(t, ts.Open)
		require.Positive(t, ts.P50)
	}

	n, err := b.svc.VerifyAudit(b.ctx, "acme")
	require.NoError(t, err)
	require.Greater(t, n, int64(100))
}

func (b *testBundle) clocks(t *testing.T) []sla.Clock {
	t.Helper()
	var out []sla.Clock
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		out, err = tx.Clocks().List(b.ctx, false)
		return err
	}))
	return out
}

func TestLeaverStartsBeforeQueuedJoiners(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	// 5,000 joiners and one leaver on the roster.
	var rows []hr.Row
	for i := range 5001 {
		rows = append(rows, hr.Row{Line: i + 1, Person: person.Person{ID: fmt.Sprintf("J%05d", i), Email: fmt.Sprintf("j%d@acme.example", i)}})
	}
	_, err := b.tenant.Import(b.ctx, rows, lifecycle.ImportOptions{Source: "synthetic", Full: true})
	require.NoError(t, err)
	joiners := make([]plan.Operation, 5000)
	for i := range joiners {
		joiners[i] = plan.Operation{Person: fmt.Sprintf("J%05d", i), App: "slack", Action: plan.Create, Class: plan.Joiner, Tier: "standard"}
	}
	leaver := plan.Operation{Person: "J05000", App: "github", Action: plan.Disable, Class: plan.Leaver, Tier: "crown-jewel"}
	b.apps["github"].Seed(account.Account{PersonID: "J05000", ExternalID: "gh-1", State: account.Enabled}, 1)
	enqueue := func(ops []plan.Operation) {
		require.NoError(t, b.svc.Store.Write(b.ctx, "acme", func(tx store.Tx) error {
			_, err := b.eng.Enqueue(b.ctx, tx, ops)
			return err
		}))
	}
	enqueue(joiners)
	enqueue([]plan.Operation{leaver}) // queued last
	b.start(t)

	deadline := time.After(60 * time.Second)
	for b.apps["github"].Calls("disable J05000") == 0 {
		select {
		case <-b.events:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatal("the leaver's disable never ran")
		}
	}
	// With one worker, at most the job already fetched may have gone first.
	require.LessOrEqual(t, len(b.apps["slack"].Order()), 1,
		"the leaver waited behind joiners: %d joiner operations ran first", len(b.apps["slack"].Order()))
}

func TestTypedErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, 2)
	b.importFile(t, "roster-day1.csv")
	var mu sync.Mutex
	fails := map[string]int{}
	// Slack accounts carry no entitlement: one job per person, exact counts.
	b.apps["slack"].FailWith(func(call string) error {
		mu.Lock()
		defer mu.Unlock()
		switch call {
		case "ensure E1002": // flaky twice, then fine
			if fails[call]++; fails[call] <= 2 {
				return connector.NewRetryable(errors.New("503 service unavailable"))
			}
		case "ensure E1003": // rate limited once
			if fails[call]++; fails[call] <= 1 {
				return connector.NewRateLimited(errors.New("429"), 20*time.Millisecond)
			}
		case "ensure E1005": // permanent: a human must look
			return connector.NewPermanent(errors.New("400 invalid userName"), `{"detail":"userName invalid"}`)
		case "ensure E1006": // never recovers: the last attempt hands over
			return errors.New("connection reset")
		}
		return nil
	})
	b.start(t)
	b.apply(t)

	slack := b.apps["slack"]
	require.Equal(t, 3, slack.Calls("ensure E1002"), "retried until it worked")
	require.Equal(t, 2, slack.Calls("ensure E1003"), "snoozed, then done")
	require.Equal(t, 1, slack.Calls("ensure E1005"), "permanent errors are not retried")
	require.Equal(t, 4, slack.Calls("ensure E1006"), "retried up to MaxAttempts")
	for _, id := range []string{"E1005", "E1006"} {
		ts := b.tasks(t, store.TaskFilter{PersonID: id, App: "slack"})
		require.Len(t, ts, 1, id)
		require.Equal(t, "it-ops@acme.example", ts[0].Assignee)
		require.Equal(t, "create", ts[0].Action)
		require.Contains(t, ts[0].Reason, "failed")
	}
	for _, id := range []string{"E1002", "E1003"} {
		_, err := slack.Read(b.ctx, connector.Subject{PersonID: id})
		require.NoError(t, err, "%s converged", id)
		require.Empty(t, b.tasks(t, store.TaskFilter{PersonID: id, App: "slack"}))
	}
}

func TestRosterChangesQueueTheirOwnOperations(t *testing.T) {
	t.Parallel()
	b := setup(t, 2)
	b.svc.OnChange = b.eng.OnChange
	b.start(t)
	b.importFile(t, "roster-day1.csv")
	b.waitIdle(t)
	acc, err := b.apps["zendesk"].Read(b.ctx, connector.Subject{PersonID: "E1004"})
	require.NoError(t, err, "the import itself queued the joiner's operations")
	require.Equal(t, []string{"agent"}, acc.Entitlements)

	// A bad import rolls back: nothing applied, nothing queued.
	rows := []hr.Row{{Line: 2, Person: person.Person{ID: "E1004", Department: "Engineering", ManagerID: "E404"}}}
	_, err = b.tenant.Import(b.ctx, rows, lifecycle.ImportOptions{Source: "bad", Full: false})
	require.ErrorIs(t, err, hr.ErrUnknownManager)
	n, err := b.eng.Pending(b.ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	require.Equal(t, 0, b.apps["github"].Calls("ensure E1004"))
}

func TestPreHirePreparedThenOpenedOnStart(t *testing.T) {
	t.Parallel()
	b := setup(t, 2)
	clock := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	b.svc.Now = func() time.Time { return clock }
	b.svc.OnChange = b.eng.OnChange
	b.start(t)
	rows := []hr.Row{{Line: 2, Person: person.Person{ID: "E7", Email: "e7@acme.example", Department: "Engineering",
		EmploymentType: "employee", StartDate: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}}}
	_, err := b.tenant.Import(b.ctx, rows, lifecycle.ImportOptions{Source: "prehire", Full: false})
	require.NoError(t, err)
	b.waitIdle(t)
	acc, err := b.apps["github"].Read(b.ctx, connector.Subject{PersonID: "E7"})
	require.NoError(t, err, "github (7 days' lead) is prepared three days early")
	require.Equal(t, account.Disabled, acc.State)
	require.Empty(t, acc.Entitlements, "nothing granted before the start")
	_, err = b.apps["slack"].Read(b.ctx, connector.Subject{PersonID: "E7"})
	require.ErrorIs(t, err, connector.ErrNotFound, "slack has no lead: nothing before the start")

	clock = time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	fired, err := b.tenant.FireDue(b.ctx)
	require.NoError(t, err)
	require.Len(t, fired, 1, "the scheduled join fires on the start date")
	b.waitIdle(t)
	acc, err = b.apps["github"].Read(b.ctx, connector.Subject{PersonID: "E7"})
	require.NoError(t, err)
	require.Equal(t, account.Enabled, acc.State)
	require.Equal(t, []string{"engineering"}, acc.Entitlements)
	pl, err := b.tenant.Plan(b.ctx, "E7")
	require.NoError(t, err)
	require.Empty(t, pl.Operations, "the known state followed every step")
}

// A rate-limited operation is snoozed (River: "scheduled"); waiting for the
// queue must wait for it, but not for a delete delayed on purpose.
func TestPendingCountsSnoozedNotDelayed(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	b.importFile(t, "roster-day1.csv")
	var mu sync.Mutex
	limited := 0
	b.apps["slack"].FailWith(func(call string) error {
		mu.Lock()
		defer mu.Unlock()
		if call == "ensure E1002" && limited == 0 {
			limited++
			return connector.NewRateLimited(errors.New("429"), 700*time.Millisecond)
		}
		return nil
	})
	delayed := plan.Operation{Person: "E1003", App: "slack", Action: plan.Delete, Class: plan.Leaver,
		NotBefore: time.Now().Add(30 * 24 * time.Hour)}
	require.NoError(t, b.svc.Store.Write(b.ctx, "acme", func(tx store.Tx) error {
		_, err := b.eng.Enqueue(b.ctx, tx, []plan.Operation{
			{Person: "E1002", App: "slack", Action: plan.Create, Class: plan.Joiner}, delayed})
		return err
	}))
	b.start(t)
	require.Eventually(t, func() bool { return b.apps["slack"].Calls("ensure E1002") == 1 }, 10*time.Second, 5*time.Millisecond)
	n, err := b.eng.Pending(b.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the snoozed create still counts; the month-away delete does not")
	b.waitIdle(t)
	require.Equal(t, 2, b.apps["slack"].Calls("ensure E1002"), "waited for the snoozed operation to run")
}
