// Package conformance is the behaviour every store.Store adapter must have,
// written once and run against each of them: store/sqlite's tests call Run,
// and so will a PostgreSQL adapter's. When a port's semantics change, this
// suite changes first.
//
// Every test creates its own tenants (named after the test) on one shared
// store, so the tests run in parallel and also show that tenants do not see
// each other.
package conformance

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/store"
)

// Run checks the stores open makes against every port's documented
// behaviour. open must return a new, empty store each time it is called (a
// file in t.TempDir(), a fresh schema) and close it when t ends. Most tests
// share one store; a few open their own.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	shared := open(t)
	groups := []struct {
		name  string
		tests []test
	}{
		{"Tenants", tenantTests},
		{"Tx", txTests},
		{"People", peopleTests},
		{"Events", eventTests},
		{"Requests", requestTests},
		{"Accounts", accountTests},
		{"Batches", batchTests},
		{"Tokens", tokenTests},
		{"Audit", auditTests},
		{"Policy", policyTests},
		{"Tasks", taskTests},
		{"Receipts", receiptTests},
		{"Clocks", clockTests},
		{"SCIM", scimTests},
		{"Findings", findingTests},
		{"Signals", signalTests},
		{"Errors", errorTests},
		{"Isolation", isolationTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tt := range g.tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					tt.run(t, &env{shared: shared, open: open})
				})
			}
		})
	}
}

// test is one conformance check.
type test struct {
	name string
	run  func(t *testing.T, e *env)
}

// env is what a test is given: the shared store, and open for the few tests
// that need a store of their own (listing every tenant, say).
type env struct {
	shared store.Store
	open   func(t *testing.T) store.Store
}

// bundle is one tenant of a store, ready for a test.
type bundle struct {
	ctx    context.Context
	store  store.Store
	tenant string
}

// setup creates a tenant named after the test on the shared store.
func (e *env) setup(t *testing.T) *bundle {
	t.Helper()
	return newTenant(t, e.shared, t.Name())
}

// newTenant creates tenant id on s.
func newTenant(t *testing.T, s store.Store, id string) *bundle {
	t.Helper()
	b := &bundle{ctx: t.Context(), store: s, tenant: id}
	require.NoError(t, s.CreateTenant(b.ctx, id))
	return b
}

// write runs fn in a write transaction that must succeed.
func (b *bundle) write(t *testing.T, fn func(tx store.Tx)) {
	t.Helper()
	require.NoError(t, b.store.Write(b.ctx, b.tenant, func(tx store.Tx) error {
		require.Equal(t, b.tenant, tx.Tenant())
		fn(tx)
		return nil
	}))
}

// read runs fn in a read transaction that must succeed.
func (b *bundle) read(t *testing.T, fn func(tx store.Tx)) {
	t.Helper()
	require.NoError(t, b.store.Read(b.ctx, b.tenant, func(tx store.Tx) error {
		require.Equal(t, b.tenant, tx.Tenant())
		fn(tx)
		return nil
	}))
}
