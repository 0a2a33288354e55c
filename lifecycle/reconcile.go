package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/sla"
	"github.com/tenure-dev/tenure/store"
)

// Reconciliation is what reading one app found and what its policy wants
// done, computed by package reconcile and applied here in one transaction:
// the findings are stored, the known state takes what was seen, and the
// operations the plan derives from it are queued — or, when they would take
// access from too many accounts, the whole of it is held by the
// mass-change guard.
type Reconciliation struct {
	App string `json:"app"`
	// Findings replace the app's previous ones.
	Findings []account.Finding `json:"findings"`
	// Seen are accounts to write into the known state as the app holds
	// them (adopted, drifted, ghosts, orphans, service accounts).
	Seen []account.Account `json:"seen,omitempty"`
	// Gone are external ids the known state had that the app no longer holds.
	Gone []string `json:"gone,omitempty"`
	// Replan are people whose operations in the app are planned again from
	// the updated known state (drift fixed, ghosts disabled, adoptions).
	Replan []string `json:"replan,omitempty"`
	// Ops are operations the plan cannot derive: on accounts of no person
	// (orphans), deletes the policy asks for, ownership transfers.
	Ops []plan.Operation `json:"ops,omitempty"`
	// Ghosts are the terminated people found with an active account: their
	// leaver clock for the app is opened (a breach when past the deadline).
	Ghosts []string `json:"ghosts,omitempty"`
}

// ReconcileResult is what applying a reconciliation did.
type ReconcileResult struct {
	Operations []plan.Operation `json:"operations"`
	Queued     int              `json:"queued"`
	// Removals is how many accounts lose access; Limit the guard's limit.
	Removals int `json:"removals"`
	Limit    int `json:"limit"`
	// Held is the pending batch when the guard held the reconciliation.
	Held string `json:"held,omitempty"`
}

// ReconcileInput is the snapshot reconciliation classifies against: the
// roster, the known accounts of the app and each person's desired access.
type ReconcileInput struct {
	Now     time.Time
	People  []person.Person
	Known   []account.Account
	Desired func(*person.Person) policy.Access
}

// ReconcileInput reads the snapshot for app in one read transaction.
func (t *Tenant) ReconcileInput(ctx context.Context, app string) (ReconcileInput, error) {
	var in ReconcileInput
	err := t.svc.Store.Read(ctx, t.ID(), func(tx store.Tx) error {
		base, err := t.basePlanInput(ctx, tx)
		if err != nil {
			return err
		}
		in.Now, in.Desired = base.Now, base.Desired
		if in.People, err = tx.People().List(ctx); err != nil {
			return err
		}
		in.Known, err = tx.Accounts().List(ctx, app)
		return err
	})
	return in, wrapNoTenant(t.ID(), err)
}

// Reconcile applies r (see Reconciliation). With dryRun nothing is stored:
// the operations that would be queued are returned.
func (t *Tenant) Reconcile(ctx context.Context, r Reconciliation, dryRun bool) (*ReconcileResult, error) {
	var res *ReconcileResult
	// The operations are planned from the known state as updated by what
	// was seen, so they are computed in a write transaction; a dry run, or
	// a run the guard holds, rolls it back.
	err := t.svc.Store.Write(ctx, t.ID(), func(tx store.Tx) (err error) {
		res, err = t.reconcileTx(ctx, tx, r, dryRun, false)
		if err == nil && (dryRun || res.Removals > res.Limit) {
			err = errRollback
		}
		return err
	})
	if errors.Is(err, errRollback) {
		err = nil
		if !dryRun {
			err = t.svc.Store.Write(ctx, t.ID(), func(tx store.Tx) error {
				return t.holdReconcile(ctx, tx, r, res)
			})
		}
	}
	return res, wrapNoTenant(t.ID(), err)
}

// errRollback ends a transaction whose writes must not stay.
var errRollback = errors.New("rolled back")

