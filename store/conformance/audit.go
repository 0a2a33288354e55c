package conformance

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/store"
)

var auditTests = []test{
	{"EmptyHead", func(t *testing.T, e *env) {
		b := e.setup(t)
		b.read(t, func(tx store.Tx) {
			seq, hash, err := tx.Audit().Head(b.ctx)
			require.NoError(t, err)
			require.Equal(t, int64(0), seq)
			require.Equal(t, audit.Genesis, hash)
			require.Empty(t, scanAll(t, b, tx))
		})
	}},
	{"AppendChains", func(t *testing.T, e *env) {
		b := e.setup(t)
		var sealed []audit.Entry
		appendN := func(tx store.Tx, n int) {
			for i := range n {
				in := audit.Entry{
					Tenant: "ignored: the Tx's tenant is used", At: t0.Add(time.Duration(i) * time.Second),
					Actor: "cli:root", Action: "person.join", Subject: fmt.Sprintf("E%d", len(sealed)),
					Data: audit.Data(map[string]string{"department": "Engineering"}),
				}
				got, err := tx.Audit().Append(b.ctx, in)
				require.NoError(t, err)
				prevSeq, prevHash := int64(0), audit.Genesis
				if len(sealed) > 0 {
					prevSeq, prevHash = sealed[len(sealed)-1].Seq, sealed[len(sealed)-1].Hash
				}
				in.Tenant = b.tenant
				require.Equal(t, audit.Seal(in, prevSeq, prevHash), got)
				sealed = append(sealed, got)
				seq, hash, err := tx.Audit().Head(b.ctx)
				require.NoError(t, err)
				require.Equal(t, got.Seq, seq)
				require.Equal(t, got.Hash, hash)
			}
		}
		b.write(t, func(tx store.Tx) { appendN(tx, 3) })
		b.write(t, func(tx store.Tx) {
			appendN(tx, 2)
			// Entries appended in this Tx are visible to it.
			require.Equal(t, sealed, scanAll(t, b, tx))
		})
		for i, e := range sealed {
			require.Equal(t, int64(i+1), e.Seq)
		}
		b.read(t, func(tx store.Tx) {
			require.Equal(t, sealed, requireChain(t, b, tx, 5))
			page, err := tx.Audit().Scan(b.ctx, 2, 2)
			require.NoError(t, err)
			require.Equal(t, sealed[2:4], page)
			page, err = tx.Audit().Scan(b.ctx, 5, 10)
			require.NoError(t, err)
			require.Empty(t, page)
		})
	}},
	{"AppendDefaultsTime", func(t *testing.T, e *env) {
		b := e.setup(t)
		before := time.Now().Add(-time.Second)
		var got audit.Entry
		b.write(t, func(tx store.Tx) {
			var err error
			got, err = tx.Audit().Append(b.ctx, audit.Entry{Actor: "engine", Action: "batch.held"})
			require.NoError(t, err)
		})
		require.True(t, got.At.After(before), "At %v not defaulted to now", got.At)
		require.Equal(t, got.At.UTC().Truncate(time.Microsecond), got.At)
		b.read(t, func(tx store.Tx) {
			require.Equal(t, []audit.Entry{got}, requireChain(t, b, tx, 1))
		})
	}},
	{"ManyInOneTx", func(t *testing.T, e *env) {
		// An import appends one entry per person in one transaction.
		b := e.setup(t)
		var sealed []audit.Entry
		b.write(t, func(tx store.Tx) {
			for i := range 1234 {
				got, err := tx.Audit().Append(b.ctx, audit.Entry{At: t0, Actor: "engine", Action: "person.join",
					Subject: fmt.Sprintf("P%05d", i), Data: json.RawMessage(`{"n":1}`)})
				require.NoError(t, err)
				sealed = append(sealed, got)
			}
		})
		b.read(t, func(tx store.Tx) {
			require.Equal(t, sealed, requireChain(t, b, tx, 1234))
		})
	}},
	{"TenantsChainIndependently", func(t *testing.T, e *env) {
		a := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"#b")
		// Interleaved, so that a head shared between tenants would show.
		for i := range 3 {
			for _, b := range []*bundle{a, other} {
				if b == other && i == 2 {
					continue
				}
				b.write(t, func(tx store.Tx) {
					_, err := tx.Audit().Append(b.ctx, audit.Entry{At: t0, Actor: "test", Action: "token.created"})
					require.NoError(t, err)
				})
			}
		}
		a.read(t, func(tx store.Tx) {
			es := requireChain(t, a, tx, 3)
			require.Equal(t, audit.Genesis, es[0].PrevHash)
		})
		other.read(t, func(tx store.Tx) {
			es := requireChain(t, other, tx, 2)
			require.Equal(t, audit.Genesis, es[0].PrevHash)
			require.Equal(t, other.tenant, es[0].Tenant)
		})
	}},
}

// scanAll reads the whole log a page at a time.
func scanAll(t *testing.T, b *bundle, tx store.Tx) []audit.Entry {
	t.Helper()
	var all []audit.Entry
	for {
		page, err := tx.Audit().Scan(b.ctx, int64(len(all)), 500)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 500)
		all = append(all, page...)
		if len(page) < 500 {
			return all
		}
	}
}

// requireChain checks that the tenant's log holds n entries that verify and
// end at the recorded head, and returns them.
func requireChain(t *testing.T, b *bundle, tx store.Tx, n int) []audit.Entry {
	t.Helper()
	entries := scanAll(t, b, tx)
	require.Len(t, entries, n)
	v := audit.NewVerifier(b.tenant)
	for _, e := range entries {
		require.NoError(t, v.Next(e))
	}
	seq, hash, err := tx.Audit().Head(b.ctx)
	require.NoError(t, err)
	require.NoError(t, v.Finish(seq, hash))
	return entries
}
