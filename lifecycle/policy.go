package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store"
)

// PolicyStatus says which policy plans use.
type PolicyStatus struct {
	Fingerprint string `json:"fingerprint"`
	// Held is the pending batch holding the configured policy, when a change
	// would remove too much access; plans keep using the accepted policy.
	Held    string `json:"held,omitempty"`
	Changed bool   `json:"changed,omitempty"`
}

// SyncPolicy compares the configured policy with the accepted one. The
// first policy is accepted as is. A change is accepted when it removes
// access from no more people than the guard allows, and held as a pending
// batch otherwise (once per distinct change): a bad rule must not
// deprovision the company any more than a truncated file may.
func (t *Tenant) SyncPolicy(ctx context.Context) (PolicyStatus, error) {
	st := PolicyStatus{Fingerprint: t.set.Policy.Fingerprint()}
	err := t.svc.Store.Write(ctx, t.ID(), func(tx store.Tx) error {
		rec, err := tx.Policy().Get(ctx)
		if errors.Is(err, store.ErrNotFound) {
			st.Changed = true
			return t.acceptPolicy(ctx, tx, t.set.Policy)
		}
		if err != nil {
			return err
		}
		if rec.Fingerprint == st.Fingerprint {
			return nil
		}
		var old policy.Document
		if err := json.Unmarshal(rec.Document, &old); err != nil {
			return fmt.Errorf("accepted policy is corrupt: %w", err)
		}
		pending, err := tx.Batches().List(ctx, guard.Pending)
		if err != nil {
			return err
		}
		for _, b := range pending {
			if b.Kind == guard.PolicyChange && b.Summary.Source == st.Fingerprint {
				st.Held, st.Fingerprint = b.ID, rec.Fingerprint
				return nil
			}
		}
		sum, err := t.policyImpact(ctx, tx, old)
		if err != nil {
			return err
		}
		if sum.Removals > sum.Limit {
			sum.Source = st.Fingerprint
			st.Held, err = t.hold(ctx, tx, guard.PolicyChange, sum, t.set.Policy)
			st.Fingerprint = rec.Fingerprint
			return err
		}
		st.Changed = true
		return t.acceptPolicy(ctx, tx, t.set.Policy)
	})
	return st, wrapNoTenant(t.ID(), err)
}

func (t *Tenant) acceptPolicy(ctx context.Context, tx store.Tx, d policy.Document) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	rec := store.PolicyRecord{Fingerprint: d.Fingerprint(), Document: b, AcceptedAt: t.svc.now()}
	if err := tx.Policy().Put(ctx, rec); err != nil {
		return err
	}
	return t.svc.audit(ctx, tx, "policy.accepted", rec.Fingerprint, d)
}

// policyImpact counts people who would lose access moving from old to the
// configured policy.
func (t *Tenant) policyImpact(ctx context.Context, tx store.Tx, old policy.Document) (guard.Summary, error) {
	oldPol, err := policy.New(old)
	if err != nil {
		return guard.Summary{}, fmt.Errorf("accepted policy no longer compiles: %w", err)
	}
	people, err := tx.People().List(ctx)
	if err != nil {
		return guard.Summary{}, err
	}
	reqs, err := tx.Requests().List(ctx)
	if err != nil {
		return guard.Summary{}, err
	}
	now := t.svc.now()
	s := guard.Summary{Departments: map[string]int{}}
	for i := range people {
		p := &people[i]
		if st := p.StatusAt(now); st == person.Active || st == person.OnLeave {
			s.Active++
		}
		if losesAccess(oldPol.Desired(p, now, reqs), t.policy.Desired(p, now, reqs)) {
			s.Removals++
			s.Departments[cmpOr(p.Department, "(no department)")]++
		}
	}
	s.Limit = guard.Limit(s.Active, t.set.GuardPercent, t.set.GuardMax)
	return s, nil
}

// accepted returns the compiled policy plans must use: the configured one
// when it is the accepted one, else the accepted one.
func (t *Tenant) accepted(ctx context.Context, tx store.Tx) (*policy.Policy, error) {
	rec, err := tx.Policy().Get(ctx)
	if errors.Is(err, store.ErrNotFound) || (err == nil && rec.Fingerprint == t.set.Policy.Fingerprint()) {
		return t.policy, nil
	}
	if err != nil {
		return nil, err
	}
	var d policy.Document
	if err := json.Unmarshal(rec.Document, &d); err != nil {
		return nil, fmt.Errorf("accepted policy is corrupt: %w", err)
	}
	return policy.New(d)
}