// reconcileTx updates the known state and plans; unless approved, it stops
// before storing anything else when the guard would hold the run (the
// caller rolls back and holds it).
func (t *Tenant) reconcileTx(ctx context.Context, tx store.Tx, r Reconciliation, dryRun, approved bool) (*ReconcileResult, error) {
	app, ok := t.set.Apps[r.App]
	if !ok {
		return nil, fmt.Errorf("reconcile: app %q is not configured for tenant %s", r.App, t.ID())
	}
	for _, id := range r.Gone {
		if err := tx.Accounts().Delete(ctx, r.App, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("reconcile %s: forget %s: %w", r.App, id, err)
		}
	}
	if len(r.Seen) > 0 {
		if err := tx.Accounts().Put(ctx, r.Seen...); err != nil {
			return nil, fmt.Errorf("reconcile %s: known state: %w", r.App, err)
		}
	}
	ops := slices.Clone(r.Ops)
	// In chunks PlanTx reads person by person: a reconciliation's cost must
	// follow its findings, not load the whole tenant.
	for chunk := range slices.Chunk(r.Replan, bulkPlan) {
		pl, err := t.PlanTx(ctx, tx, chunk)
		if err != nil {
			return nil, err
		}
		for _, o := range pl.Operations {
			if o.App == r.App {
				ops = append(ops, o)
			}
		}
	}
	res := &ReconcileResult{Operations: ops, Removals: removals(ops)}
	active, err := activeCount(ctx, tx)
	if err != nil {
		return nil, err
	}
	res.Limit = guard.Limit(active, t.set.GuardPercent, t.set.GuardMax)
	if dryRun || (res.Removals > res.Limit && !approved) {
		return res, nil
	}
	if err := tx.Findings().Replace(ctx, r.App, r.Findings); err != nil {
		return nil, fmt.Errorf("reconcile %s: findings: %w", r.App, err)
	}
	if err := t.ghostClocks(ctx, tx, app, r.Ghosts); err != nil {
		return nil, err
	}
	if len(ops) > 0 {
		if t.svc.Enqueue == nil {
			return nil, fmt.Errorf("reconcile %s: %d operations to queue but no queue is running (use tenure reconcile or tenure serve)", r.App, len(ops))
		}
		if res.Queued, err = t.svc.Enqueue(ctx, tx, ops); err != nil {
			return nil, fmt.Errorf("reconcile %s: queue: %w", r.App, err)
		}
	}
	return res, t.svc.audit(ctx, tx, "reconcile.applied", r.App, map[string]any{
		"findings": countClasses(r.Findings), "operations": len(ops), "queued": res.Queued,
		"removals": res.Removals, "approved": approved,
	})
}

// holdReconcile stores a reconciliation the guard holds: the batch, and
// the findings marked held so the report shows what waits. Nothing else of
// it is applied until approval.
func (t *Tenant) holdReconcile(ctx context.Context, tx store.Tx, r Reconciliation, res *ReconcileResult) error {
	active, err := activeCount(ctx, tx)
	if err != nil {
		return err
	}
	sum := guard.Summary{Source: "reconcile " + r.App, Removals: res.Removals, Limit: res.Limit, Active: active}
	if res.Held, err = t.hold(ctx, tx, guard.Reconcile, sum, r); err != nil {
		return err
	}
	held := slices.Clone(r.Findings)
	for i := range held {
		if held[i].Action != "report" {
			held[i].Action = "held"
		}
	}
	return tx.Findings().Replace(ctx, r.App, held)
}

func countClasses(fs []account.Finding) map[account.Class]int {
	counts := map[account.Class]int{}
	for _, f := range fs {
		counts[f.Class]++
	}
	return counts
}

// removals counts the accounts the operations take access from.
func removals(ops []plan.Operation) int {
	seen := map[string]bool{}
	for _, o := range ops {
		if o.Effective().Removal() {
			seen[o.App+"|"+o.Person+"|"+o.ExternalID] = true
		}
	}
	return len(seen)
}

// ghostClocks opens the leaver clock of each ghost in app from the
// termination's effective time: a ghost found after the deadline is a
// breach, whatever the policy does about it.
func (t *Tenant) ghostClocks(ctx context.Context, tx store.Tx, app plan.App, ghosts []string) error {
	for _, id := range ghosts {
		evs, err := tx.Events().List(ctx, store.EventFilter{PersonID: id, State: person.Applied})
		if err != nil {
			return err
		}
		since := time.Time{}
		for _, e := range evs {
			if e.Kind == person.Leave {
				since = e.EffectiveAt
			}
		}
		if since.IsZero() {
			since = t.svc.now()
		}
		if _, err := tx.Clocks().Start(ctx, sla.Clock{PersonID: id, App: app.ID, Tier: app.Tier,
			StartedAt: since.UTC(), Deadline: since.Add(app.Deadline).UTC()}); err != nil {
			return fmt.Errorf("leaver clock of ghost %s: %w", id, err)
		}
	}
	return nil
}

// Findings lists the latest findings matching f.
func (t *Tenant) Findings(ctx context.Context, f store.FindingFilter) ([]account.Finding, error) {
	var out []account.Finding
	err := t.svc.Store.Read(ctx, t.ID(), func(tx store.Tx) (err error) {
		out, err = tx.Findings().List(ctx, f)
		return err
	})
	return out, wrapNoTenant(t.ID(), err)
}

// approveReconcile applies a held reconciliation as approved.
func (t *Tenant) approveReconcile(ctx context.Context, tx store.Tx, b guard.Batch) error {
	var r Reconciliation
	if err := json.Unmarshal(b.Payload, &r); err != nil {
		return fmt.Errorf("batch %s: corrupt payload: %w", b.ID, err)
	}
	_, err := t.reconcileTx(ctx, tx, r, false, true)
	return err
}
