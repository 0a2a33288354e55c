package conformance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store"
)

var requestTests = []test{
	{"PutListReplaceDelete", func(t *testing.T, e *env) {
		b := e.setup(t)
		r1, r2 := fullRequest("R1"), fullRequest("R2")
		expired := policy.Request{ID: "R0", PersonID: "E2", App: "slack", Approver: "E0001",
			Reason: "event", ExpiresAt: t0.Add(-time.Hour)}
		b.write(t, func(tx store.Tx) {
			for _, r := range []policy.Request{r2, expired, r1} {
				require.NoError(t, tx.Requests().Put(b.ctx, r))
			}
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.Requests().List(b.ctx)
			require.NoError(t, err)
			require.Equal(t, []policy.Request{expired, r1, r2}, got)
		})

		r1.Entitlement, r1.ExpiresAt, r1.CreatedAt = "", t0.Add(time.Minute), time.Time{}
		b.write(t, func(tx store.Tx) {
			require.NoError(t, tx.Requests().Put(b.ctx, r1))
			require.NoError(t, tx.Requests().Delete(b.ctx, "R2"))
			require.ErrorIs(t, tx.Requests().Delete(b.ctx, "R2"), store.ErrNotFound)
			require.ErrorIs(t, tx.Requests().Delete(b.ctx, "R9"), store.ErrNotFound)
		})
		b.read(t, func(tx store.Tx) {
			got, err := tx.Requests().List(b.ctx)
			require.NoError(t, err)
			require.Equal(t, []policy.Request{expired, r1}, got)
		})
	}},
}
