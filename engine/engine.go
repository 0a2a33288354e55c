// Package engine turns plans into done work. Operations are queued in River
// in the same transaction as the change that causes them, worked by
// connectors with retries decided by the connector's typed errors, verified
// by reading back, and recorded in the known actual state and the audit
// chain. What no connector can do becomes a task for a named human.
package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/signal"
	"github.com/tenure-dev/tenure/sla"
	"github.com/tenure-dev/tenure/store"
)

// Connectors finds the connector of a tenant's app; false when the app has
// none that can act (a manual app, or a connector type not built yet).
type Connectors func(tenant, app string) (connector.Connector, bool)

// Config wires an engine.
type Config struct {
	Service *lifecycle.Service
	Tenants func(id string) (*lifecycle.Tenant, bool)
	// AllTenants lists the tenants whose scheduled events the engine fires;
	// nil fires none.
	AllTenants func() []*lifecycle.Tenant
	Connectors Connectors
	// Signals delivers SETs and back-channel logouts (nil: none queued).
	Signals *signal.Service
	// DB is the SQLite write pool the store uses (sqlite.Store.DB); or
	// Pool, PostgreSQL's (postgres.Store.Pool), where several replicas
	// share the queue. Exactly one is set.
	DB   *sql.DB
	Pool *pgxpool.Pool
	// Workers is how many operations run at once (default DefaultWorkers).
	Workers int
	// Periodic is work run every interval by one replica (see Periodic).
	Periodic []Periodic
	// MaxAttempts bounds retries of retryable failures (default 8); the
	// last failure becomes a task for the app owner.
	MaxAttempts int
	// JobTimeout bounds one operation (default 1 minute): a hung app is a
	// retryable failure. RescueAfter is how long an operation may stay
	// "running" before it is taken to have died with its process (a crash)
	// and is worked again — safe, because every operation reads before it
	// acts (default 10 minutes; must exceed JobTimeout).
	JobTimeout  time.Duration
	RescueAfter time.Duration
	// Backoff is the wait before retry n (1-based); default River's
	// exponential policy.
	Backoff func(attempt int) time.Duration
	Log     *slog.Logger
	// Now is the clock (tests pin it).
	Now func() time.Time
}

// DefaultWorkers is how many operations run at once unless told otherwise.
// An operation spends most of its time waiting on the app (read, act, read
// back), not on this process, so many overlap well: on SQLite 1,000
// leavers' 20,000 operations drain 3× faster with 32 workers than with 4,
// and 64 are no faster than 32 (BENCHMARKS.md, issue 5). Each app's own
// concurrency limit still caps what one app receives.
const DefaultWorkers = 32

// Engine runs queued operations.
type Engine struct {
	cfg      Config
	client   queue
	outcomes *prometheus.CounterVec
	// signals is Config.Signals, or what UseSignals set later.
	signals atomic.Pointer[signal.Service]
}

// New migrates River's tables and builds the client (not yet started).
func New(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = time.Minute
	}
	if cfg.RescueAfter <= cfg.JobTimeout {
		cfg.RescueAfter = max(10*time.Minute, cfg.JobTimeout+time.Minute)
	}
	if (cfg.DB == nil) == (cfg.Pool == nil) {
		return nil, errors.New("engine: set exactly one of DB (SQLite) and Pool (PostgreSQL)")
	}
	e := &Engine{cfg: cfg, outcomes: newOutcomes()}
	e.signals.Store(cfg.Signals)
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker{e: e})
	river.AddWorker(workers, &fireWorker{e: e})
	river.AddWorker(workers, &signalWorker{e: e})
	periodic, byID, err := periodicOf(cfg.Periodic)
	if err != nil {
		return nil, err
	}
	river.AddWorker(workers, &periodicWorker{e: e, byID: byID})
	if cfg.AllTenants == nil {
		cfg.AllTenants = func() []*lifecycle.Tenant { return nil }
		e.cfg.AllTenants = cfg.AllTenants
	}
	var retry river.ClientRetryPolicy
	if cfg.Backoff != nil {
		retry = backoffPolicy{cfg.Backoff}
	}
	rc := &river.Config{
		RetryPolicy:          retry,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		PeriodicJobs:         append(periodicJobs(), periodic...),
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		MaxAttempts:          cfg.MaxAttempts,
		Logger:               slog.New(quietShutdown{cfg.Log.Handler()}),
		FetchPollInterval:    50 * time.Millisecond,
		FetchCooldown:        10 * time.Millisecond,
	}
	if cfg.DB != nil {
		e.client, err = sqliteQueue(ctx, cfg.DB, rc)
	} else {
		e.client, err = postgresQueue(ctx, cfg.Pool, rc)
	}
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return e, nil
}

// Start runs the workers until Stop.
func (e *Engine) Start(ctx context.Context) error { return e.client.Start(ctx) }

// Stop lets running operations finish (each is idempotent, so one cut off
// by a crash is simply worked again) and stops fetching.
func (e *Engine) Stop(ctx context.Context) error { return e.client.Stop(ctx) }

