package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/task"
)

// worker works one queued operation.
type worker struct {
	river.WorkerDefaults[OpArgs]
	e *Engine
}

// Work reads the target's state, acts only if it differs, reads back to
// verify, and records the result with its audit entry. Every path ends
// either verified or with a human assigned: nothing is dropped.
func (w *worker) Work(ctx context.Context, job *river.Job[OpArgs]) error {
	tasked, err := w.work(ctx, job)
	outcome := "verified"
	var snooze *river.JobSnoozeError
	switch {
	case errors.As(err, &snooze):
		outcome = "snoozed"
	case err != nil:
		outcome = "retry"
	case tasked:
		outcome = "task"
	}
	w.e.outcomes.WithLabelValues(job.Args.Tenant, job.Args.Op.App, outcome).Inc()
	return err
}

func (w *worker) work(ctx context.Context, job *river.Job[OpArgs]) (tasked bool, err error) {
	a, o := job.Args, job.Args.Op
	t, ok := w.e.cfg.Tenants(a.Tenant)
	if !ok {
		return false, river.JobCancel(fmt.Errorf("tenant %q is no longer configured", a.Tenant))
	}
	app, ok := t.App(o.App)
	if !ok {
		return false, river.JobCancel(fmt.Errorf("app %q is no longer configured for tenant %s", o.App, a.Tenant))
	}
	var p person.Person
	if o.Person != "" {
		if err := w.e.cfg.Service.Store.Read(ctx, a.Tenant, func(tx store.Tx) (err error) {
			p, err = tx.People().Get(ctx, o.Person)
			return err
		}); err != nil {
			return false, err
		}
	}
	if o.Action == plan.Task {
		return true, w.task(ctx, a, app, o, app.Name+" has no API: the owner does it by hand", "")
	}
	if o.Instruction == "" {
		o.Instruction = plan.Instruction(o.Action, o.Entitlement, &p, app)
	}
	conn, ok := w.e.cfg.Connectors(a.Tenant, o.App)
	if !ok {
		return true, w.task(ctx, a, app, o, "no connector can act on "+o.App, "")
	}
	s := subject(p, o)
	if o.Person == "" || o.Action == plan.TransferOwnership {
		// An account of no person (an orphan), or a service account:
		// found by the app's own id alone.
		s = connector.Subject{ExternalID: o.ExternalID}
	}
	acc, err := act(ctx, conn, s, o)
	if err == nil {
		acc, err = verify(ctx, conn, s, o)
	}
	if err != nil {
		class, wait := connector.Classify(err)
		switch {
		case errors.Is(err, errUnsupported):
			return true, w.task(ctx, a, app, o, err.Error(), "")
		case class == connector.RateLimited:
			if wait <= 0 {
				wait = time.Second
			}
			return false, river.JobSnooze(wait)
		case class == connector.Permanent || job.Attempt >= job.MaxAttempts:
			var ce *connector.Error
			detail := ""
			if errors.As(err, &ce) {
				detail = ce.Detail
			}
			return true, w.task(ctx, a, app, o, fmt.Sprintf("%s failed (%s): %v", o.Action, class, err), detail)
		}
		return false, err // retryable: River backs off and tries again
	}
	return false, w.record(ctx, a, o, acc)
}

// errUnsupported marks an action the connector has no capability for.
var errUnsupported = errors.New("connector cannot do this")

// act performs the operation if the target does not already show it done.
func act(ctx context.Context, conn connector.Connector, s connector.Subject, o plan.Operation) (account.Account, error) {
	cur, err := conn.Read(ctx, s)
	absent := errors.Is(err, connector.ErrNotFound)
	if err != nil && !absent {
		return cur, err
	}
	switch o.Action {
	case plan.Create, plan.Enable, plan.Update:
		return conn.Ensure(ctx, s)
	case plan.Prepare:
		if !absent {
			return cur, nil // prepared already (or more): never re-disable an open account here
		}
		s.Disabled = true
		return conn.Ensure(ctx, s)
	case plan.Disable:
		if absent || cur.State == account.Disabled {
			return cur, nil
		}
		return cur, conn.Disable(ctx, s)
	case plan.Delete:
		if absent {
			return cur, nil
		}
		return cur, conn.Delete(ctx, s)
	case plan.Grant, plan.Revoke:
		gm, ok := conn.(connector.GroupManager)
		if !ok {
			return cur, fmt.Errorf("%w: %s manages no entitlements", errUnsupported, o.App)
		}
		if o.Action == plan.Grant {
			if !absent && cur.Has(o.Entitlement) {
				return cur, nil
			}
			if absent {
				// The create may be queued behind this grant on another
				// worker; a grant implies the account, so make it now.
				if cur, err = conn.Ensure(ctx, s); err != nil {
					return cur, err
				}
			}
			return cur, gm.Grant(ctx, s, o.Entitlement)
		}
		if absent || !cur.Has(o.Entitlement) {
			return cur, nil
		}
		return cur, gm.Revoke(ctx, s, o.Entitlement)
	case plan.TransferOwnership:
		ot, ok := conn.(connector.OwnershipTransferer)
		if !ok {
			return cur, fmt.Errorf("%w: %s has no ownership API; the new owner takes over by hand", errUnsupported, o.App)
		}
		if absent {
			return cur, connector.NewPermanent(fmt.Errorf("service account %s is not in %s", o.ExternalID, o.App), "")
		}
		if cur.ServiceOwner == o.NewOwner {
			return cur, nil
		}
		return cur, ot.TransferOwnership(ctx, cur, connector.Subject{PersonID: o.NewOwner})
	case plan.RevokeSessions:
		sr, ok := conn.(connector.SessionRevoker)
		if !ok {
			return cur, fmt.Errorf("%w: %s has no session revocation API; sign %s out by hand", errUnsupported, o.App, s.PersonID)
		}
		return cur, sr.RevokeSessions(ctx, s)
	}
	return cur, connector.NewPermanent(fmt.Errorf("unknown action %q", o.Action), "")
}

