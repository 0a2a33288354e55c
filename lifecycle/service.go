// Package lifecycle is the tenant service: it imports rosters into
// lifecycle events, holds mass removals for approval, keeps the accepted
// policy, computes plans and answers for the audit chain. The CLI and the
// HTTP API both call it; neither touches the store directly.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store"
)

// Settings are what the service needs to know of one tenant's configuration
// (config.Tenant converted by FromConfig).
type Settings struct {
	Tenant string
	Policy policy.Document
	Apps   map[string]plan.App
	// AbsentTerminate terminates people missing from a full snapshot.
	AbsentTerminate bool
	// GuardPercent and GuardMax bound how many people one batch may remove
	// access from: the smaller of GuardPercent % of active people (rounded
	// up, so a single leaver never needs approval) and GuardMax.
	GuardPercent float64
	GuardMax     int
	// SCIMMapping maps roster fields to SCIM attributes for users pushed
	// over SCIM (config scim.mapping); nil keeps the defaults.
	SCIMMapping map[string][]string
}

// Service works on tenants of one store.
type Service struct {
	Store store.Store
	// Now is the clock; tests pin it.
	Now func() time.Time
	// Actor names who is acting in audit entries ("cli:alice").
	Actor string
	Log   *slog.Logger
	// OnChange, when set, runs inside the transaction of every roster change
	// with the people it touched: the engine queues their operations there,
	// so a committed change always has its work queued and a rolled-back one
	// never does.
	OnChange func(ctx context.Context, tx store.Tx, t *Tenant, people []string) error
	// Enqueue, when set, queues operations inside tx (the engine's
	// Enqueue): reconciliation's operations on accounts of no person and
	// its deletes, which no roster change explains.
	Enqueue func(ctx context.Context, tx store.Tx, ops []plan.Operation) (int, error)
	// OnEvents, when set, runs inside the same transaction with the
	// lifecycle events it recorded or fired (scheduled ones included; the
	// hook looks at the applied ones): the signals of a leave — SETs,
	// back-channel logouts — are queued there, with the change.
	OnEvents func(ctx context.Context, tx store.Tx, t *Tenant, evs []person.Event) error
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

var tenantID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// CreateTenant records a new tenant and opens its audit chain.
func (s *Service) CreateTenant(ctx context.Context, id string) error {
	if !tenantID.MatchString(id) {
		return fmt.Errorf("tenant id %q: use 1–63 lower-case letters, digits and dashes, starting with a letter or digit", id)
	}
	if err := s.Store.CreateTenant(ctx, id); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("tenant %q already exists", id)
		}
		return err
	}
	return s.Store.Write(ctx, id, func(tx store.Tx) error {
		return s.audit(ctx, tx, "tenant.created", id, nil)
	})
}

// audit appends one entry in tx.
func (s *Service) audit(ctx context.Context, tx store.Tx, action, subject string, data any) error {
	e := audit.Entry{At: s.now(), Actor: s.Actor, Action: action, Subject: subject}
	if data != nil {
		e.Data = audit.Data(data)
	}
	if _, err := tx.Audit().Append(ctx, e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Tenant is the service bound to one tenant's settings, its policy compiled.
type Tenant struct {
	svc    *Service
	set    Settings
	policy *policy.Policy
}

// Tenant compiles a tenant's settings.
func (s *Service) Tenant(set Settings) (*Tenant, error) {
	pol, err := policy.New(set.Policy)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w", set.Tenant, err)
	}
	return &Tenant{svc: s, set: set, policy: pol}, nil
}

// ID is the tenant id.
func (t *Tenant) ID() string { return t.set.Tenant }

// wrapNoTenant turns the store's missing-tenant error into advice.
func wrapNoTenant(id string, err error) error {
	if errors.Is(err, store.ErrNoTenant) {
		return fmt.Errorf("tenant %q does not exist: create it with `tenure tenant create %s`", id, id)
	}
	return err
}

// App returns what the tenant's configuration says about an app.
func (t *Tenant) App(id string) (plan.App, bool) {
	a, ok := t.set.Apps[id]
	return a, ok
}

// Service is the service the tenant belongs to.
func (t *Tenant) Service() *Service { return t.svc }

// Time is the service's clock.
func (s *Service) Time() time.Time { return s.now() }

// SCIMMapping is the tenant's SCIM attribute mapping (nil: defaults).
func (t *Tenant) SCIMMapping() map[string][]string { return t.set.SCIMMapping }
