package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/sla"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/task"
)

// Tasks lists the tenant's tasks.
func (t *Tenant) Tasks(ctx context.Context, f store.TaskFilter) ([]task.Task, error) {
	var out []task.Task
	err := t.svc.Store.Read(ctx, t.ID(), func(tx store.Tx) (err error) {
		out, err = tx.Tasks().List(ctx, f)
		return err
	})
	return out, wrapNoTenant(t.ID(), err)
}

// CompleteTask marks an open task done and records what the human did in
// the known actual state, so the next plan sees it and, for a leaver's
// removal, the leaver clock stops at this moment. Audited in the same
// transaction.
func (t *Tenant) CompleteTask(ctx context.Context, id, note string) (task.Task, error) {
	var tk task.Task
	err := t.svc.Store.Write(ctx, t.ID(), func(tx store.Tx) (err error) {
		tk, err = tx.Tasks().Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no task %q in tenant %s (see `tenure task list`)", id, t.ID())
		}
		if err != nil {
			return err
		}
		if tk.Status != task.Open {
			return fmt.Errorf("task %s is already %s", id, tk.Status)
		}
		tk.Status, tk.DoneAt, tk.DoneBy, tk.Note = task.Done, t.svc.now(), t.svc.Actor, note
		if err := tx.Tasks().Update(ctx, tk); err != nil {
			return err
		}
		if err := RecordEffect(ctx, tx, tk.App, tk.PersonID, tk.Action, tk.Entitlement, nil); err != nil {
			return err
		}
		if tk.Action == "disable" || tk.Action == "delete" {
			if _, err := tx.Clocks().Stop(ctx, tk.PersonID, tk.App, tk.DoneAt, "task:"+tk.ID); err != nil {
				return err
			}
		}
		if tk.Action == string(plan.RevokeSessions) {
			// A sign-out that fell to a human stops its clock when done.
			if _, err := tx.Clocks().Stop(ctx, tk.PersonID, plan.SessionsClock(tk.App), tk.DoneAt, "task:"+tk.ID); err != nil {
				return err
			}
		}
		return t.svc.audit(ctx, tx, "task.done", tk.PersonID, tk)
	})
	return tk, wrapNoTenant(t.ID(), err)
}

// RecordEffect applies one done operation to the known actual state of the
// person's account in app, inside tx. It changes only what the operation
// changed — the state for create/enable/disable, one entitlement for
// grant/revoke — so operations on the same account recorded concurrently
// cannot overwrite each other's effect. seen is the account as the app
// showed it on read-back (nil for work a human did); a manual app's account
// is known by the person's id ("manual:E1001").
func RecordEffect(ctx context.Context, tx store.Tx, app, personID, action, entitlement string, seen *account.Account) error {
	held, err := tx.Accounts().ByPerson(ctx, personID)
	if err != nil {
		return err
	}
	var acc *account.Account
	for i := range held {
		if held[i].App == app {
			acc = &held[i]
			break
		}
	}
	stored := acc != nil
	if !stored {
		if action == "disable" || action == "delete" || action == "revoke" || action == "revoke-sessions" {
			return nil // removing what is not there: nothing to record
		}
		acc = &account.Account{App: app, ExternalID: "manual:" + personID, PersonID: personID}
		if seen != nil {
			acc.Entitlements = seen.Entitlements
		}
	}
	if seen != nil && seen.ExternalID != "" && seen.ExternalID != acc.ExternalID {
		// The app's own id replaces the one we knew (or made up).
		if stored {
			if err := tx.Accounts().Delete(ctx, app, acc.ExternalID); err != nil {
				return err
			}
		}
		acc.ExternalID = seen.ExternalID
	}
	if seen != nil && seen.UserName != "" {
		acc.UserName, acc.Attributes, acc.SeenAt = seen.UserName, seen.Attributes, seen.SeenAt
	}
	switch action {
	case "create", "enable", "update":
		acc.State = account.Enabled
	case "prepare":
		acc.State = account.Disabled
	case "grant":
		if acc.State == "" {
			acc.State = account.Enabled
		}
		if !acc.Has(entitlement) {
			acc.Entitlements = append(slices.Clone(acc.Entitlements), entitlement)
		}
	case "revoke":
		acc.Entitlements = slices.DeleteFunc(slices.Clone(acc.Entitlements), func(e string) bool { return e == entitlement })
	case "disable":
		acc.State = account.Disabled
	case "delete":
		return tx.Accounts().Delete(ctx, acc.App, acc.ExternalID)
	case "revoke-sessions":
		return nil
	}
	return tx.Accounts().Put(ctx, *acc)
}

// CancelStaleTasks cancels open tasks whose operation is no longer wanted
// (keys not in want): a joiner's "create account" task is moot once they
// have left. It returns how many it cancelled; each is audited.
func (t *Tenant) CancelStaleTasks(ctx context.Context, tx store.Tx, want map[string]bool) (int, error) {
	open, err := tx.Tasks().List(ctx, store.TaskFilter{Status: task.Open})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, tk := range open {
		if want[tk.Key] || tk.PersonID == "" {
			// An orphan's task comes from reconciliation, not the plan.
			continue
		}
		tk.Status, tk.DoneAt, tk.Note = task.Cancelled, t.svc.now(), "no longer in the plan"
		if err := tx.Tasks().Update(ctx, tk); err != nil {
			return n, err
		}
		if err := t.svc.audit(ctx, tx, "task.cancelled", tk.PersonID, tk); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// SLA reports the leaver clocks at now.
func (t *Tenant) SLA(ctx context.Context) (sla.Report, error) {
	cs, err := t.Clocks(ctx)
	if err != nil {
		return sla.Report{}, err
	}
	return sla.Build(cs, t.svc.now()), nil
}

// Clocks lists every leaver clock of the tenant.
func (t *Tenant) Clocks(ctx context.Context) ([]sla.Clock, error) {
	var cs []sla.Clock
	err := t.svc.Store.Read(ctx, t.ID(), func(tx store.Tx) (err error) {
		cs, err = tx.Clocks().List(ctx, false)
		return err
	})
	return cs, wrapNoTenant(t.ID(), err)
}
