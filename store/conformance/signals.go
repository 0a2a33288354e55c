package conformance

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/store"
)

var signalTests = []test{
	{"SigningKeysCreateListRetireDelete", func(t *testing.T, e *env) {
		b := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"#b")
		id := func(s string) string { return b.tenant + "/" + s }
		older := store.SigningKey{ID: id("k2"), Alg: "RS256", Public: json.RawMessage(`{"kty":"RSA"}`), Sealed: []byte{1, 2, 3}, CreatedAt: t0}
		newer := store.SigningKey{ID: id("k1"), Alg: "ES256", Public: json.RawMessage(`{"kty":"EC"}`), Sealed: []byte{4}, CreatedAt: t0.Add(time.Hour)}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.SigningKeys().Create(b.ctx, newer))
			require.NoError(t, tx.SigningKeys().Create(b.ctx, older))
			require.ErrorIs(t, tx.SigningKeys().Create(b.ctx, older), store.ErrConflict)
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.SigningKeys().List(b.ctx)
			require.NoError(t, err)
			require.Equal(t, []store.SigningKey{older, newer}, got, "oldest first, not by id")
		})
		other.read(t, func(tx store.Tx) {
			got, err := tx.SigningKeys().List(other.ctx)
			require.NoError(t, err)
			require.Empty(t, got, "another tenant's keys are not listed")
		})
		other.write(t, func(tx store.Tx) {
			require.ErrorIs(t, tx.SigningKeys().Retire(other.ctx, older.ID, t0), store.ErrNotFound)
			require.ErrorIs(t, tx.SigningKeys().Delete(other.ctx, older.ID), store.ErrNotFound)
		})
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.SigningKeys().Retire(b.ctx, older.ID, t0.Add(2*time.Hour)))
			require.NoError(t, tx.SigningKeys().Delete(b.ctx, newer.ID))
			require.ErrorIs(t, tx.SigningKeys().Delete(b.ctx, newer.ID), store.ErrNotFound)
		})
		older.RetiredAt = t0.Add(2 * time.Hour)
		b.read(t, func(tx store.Tx) {
			got, err := tx.SigningKeys().List(b.ctx)
			require.NoError(t, err)
			require.Equal(t, []store.SigningKey{older}, got)
		})
	}},
	{"StreamsAndSubjects", func(t *testing.T, e *env) {
		b := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"#b")
		s1 := store.Stream{ID: "s1", Owner: "tok1", Config: json.RawMessage(`{"aud":"a"}`), Status: "enabled", CreatedAt: t0, UpdatedAt: t0}
		s2 := store.Stream{ID: "s0", Owner: "tok2", Config: json.RawMessage(`{"aud":"b"}`), Status: "paused", Reason: "why", CreatedAt: t0.Add(time.Minute), UpdatedAt: t0.Add(time.Minute)}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Streams().Create(b.ctx, s1))
			require.NoError(t, tx.Streams().Create(b.ctx, s2))
			require.ErrorIs(t, tx.Streams().Create(b.ctx, s1), store.ErrConflict)
			require.NoError(t, tx.Streams().AddSubject(b.ctx, "s1", "email:ada@example.com", json.RawMessage(`{"format":"email"}`)))
			require.NoError(t, tx.Streams().AddSubject(b.ctx, "s1", "email:ada@example.com", json.RawMessage(`{"format":"email","x":1}`)), "adding twice is fine")
			require.NoError(t, tx.Streams().AddSubject(b.ctx, "s0", "opaque:E1", json.RawMessage(`{}`)))
			require.ErrorIs(t, tx.Streams().AddSubject(b.ctx, "nope", "opaque:E1", json.RawMessage(`{}`)), store.ErrNotFound)
		})
		other.write(t, func(tx store.Tx) {
			_, err := tx.Streams().Get(other.ctx, "s1")
			require.ErrorIs(t, err, store.ErrNotFound)
			ids, err := tx.Streams().Subscribed(other.ctx, []string{"email:ada@example.com"})
			require.NoError(t, err)
			require.Empty(t, ids)
			// The same stream id in another tenant is another stream.
			require.NoError(t, tx.Streams().Create(other.ctx, s1))
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.Streams().Get(b.ctx, "s1")
			require.NoError(t, err)
			require.Equal(t, s1, got)
			all, err := tx.Streams().List(b.ctx)
			require.NoError(t, err)
			require.Equal(t, []store.Stream{s1, s2}, all, "oldest first")
			ids, err := tx.Streams().Subscribed(b.ctx, []string{"opaque:E1", "email:ada@example.com", "email:nobody"})
			require.NoError(t, err)
			require.Equal(t, []string{"s0", "s1"}, ids)
			ids, err = tx.Streams().Subscribed(b.ctx, nil)
			require.NoError(t, err)
			require.Empty(t, ids)
		})
		s2.Status, s2.Reason, s2.UpdatedAt = "enabled", "", t0.Add(time.Hour)
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Streams().Update(b.ctx, s2))
			require.ErrorIs(t, tx.Streams().Update(b.ctx, store.Stream{ID: "nope"}), store.ErrNotFound)
			require.NoError(t, tx.Streams().RemoveSubject(b.ctx, "s1", "email:ada@example.com"))
			require.ErrorIs(t, tx.Streams().RemoveSubject(b.ctx, "s1", "email:ada@example.com"), store.ErrNotFound)
			require.NoError(t, tx.SETs().Put(b.ctx, store.SET{Stream: "s0", JTI: "j", Token: "x.y.z", CreatedAt: t0}))
			require.NoError(t, tx.Streams().Delete(b.ctx, "s0"))
			require.ErrorIs(t, tx.Streams().Delete(b.ctx, "s0"), store.ErrNotFound)
		})
		b.read(t, func(tx store.Tx) {
			all, err := tx.Streams().List(b.ctx)
			require.NoError(t, err)
			require.Equal(t, []store.Stream{s1}, all)
			ids, err := tx.Streams().Subscribed(b.ctx, []string{"opaque:E1", "email:ada@example.com"})
			require.NoError(t, err)
			require.Empty(t, ids, "a deleted stream's subjects go with it")
			n, err := tx.SETs().Count(b.ctx, "s0")
			require.NoError(t, err)
			require.Zero(t, n, "a deleted stream's SETs go with it")
		})
	}},
	{"SETOutbox", func(t *testing.T, e *env) {
		b := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"#b")
		mk := func(jti string, i int) store.SET {
			return store.SET{Stream: "s", JTI: jti, Token: "tok-" + jti, PersonID: "E1", CreatedAt: t0.Add(time.Duration(i) * time.Second)}
		}
		// Inserted out of jti order: Pending is insertion order.
		a, c, d := mk("c", 0), mk("a", 1), mk("b", 2)
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.SETs().Put(b.ctx, a, c))
			require.NoError(t, tx.SETs().Put(b.ctx, d))
			require.ErrorIs(t, tx.SETs().Put(b.ctx, mk("a", 5)), store.ErrConflict)
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.SETs().Pending(b.ctx, "s", 0)
			require.NoError(t, err)
			require.Equal(t, []store.SET{a, c, d}, got)
			got, err = tx.SETs().Pending(b.ctx, "s", 2)
			require.NoError(t, err)
			require.Equal(t, []store.SET{a, c}, got)
			one, err := tx.SETs().Get(b.ctx, "s", "a")
			require.NoError(t, err)
			require.Equal(t, c, one)
			_, err = tx.SETs().Get(b.ctx, "s", "zz")
			require.ErrorIs(t, err, store.ErrNotFound)
			n, err := tx.SETs().Count(b.ctx, "s")
			require.NoError(t, err)
			require.Equal(t, 3, n)
		})
		other.write(t, func(tx store.Tx) {
			n, err := tx.SETs().Delete(other.ctx, "s", "a", "b", "c")
			require.NoError(t, err)
			require.Zero(t, n, "another tenant deletes nothing")
			require.NoError(t, tx.SETs().Put(other.ctx, mk("a", 0)), "jti is unique per tenant and stream")
		})
		b.write(t, func(tx store.Tx) {
			n, err := tx.SETs().Delete(b.ctx, "s", "a", "c", "unknown")
			require.NoError(t, err)
			require.Equal(t, 2, n)
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.SETs().Pending(b.ctx, "s", 0)
			require.NoError(t, err)
			require.Equal(t, []store.SET{d}, got)
		})
	}},
}
