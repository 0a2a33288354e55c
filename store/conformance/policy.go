package conformance

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/store"
)

var policyTests = []test{
	{"GetPut", func(t *testing.T, e *env) {
		b := e.setup(t)
		b.read(t, func(tx store.Tx) {
			_, err := tx.Policy().Get(b.ctx)
			require.ErrorIs(t, err, store.ErrNotFound)
		})
		first := store.PolicyRecord{
			Fingerprint: "sha256:1111",
			Document:    json.RawMessage(`{"roles":[{"name":"engineer","apps":["github"]}]}`),
			AcceptedAt:  t0,
		}
		second := store.PolicyRecord{
			Fingerprint: "sha256:2222",
			Document:    json.RawMessage(`{"roles":[]}`),
			AcceptedAt:  t0.Add(time.Hour),
		}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Policy().Put(b.ctx, first))
			got, err := tx.Policy().Get(b.ctx)
			require.NoError(t, err)
			require.Equal(t, first, got)
		})
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Policy().Put(b.ctx, second))
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.Policy().Get(b.ctx)
			require.NoError(t, err)
			require.Equal(t, second, got)
		})
	}},
}
