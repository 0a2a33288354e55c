// Package store defines the storage ports of Tenure, one small interface per
// aggregate, and the sentinel errors every adapter returns.
//
// Every call is tenant-scoped: a Tx is opened for exactly one tenant and each
// port it hands out reads and writes that tenant's rows only, so code above
// the store cannot forget the tenant. Adapters (store/sqlite, and later
// store/postgres) keep their own SQL and must pass store/conformance.
//
// Writes happen inside Store.Write, one transaction: the change, its audit
// entry (Tx.Audit().Append) and — later — the queued work it causes commit
// together or not at all.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/sla"
	"github.com/tenure-dev/tenure/task"
	"github.com/tenure-dev/tenure/token"
)

// Sentinel errors. Adapters translate driver errors into these at the
// boundary (sql.ErrNoRows → ErrNotFound, unique violations → ErrConflict).
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
	// ErrNoTenant is returned (wrapping ErrNotFound) by Read and Write for a
	// tenant that was never created.
	ErrNoTenant = errors.New("no such tenant")
)

// Store is a database holding any number of isolated tenants.
type Store interface {
	// CreateTenant records a new tenant; ErrConflict if it exists.
	CreateTenant(ctx context.Context, id string) error
	// Tenants lists every tenant, ordered by id.
	Tenants(ctx context.Context) ([]Tenant, error)
	// Write runs fn in one read-write transaction scoped to tenant. If fn
	// returns an error everything it did is rolled back and the error returned.
	Write(ctx context.Context, tenant string, fn func(Tx) error) error
	// Read runs fn in a read-only transaction (a consistent snapshot) scoped
	// to tenant. Write methods called on its ports return an error.
	Read(ctx context.Context, tenant string, fn func(Tx) error) error
	Close() error
}

// Tenant is an isolated organisation.
type Tenant struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
}

// Tx is one transaction on one tenant's data.
type Tx interface {
	Tenant() string
	People() People
	Events() Events
	Requests() Requests
	Accounts() Accounts
	Batches() Batches
	Tokens() Tokens
	Audit() AuditLog
	Policy() PolicyRecords
	Receipts() Receipts
	Tasks() Tasks
	Clocks() Clocks
	// SCIM is one source's SCIM resources (see SCIMResources).
	SCIM(source string) SCIMResources
	Findings() Findings
	// Signals: signing keys, SSF streams and the SET outbox (signals.go).
	SigningKeys() SigningKeys
	Streams() Streams
	SETs() SETs
}

// People is the tenant's roster.
type People interface {
	// Get returns one person; ErrNotFound if absent.
	Get(ctx context.Context, id string) (person.Person, error)
	// List returns every person ordered by id.
	List(ctx context.Context) ([]person.Person, error)
	// Put inserts or replaces people by id.
	Put(ctx context.Context, ps ...person.Person) error
	// Count returns how many people have status s (every person when s is "").
	Count(ctx context.Context, s person.Status) (int, error)
}

// EventFilter selects events; zero fields do not filter.
type EventFilter struct {
	PersonID string
	State    person.EventState
	// DueBy keeps events effective at or before this time.
	DueBy time.Time
	// Limit caps the number returned (0: no cap).
	Limit int
}

// Events is the tenant's lifecycle event history.
type Events interface {
	// Append stores events in order and sets each one's ID (increasing).
	Append(ctx context.Context, evs []person.Event) error
	// List returns matching events ordered by ID.
	List(ctx context.Context, f EventFilter) ([]person.Event, error)
	// SetState changes one event's state; ErrNotFound if absent.
	SetState(ctx context.Context, id int64, s person.EventState) error
}

// Requests holds requested (approved, time-bound) access.
type Requests interface {
	// Put inserts or replaces a request by ID.
	Put(ctx context.Context, r policy.Request) error
	// List returns every request ordered by ID, expired ones included.
	List(ctx context.Context) ([]policy.Request, error)
	// Delete removes a request; ErrNotFound if absent.
	Delete(ctx context.Context, id string) error
}

// Accounts is the known actual state: what each app really holds.
type Accounts interface {
	// List returns the accounts of app (every app when app is ""), ordered
	// by app then external id.
	List(ctx context.Context, app string) ([]account.Account, error)
	// ByPerson returns the accounts linked to one person, ordered by app
	// then external id.
	ByPerson(ctx context.Context, personID string) ([]account.Account, error)
	// Put inserts or replaces accounts by (app, external id).
	Put(ctx context.Context, as ...account.Account) error
	// Delete removes one account; ErrNotFound if absent.
	Delete(ctx context.Context, app, externalID string) error
}

// Batches holds changes held by the mass-change guard.
type Batches interface {
	// Create stores a new batch; ErrConflict if its ID exists.
	Create(ctx context.Context, b guard.Batch) error
	// Get returns one batch with its payload; ErrNotFound if absent.
	Get(ctx context.Context, id string) (guard.Batch, error)
	// List returns batches with status s (all when s is ""), oldest first,
	// payloads included.
	List(ctx context.Context, s guard.BatchStatus) ([]guard.Batch, error)
	// Update replaces a batch by ID (read-modify-write inside the Tx);
	// ErrNotFound if absent.
	Update(ctx context.Context, b guard.Batch) error
}

// Tokens holds API tokens (hashes only).
type Tokens interface {
	// Create stores a token; ErrConflict if its ID exists.
	Create(ctx context.Context, t token.Token) error
	// Get returns one token of this tenant; ErrNotFound if absent or if it
	// belongs to another tenant.
	Get(ctx context.Context, id string) (token.Token, error)
	// List returns the tenant's tokens ordered by creation.
	List(ctx context.Context) ([]token.Token, error)
	// Revoke sets RevokedAt; ErrNotFound if absent.
	Revoke(ctx context.Context, id string, at time.Time) error
}