// Enqueue inserts ops inside tx, the store transaction of the change that
// causes them: they commit together or not at all.
func (e *Engine) Enqueue(ctx context.Context, tx store.Tx, ops []plan.Operation) (int, error) {
	params := make([]river.InsertManyParams, 0, len(ops))
	for _, o := range ops {
		opts := &river.InsertOpts{
			Priority:   Priority(o),
			UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: unfinished},
		}
		if !o.NotBefore.IsZero() && o.NotBefore.After(e.cfg.Now()) {
			opts.ScheduledAt = o.NotBefore
		}
		params = append(params, river.InsertManyParams{Args: OpArgs{Tenant: tx.Tenant(), Op: o, Key: OpKey(tx.Tenant(), o)}, InsertOpts: opts})
	}
	if len(params) == 0 {
		return 0, nil
	}
	res, err := e.client.InsertMany(ctx, tx, params)
	if err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	if err := e.startClocks(ctx, tx, ops); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

// unfinished are the job states in which an operation blocks a second
// copy of itself. A completed one does not: the same step can be needed
// again later (a grant revoked behind Tenure's back and found by
// reconciliation), and River would otherwise skip it as a duplicate for as
// long as it keeps completed jobs.
var unfinished = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// Apply computes the tenant's plan and queues it, audited, in one
// transaction. It returns the plan and how many operations were newly
// queued (an operation already queued is not queued again).
func (e *Engine) Apply(ctx context.Context, t *lifecycle.Tenant) (plan.Plan, int, error) {
	pl, err := t.Plan(ctx, "")
	if err != nil {
		return pl, 0, err
	}
	var n int
	want := make(map[string]bool, len(pl.Operations))
	for _, o := range pl.Operations {
		want[OpKey(t.ID(), o)] = true
	}
	err = e.cfg.Service.Store.Write(ctx, t.ID(), func(tx store.Tx) error {
		if _, err := t.CancelStaleTasks(ctx, tx, want); err != nil {
			return err
		}
		if n, err = e.Enqueue(ctx, tx, pl.Operations); err != nil {
			return err
		}
		_, err := tx.Audit().Append(ctx, auditEntry(e.cfg.Now(), "engine", "plan.enqueued", t.ID(),
			map[string]any{"operations": len(pl.Operations), "queued": n, "summary": pl.Summarize()}))
		return err
	})
	return pl, n, err
}

// Pending counts the operations not yet finished (available, running,
// retryable or waiting), for progress and for waiting. It counts in SQL on
// River's table rather than listing jobs: progress polling must not cost
// more than the work it watches.
func (e *Engine) Pending(ctx context.Context) (int, error) {
	n, err := e.client.Pending(ctx, OpArgs{}.Kind())
	if err != nil {
		return 0, fmt.Errorf("queue depth: %w", err)
	}
	return n, nil
}

// Subscribe reports finished jobs (completed, failed, cancelled, snoozed).
func (e *Engine) Subscribe() (<-chan *river.Event, func()) {
	return e.client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobCancelled, river.EventKindJobSnoozed)
}

// backoffPolicy adapts a backoff function to River.
type backoffPolicy struct{ f func(int) time.Duration }

func (b backoffPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(b.f(job.Attempt))
}

// OnChange is the lifecycle.Service hook: it queues the changed people's
// operations inside the transaction of the change that causes them.
func (e *Engine) OnChange(ctx context.Context, tx store.Tx, t *lifecycle.Tenant, people []string) error {
	pl, err := t.PlanTx(ctx, tx, people)
	if err != nil {
		return err
	}
	_, err = e.Enqueue(ctx, tx, pl.Operations)
	return err
}

// startClocks opens a leaver clock for every app whose account a leaver's
// plan disables: from the termination's effective time, due by the app
// tier's deadline. A clock already open keeps its start.
func (e *Engine) startClocks(ctx context.Context, tx store.Tx, ops []plan.Operation) error {
	t, ok := e.cfg.Tenants(tx.Tenant())
	if !ok {
		return nil
	}
	for _, o := range ops {
		app, _ := t.App(o.App)
		clock := o.App
		switch {
		case o.Class != plan.Leaver:
			continue
		case o.Effective() == plan.RevokeSessions && app.EndsSessions:
			clock = plan.SessionsClock(o.App)
		case o.Effective() != plan.Disable:
			continue
		}
		since := o.Since
		if since.IsZero() {
			since = e.cfg.Now()
		}
		if _, err := tx.Clocks().Start(ctx, sla.Clock{PersonID: o.Person, App: clock, Tier: o.Tier,
			StartedAt: since.UTC(), Deadline: since.Add(app.Deadline).UTC()}); err != nil {
			return fmt.Errorf("leaver clock: %w", err)
		}
	}
	return nil
}

// Jobs describes the unfinished operations, for diagnostics.
func (e *Engine) Jobs(ctx context.Context) (string, error) {
	res, err := e.client.JobList(ctx, river.NewJobListParams().
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable,
			rivertype.JobStateScheduled, rivertype.JobStatePending).First(50))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, j := range res.Jobs {
		fmt.Fprintf(&b, "%d %s %s at %s: %s\n", j.ID, j.Kind, j.State, j.ScheduledAt.Format(time.RFC3339), j.EncodedArgs)
	}
	return b.String(), nil
}
