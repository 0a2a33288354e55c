package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/signal"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/task"
)

// PushAttempts bounds the pushes of one SET. With the default backoff
// (attempt⁴ seconds) 25 attempts span about 20 days, longer than the
// default key retention (14 days) after which an undelivered SET expires:
// a receiver that is down for days still gets its SETs when it is back.
const PushAttempts = 25

// SignalArgs is one queued signal delivery: a SET push or a back-channel
// logout.
type SignalArgs struct {
	signal.Delivery
}

// Kind implements river.JobArgs.
func (a SignalArgs) Kind() string { return "tenure.signal" }

// signalUnique keeps one unfinished job per delivery; a finished one does
// not block queuing it again (a paused stream's SET is queued again when
// the stream is enabled).
var signalUnique = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}}

// EnqueueSignals queues deliveries inside tx, the transaction of the change
// that causes them (signal.Service.Enqueue).
func (e *Engine) EnqueueSignals(ctx context.Context, tx store.Tx, ds []signal.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(ds))
	for i, d := range ds {
		opts := &river.InsertOpts{Priority: 1, UniqueOpts: signalUnique}
		if d.Kind == signal.DeliverPush {
			opts.MaxAttempts = PushAttempts
		}
		params[i] = river.InsertManyParams{Args: SignalArgs{d}, InsertOpts: opts}
	}
	if _, err := e.client.InsertMany(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue signals: %w", err)
	}
	return nil
}

// UseSignals sets the signal service the workers deliver with, for wiring
// that builds it after the engine.
func (e *Engine) UseSignals(s *signal.Service) { e.signals.Store(s) }

// signalWorker delivers one signal.
type signalWorker struct {
	river.WorkerDefaults[SignalArgs]
	e *Engine
}

func (w *signalWorker) Work(ctx context.Context, job *river.Job[SignalArgs]) error {
	s := w.e.signals.Load()
	if s == nil {
		// This process was started without signals (no key-encryption
		// key): leave the delivery for one that has them.
		return river.JobSnooze(time.Minute)
	}
	d := job.Args.Delivery
	var err error
	switch d.Kind {
	case signal.DeliverPush:
		err = s.Push(ctx, d)
	case signal.DeliverLogout:
		err = s.Logout(ctx, d)
	default:
		return river.JobCancel(fmt.Errorf("unknown signal delivery %q", d.Kind))
	}
	outcome := "verified"
	defer func() { w.e.outcomes.WithLabelValues(d.Tenant, "signal:"+d.Kind, outcome).Inc() }()
	if err == nil {
		return nil
	}
	class, wait := connector.Classify(err)
	switch {
	case class == connector.RateLimited:
		outcome = "snoozed"
		return river.JobSnooze(max(wait, time.Second))
	case d.Kind == signal.DeliverPush && class == connector.Permanent:
		// The receiver refused the SET; Push recorded its reason.
		outcome = "rejected"
		return river.JobCancel(err)
	case d.Kind == signal.DeliverLogout && (class == connector.Permanent || job.Attempt >= job.MaxAttempts):
		outcome = "task"
		return w.logoutTask(ctx, d, err)
	case job.Attempt >= job.MaxAttempts:
		// The SET stays in the outbox until it expires; re-enabling the
		// stream queues it again.
		w.e.cfg.Log.Error("SET push gave up; it stays in the outbox", "tenant", d.Tenant, "stream", d.Stream, "jti", d.JTI, "err", err)
	}
	outcome = "retry"
	return err
}

// logoutTask hands an undeliverable back-channel logout to the app's owner.
func (w *signalWorker) logoutTask(ctx context.Context, d signal.Delivery, cause error) error {
	set, ok := w.e.signals.Load().Tenants(d.Tenant)
	var app signal.LogoutApp
	if ok {
		for _, a := range set.LogoutApps {
			if a.ID == d.App {
				app = a
			}
		}
	}
	now := w.e.cfg.Now().UTC()
	key := OpKey(d.Tenant, plan.Operation{Person: d.Person, App: signal.LogoutClockApp(d.App), Action: plan.RevokeSessions})
	due := now.Add(24 * time.Hour)
	if app.Deadline > 0 {
		due = now.Add(app.Deadline)
	}
	tk := task.Task{
		ID: "t" + shortHash(key+now.String()), PersonID: d.Person, App: signal.LogoutClockApp(d.App), Action: "revoke-sessions",
		Key: key, Assignee: app.Owner, Status: task.Open, CreatedAt: now, Due: due,
		Instruction: fmt.Sprintf("Sign %s out of %s: end every session they have there (the back-channel logout could not be delivered).", d.Person, d.App),
		Reason:      fmt.Sprintf("back-channel logout failed: %v", cause),
	}
	return w.e.cfg.Service.Store.Write(ctx, d.Tenant, func(tx store.Tx) error {
		err := tx.Tasks().Create(ctx, tk)
		if errors.Is(err, store.ErrConflict) {
			return nil
		}
		if err != nil {
			return err
		}
		_, err = tx.Audit().Append(ctx, auditEntry(now, "engine", "task.created", d.Person, map[string]any{"task": tk}))
		return err
	})
}