// AuditLog is the tenant's hash chain. Append is the only way in: it reads
// the head, seals the entry with audit.Seal and stores both, inside the Tx.
type AuditLog interface {
	// Append seals e after the current head and stores it; the sealed entry
	// (with Seq and hashes) is returned.
	Append(ctx context.Context, e audit.Entry) (audit.Entry, error)
	// Head returns the last entry's seq and hash (0 and audit.Genesis when empty).
	Head(ctx context.Context) (seq int64, hash string, err error)
	// Scan returns up to limit entries with Seq > after, in Seq order.
	Scan(ctx context.Context, after int64, limit int) ([]audit.Entry, error)
}

// PolicyRecord is the policy (roles and birthright rules) last accepted for
// a tenant. A changed policy that would remove much access is held by the
// guard, and until it is approved plans use the accepted one.
type PolicyRecord struct {
	Fingerprint string          `json:"fingerprint"`
	Document    json.RawMessage `json:"document"`
	AcceptedAt  time.Time       `json:"acceptedAt"`
}

// PolicyRecords stores the accepted policy.
type PolicyRecords interface {
	// Get returns the accepted policy; ErrNotFound if none yet.
	Get(ctx context.Context) (PolicyRecord, error)
	// Put replaces the accepted policy.
	Put(ctx context.Context, r PolicyRecord) error
}

// Receipts remembers the ids of HR events already applied, so an HR system
// may resend a batch and an old event can never replay over a newer one.
type Receipts interface {
	// Seen returns the subset of ids already recorded.
	Seen(ctx context.Context, ids []string) (map[string]bool, error)
	// Record stores ids as received at at; ErrConflict if one already is.
	Record(ctx context.Context, ids []string, at time.Time) error
}

// TaskFilter selects tasks; zero fields do not filter.
type TaskFilter struct {
	Status   task.Status
	PersonID string
	App      string
}

// Tasks holds work for humans.
type Tasks interface {
	// Create stores a task; ErrConflict if its ID exists, or if an open task
	// with the same Key exists (one open task per operation).
	Create(ctx context.Context, t task.Task) error
	// Get returns one task; ErrNotFound if absent.
	Get(ctx context.Context, id string) (task.Task, error)
	// List returns matching tasks ordered by due time, then ID.
	List(ctx context.Context, f TaskFilter) ([]task.Task, error)
	// Update replaces a task by ID; ErrNotFound if absent.
	Update(ctx context.Context, t task.Task) error
}

// Clocks holds the leaver clocks.
type Clocks interface {
	// Start opens a clock for (person, app) unless one is already open, and
	// reports whether it did: re-queuing a leaver's work keeps the first start.
	Start(ctx context.Context, c sla.Clock) (bool, error)
	// Stop stops the open clock of (person, app) at at; false if none is open.
	Stop(ctx context.Context, personID, app string, at time.Time, by string) (bool, error)
	// List returns clocks (only open ones when open is true), by start time.
	List(ctx context.Context, open bool) ([]sla.Clock, error)
}

// SCIMResource is a resource an identity provider pushed over SCIM, kept
// whole (Data is its JSON) so the provider reads back exactly what it wrote.
type SCIMResource struct {
	// Type is the SCIM resource type ("User", "Group").
	Type string
	ID   string
	// Name is the type's unique name folded to lower case (userName for a
	// User, displayName for a Group): the index behind `userName eq` lookups.
	Name string
	// ExternalID is the provider's own id, for `externalId eq` lookups.
	ExternalID string
	Data       json.RawMessage
}

// SCIMResources stores the SCIM resources one source (an identity
// provider, named by its token) pushed to the tenant. Each source is its
// own namespace, as each tenant is: ids and unique names are per source,
// and no call sees or changes another source's resources.
type SCIMResources interface {
	// Get returns one resource; ErrNotFound if absent.
	Get(ctx context.Context, typ, id string) (SCIMResource, error)
	// ByName returns the resource of typ with the folded name; ErrNotFound if none.
	ByName(ctx context.Context, typ, name string) (SCIMResource, error)
	// ByExternalID returns the resources of typ with that external id.
	ByExternalID(ctx context.Context, typ, externalID string) ([]SCIMResource, error)
	// Put inserts or replaces a resource by (type, id); ErrConflict if
	// another resource of the type in the source has its Name.
	Put(ctx context.Context, r SCIMResource) error
	// Delete removes a resource; ErrNotFound if absent.
	Delete(ctx context.Context, typ, id string) error
	// List returns every resource of typ, in a stable order (by id).
	List(ctx context.Context, typ string) ([]SCIMResource, error)
}

// FindingFilter selects findings; zero fields do not filter.
type FindingFilter struct {
	App   string
	Class account.Class
	// Owner keeps service accounts owned by this employeeId.
	Owner string
}

// Findings holds what the latest reconciliation of each app found: the
// accounts it flagged (orphans, ghosts, drift, unmanaged, service and
// ambiguous accounts) and what was done about them.
type Findings interface {
	// Replace makes fs the findings of app, dropping the previous run's.
	Replace(ctx context.Context, app string, fs []account.Finding) error
	// List returns matching findings ordered by app, then external id.
	List(ctx context.Context, f FindingFilter) ([]account.Finding, error)
	// SetOwner records a service account's new owner after a transfer;
	// false when no such service account was found.
	SetOwner(ctx context.Context, app, externalID, owner string) (bool, error)
}
