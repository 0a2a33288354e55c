package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store"
)

// Pending lists the batches the guard holds, oldest first.
func (t *Tenant) Pending(ctx context.Context) ([]guard.Batch, error) {
	var out []guard.Batch
	err := t.svc.Store.Read(ctx, t.ID(), func(tx store.Tx) (err error) {
		out, err = tx.Batches().List(ctx, guard.Pending)
		return err
	})
	return out, wrapNoTenant(t.ID(), err)
}

// Approve applies a held batch as it stands now: an import is re-diffed
// against the current roster (which may have moved on since it was held)
// and applied without the guard; a policy change becomes the accepted
// policy. The approval is audited in the same transaction.
func (t *Tenant) Approve(ctx context.Context, id string) (*ImportResult, error) {
	var res *ImportResult
	err := t.svc.Store.Write(ctx, t.ID(), func(tx store.Tx) error {
		b, err := pendingBatch(ctx, tx, id)
		if err != nil {
			return err
		}
		switch b.Kind {
		case guard.Import:
			var p importPayload
			if err := json.Unmarshal(b.Payload, &p); err != nil {
				return fmt.Errorf("batch %s: corrupt payload: %w", id, err)
			}
			current, err := loadRoster(ctx, tx)
			if err != nil {
				return err
			}
			rows := make([]hr.Row, len(p.People))
			for i := range p.People {
				rows[i] = hr.Row{Line: i + 1, Person: p.People[i]}
			}
			if err := hr.CheckManagers(rows, p.Source, func(id string) bool { _, ok := current[id]; return ok }); err != nil {
				return err
			}
			res, err = t.importTx(ctx, tx, current, p.People, ImportOptions{Source: p.Source, Full: p.Full, Approved: true})
			if err != nil {
				return err
			}
		case guard.PolicyChange:
			var d policy.Document
			if err := json.Unmarshal(b.Payload, &d); err != nil {
				return fmt.Errorf("batch %s: corrupt payload: %w", id, err)
			}
			if err := t.acceptPolicy(ctx, tx, d); err != nil {
				return err
			}
		case guard.Reconcile:
			if err := t.approveReconcile(ctx, tx, b); err != nil {
				return err
			}
		default:
			return fmt.Errorf("batch %s: unknown kind %q", id, b.Kind)
		}
		return t.decide(ctx, tx, b, guard.Applied, "batch.approved")
	})
	return res, wrapNoTenant(t.ID(), err)
}

// Reject discards a held batch; nothing of it is ever applied.
func (t *Tenant) Reject(ctx context.Context, id string) error {
	err := t.svc.Store.Write(ctx, t.ID(), func(tx store.Tx) error {
		b, err := pendingBatch(ctx, tx, id)
		if err != nil {
			return err
		}
		return t.decide(ctx, tx, b, guard.Rejected, "batch.rejected")
	})
	return wrapNoTenant(t.ID(), err)
}

func pendingBatch(ctx context.Context, tx store.Tx, id string) (guard.Batch, error) {
	b, err := tx.Batches().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return b, fmt.Errorf("no batch %q in tenant %s (see `tenure hr pending`)", id, tx.Tenant())
	}
	if err != nil {
		return b, err
	}
	if b.Status != guard.Pending {
		return b, fmt.Errorf("batch %s was already %s", id, b.Status)
	}
	return b, nil
}

func (t *Tenant) decide(ctx context.Context, tx store.Tx, b guard.Batch, st guard.BatchStatus, action string) error {
	b.Status, b.DecidedAt, b.DecidedBy = st, t.svc.now(), t.svc.Actor
	if err := tx.Batches().Update(ctx, b); err != nil {
		return err
	}
	return t.svc.audit(ctx, tx, action, b.ID, map[string]any{"kind": b.Kind, "summary": b.Summary})
}