// verify reads the account back and checks the operation took effect. A
// removal is done only when the read-back shows it.
func verify(ctx context.Context, conn connector.Connector, s connector.Subject, o plan.Operation) (account.Account, error) {
	acc, err := conn.Read(ctx, s)
	absent := errors.Is(err, connector.ErrNotFound)
	if err != nil && !absent {
		return acc, err
	}
	ok := true
	switch o.Action {
	case plan.Create, plan.Enable, plan.Update:
		ok = !absent && acc.State == account.Enabled
	case plan.Prepare:
		ok = !absent
	case plan.Disable:
		ok = absent || acc.State == account.Disabled
	case plan.Delete:
		ok = absent
	case plan.Grant:
		ok = !absent && acc.Has(o.Entitlement)
	case plan.Revoke:
		ok = absent || !acc.Has(o.Entitlement)
	case plan.TransferOwnership:
		// An app that reports owners must show the new one.
		ok = !absent && (acc.ServiceOwner == "" || acc.ServiceOwner == o.NewOwner)
	}
	if !ok {
		return acc, connector.NewRetryable(fmt.Errorf("verification failed: %s of %s in %s not visible on read-back", o.Action, s.PersonID, o.App))
	}
	if absent {
		return account.Account{}, nil
	}
	return acc, nil
}

// record writes the operation's verified effect and its evidence in one
// transaction.
func (w *worker) record(ctx context.Context, a OpArgs, o plan.Operation, acc account.Account) error {
	now := w.e.cfg.Now().UTC()
	return w.e.cfg.Service.Store.Write(ctx, a.Tenant, func(tx store.Tx) error {
		var seen *account.Account
		if acc.ExternalID != "" {
			acc.SeenAt = now
			seen = &acc
		}
		if err := recordEffect(ctx, tx, o, seen); err != nil {
			return err
		}
		if o.Person != "" && (o.Action == plan.Disable || o.Action == plan.Delete) {
			// The removal is verified: the leaver clock for this app stops.
			if _, err := tx.Clocks().Stop(ctx, o.Person, o.App, now, "verified:"+string(o.Action)); err != nil {
				return err
			}
		}
		if o.Person != "" && o.Action == plan.RevokeSessions {
			// The sessions are gone: the sign-out's own clock stops (apps
			// that end sessions themselves have one).
			if _, err := tx.Clocks().Stop(ctx, o.Person, plan.SessionsClock(o.App), now, "verified:"+string(o.Action)); err != nil {
				return err
			}
		}
		_, err := tx.Audit().Append(ctx, auditEntry(now, "engine", "operation.verified", o.Person,
			map[string]any{"op": o, "verifiedAt": now}))
		return err
	})
}

// task hands an operation to the app owner: one open task per operation,
// audited, due by the tier's leaver deadline for removals.
func (w *worker) task(ctx context.Context, a OpArgs, app plan.App, o plan.Operation, why, detail string) error {
	now := w.e.cfg.Now().UTC()
	tk := task.Task{
		ID: "t" + shortHash(a.Key+now.String()), PersonID: o.Person, App: o.App, Action: string(o.Effective()),
		Entitlement: o.Entitlement, Key: a.Key, Assignee: app.Owner, Instruction: o.Instruction,
		Reason: why, Status: task.Open, CreatedAt: now, Due: now.Add(24 * time.Hour),
	}
	if o.Effective().Removal() && app.Deadline > 0 {
		tk.Due = now.Add(app.Deadline)
	}
	if o.Effective() == plan.TransferOwnership && o.Assignee != "" {
		// The new owner takes the service account over, not the app owner.
		tk.Assignee = o.Assignee
	}
	return w.e.cfg.Service.Store.Write(ctx, a.Tenant, func(tx store.Tx) error {
		err := tx.Tasks().Create(ctx, tk)
		if errors.Is(err, store.ErrConflict) {
			return nil // this operation already has its open task
		}
		if err != nil {
			return err
		}
		_, err = tx.Audit().Append(ctx, auditEntry(now, "engine", "task.created", o.Person,
			map[string]any{"task": tk, "detail": detail}))
		return err
	})
}

func subject(p person.Person, o plan.Operation) connector.Subject {
	return connector.Subject{
		PersonID: p.ID, Email: p.Email, UserName: p.Email, GivenName: p.GivenName, FamilyName: p.FamilyName,
		DisplayName: p.Name(), ExternalID: o.ExternalID,
		Attributes: map[string]string{"department": p.Department, "title": p.Title, "manager": p.ManagerID},
	}
}

func auditEntry(at time.Time, actor, action, subject string, data any) audit.Entry {
	return audit.Entry{At: at, Actor: actor, Action: action, Subject: subject, Data: audit.Data(data)}
}
