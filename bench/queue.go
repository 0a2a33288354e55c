package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/memory"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/sqlite"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// queueEnv is a store, a tenant of n people with a github account each in
// an in-memory app, and an engine (not started).
type queueEnv struct {
	svc *lifecycle.Service
	t   *lifecycle.Tenant
	eng *engine.Engine
	app *memory.App
	st  *sqlite.Store
}

func newQueueEnv(ctx context.Context, dir string, n int) (*queueEnv, error) {
	st, err := sqlite.Open(ctx, filepath.Join(dir, "queue.db"))
	if err != nil {
		return nil, err
	}
	svc := &lifecycle.Service{Store: st, Actor: "bench"}
	if err := svc.CreateTenant(ctx, "bench"); err != nil {
		return nil, err
	}
	set := lifecycle.Settings{Tenant: "bench", Apps: map[string]plan.App{
		"github": {ID: "github", Tier: "crown-jewel", Deadline: 15 * time.Minute},
		"slack":  {ID: "slack", Tier: "standard", TierRank: 1, Deadline: 24 * time.Hour},
	}, Policy: policyEmpty(), GuardPercent: 100, GuardMax: 1 << 30}
	t, err := svc.Tenant(set)
	if err != nil {
		return nil, err
	}
	rows := make([]hr.Row, n)
	app := memory.New("github")
	for i := range rows {
		id := fmt.Sprintf("P%06d", i)
		rows[i] = hr.Row{Line: i + 1, Person: person.Person{ID: id, Email: id + "@bench.example"}}
		app.Seed(account.Account{PersonID: id, ExternalID: "gh-" + id, State: account.Enabled}, 1)
	}
	if _, err := t.Import(ctx, rows, lifecycle.ImportOptions{Source: "bench", Full: true}); err != nil {
		return nil, err
	}
	slack := memory.New("slack")
	eng, err := engine.New(ctx, engine.Config{
		Service: svc, DB: st.DB(), Workers: 4,
		Tenants: func(id string) (*lifecycle.Tenant, bool) { return t, id == "bench" },
		Connectors: func(_, a string) (connector.Connector, bool) {
			if a == "slack" {
				return slack, true
			}
			return app, a == "github"
		},
	})
	if err != nil {
		return nil, err
	}
	return &queueEnv{svc: svc, t: t, eng: eng, app: app, st: st}, nil
}

func (q *queueEnv) enqueue(ctx context.Context, ops []plan.Operation) error {
	return q.svc.Store.Write(ctx, "bench", func(tx store.Tx) error {
		_, err := q.eng.Enqueue(ctx, tx, ops)
		return err
	})
}

func (q *queueEnv) drain(ctx context.Context) error {
	for {
		n, err := q.eng.Pending(ctx)
		if err != nil || n == 0 {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Queue measures throughput of n leaver disables through the whole path
// (read, act, read back, record with audit) with an in-memory connector,
// and the latency from an HR leave event's receipt to its first operation
// starting, idle and behind 5,000 queued joiner operations.
func Queue(ctx context.Context, dir string, n int) (Result, error) {
	var res Result
	q, err := newQueueEnv(ctx, dir, n+1)
	if err != nil {
		return res, err
	}
	defer q.st.Close()
	ops := make([]plan.Operation, n)
	for i := range ops {
		ops[i] = plan.Operation{Person: fmt.Sprintf("P%06d", i), App: "github", Action: plan.Disable, Class: plan.Leaver, Tier: "crown-jewel"}
	}
	if err := q.enqueue(ctx, ops); err != nil {
		return res, err
	}
	cpu0, start := cpuTime(), time.Now()
	if err := q.eng.Start(ctx); err != nil {
		return res, err
	}
	defer func() { _ = q.eng.Stop(context.Background()) }()
	if err := q.drain(ctx); err != nil {
		return res, err
	}
	wall, cpu := time.Since(start), cpuTime()-cpu0
	res.Steps = append(res.Steps, Step{Name: fmt.Sprintf("queue: %d leaver disables, 4 workers", n), Duration: wall,
		Note: fmt.Sprintf("%.0f ops/s, %s CPU per op", float64(n)/wall.Seconds(), (cpu / time.Duration(n)).Round(time.Microsecond))})

	// Latency of a pushed leave to its first operation, idle.
	q.t.Service().OnChange = q.eng.OnChange
	lat, err := q.leaveLatency(ctx, fmt.Sprintf("P%06d", n))
	if err != nil {
		return res, err
	}
	res.Steps = append(res.Steps, Step{Name: "HR leave event → first operation, idle", Duration: lat})

	// And behind 5,000 queued joiner operations.
	if err := q.eng.Stop(ctx); err != nil {
		return res, err
	}
	joiners := make([]plan.Operation, 5000)
	for i := range joiners {
		joiners[i] = plan.Operation{Person: fmt.Sprintf("P%06d", i%n), App: "slack", Action: plan.Create, Class: plan.Joiner, Tier: "standard"}
	}
	if err := q.enqueue(ctx, joiners); err != nil {
		return res, err
	}
	if err := q.eng.Start(ctx); err != nil {
		return res, err
	}
	lat, err = q.leaveLatency(ctx, fmt.Sprintf("P%06d", n-1))
	if err != nil {
		return res, err
	}
	left, _ := q.eng.Pending(ctx)
	res.Steps = append(res.Steps, Step{Name: "HR leave event → first operation, behind 5,000 joiner ops", Duration: lat,
		Note: fmt.Sprintf("%d joiner ops still queued when it started", left)})
	res.PeakRSS = peakRSS()
	return res, nil
}

// leaveLatency posts a leave for personID (as the HR events API does) and
// waits for the connector's first call for it.
func (q *queueEnv) leaveLatency(ctx context.Context, personID string) (time.Duration, error) {
	if _, err := q.app.Read(ctx, connector.Subject{PersonID: personID}); err != nil {
		return 0, err
	}
	q.app.Seed(account.Account{PersonID: personID, ExternalID: "gh-" + personID, State: account.Enabled}, 1)
	if err := q.svc.Store.Write(ctx, "bench", func(tx store.Tx) error {
		return tx.Accounts().Put(ctx, account.Account{App: "github", ExternalID: "gh-" + personID, PersonID: personID, State: account.Enabled})
	}); err != nil {
		return 0, err
	}
	start := time.Now()
	row := hr.Row{Line: 1, Person: person.Person{ID: personID, Terminated: true}}
	if _, err := q.t.ImportEvents(ctx, []lifecycle.HREvent{{ID: "leave-" + personID, Row: row, Fields: []string{"status"}}},
		lifecycle.ImportOptions{Source: "bench"}); err != nil {
		return 0, err
	}
	call := "disable " + personID
	for q.app.Calls(call) == 0 {
		if time.Since(start) > time.Minute {
			return 0, fmt.Errorf("leave of %s never started", personID)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start), nil
}
