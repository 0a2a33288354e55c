package server

import (
	"context"
	"errors"

	"github.com/tenure-dev/tenure/scim"
)

// Store is the storage port of the handler: resources of one tenant, kept
// by resource type ("User", "Group"). The caller resolves the tenant
// before the handler runs, so a Store is already scoped to one.
//
// Resources cross the port in canonical form (scim.Resource) with "id" and
// "meta" (resourceType, created, lastModified, version) set by the
// handler; meta.location is not stored, as it depends on where the
// handler is mounted. A Store keeps what it is given and returns it
// unchanged, except that it may drop meta.location. Resources it returns
// belong to the caller, who may modify them.
//
// Errors: a missing resource is ErrNotFound, a taken unique value is
// ErrUniqueness (optionally a *UniquenessError naming the attribute); both
// may be wrapped. Any other error is a server failure (500).
//
// Every implementation runs the conformance suite storetest.Run.
type Store interface {
	// Create stores a new resource and returns it as stored. It enforces
	// the uniqueness of the type's unique attribute (userName for User,
	// displayName for Group), folding case.
	Create(ctx context.Context, resourceType string, res scim.Resource) (scim.Resource, error)

	// Get returns the resource with id, or ErrNotFound.
	Get(ctx context.Context, resourceType, id string) (scim.Resource, error)

	// Replace is an atomic read-modify-write: it calls fn with the current
	// resource (a copy fn may modify) and stores what fn returns, in one
	// transaction, so that concurrent writes cannot interleave and a PUT or
	// PATCH is applied whole or not at all. If fn fails, nothing is written
	// and its error is returned as it is (wrapping allowed). fn returning
	// the old resource unchanged (scim.Equal) is a no-op the store may skip
	// writing. Uniqueness is enforced as in Create. fn never changes "id".
	Replace(ctx context.Context, resourceType, id string,
		fn func(old scim.Resource) (scim.Resource, error)) (scim.Resource, error)

	// Delete removes the resource with id, or returns ErrNotFound. If check
	// is not nil it is called first with the current resource, in the same
	// transaction, and an error from it aborts the delete and is returned
	// as it is: the handler checks If-Match there.
	Delete(ctx context.Context, resourceType, id string, check func(old scim.Resource) error) error

	// List returns one page of the resources that match q, in q's order,
	// and the number of matches before paging. Without a sort the order is
	// the store's own but must be stable between calls, so that a client
	// paging through results sees each resource once.
	List(ctx context.Context, resourceType string, q Query) (page []scim.Resource, total int, err error)
}

// Query is what List answers: a filter, an order and a page, each already
// parsed and checked by the handler.
type Query struct {
	// Filter selects resources; nil selects all. Filter.Match decides for
	// any resource. Filter.Equality reports the `ATTR eq "value"` form that
	// IdPs send to look a user up (`userName eq "…"`, `externalId eq "…"`),
	// which a store should answer from an index: it comes with every user
	// provisioned and must not scan.
	Filter *scim.Filter
	// Sort orders the matches before paging; nil keeps the store's order.
	Sort *scim.Sorter
	// Page is the window of the ordered matches to return (Page.Bounds
	// gives it as slice bounds). Count 0 asks for the total only.
	Page scim.Page
}

// Sentinel errors a Store returns (wrapped or not).
var (
	// ErrNotFound: no resource of that type has that id. 404.
	ErrNotFound = errors.New("scim store: resource not found")
	// ErrUniqueness: the resource would take a unique value (userName,
	// group displayName) another resource has. 409 uniqueness.
	ErrUniqueness = errors.New("scim store: unique value already taken")
)

// UniquenessError is ErrUniqueness naming the attribute, so the client's
// error message can say which value to change.
type UniquenessError struct {
	// Attribute is the canonical attribute name ("userName").
	Attribute string
}

func (e *UniquenessError) Error() string {
	return "scim store: " + e.Attribute + " already taken"
}

// Is makes errors.Is(err, ErrUniqueness) true.
func (e *UniquenessError) Is(target error) bool { return target == ErrUniqueness }
