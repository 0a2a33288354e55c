package conformance

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/sla"
	"github.com/tenure-dev/tenure/store"
)

var clockTests = []test{
	{"StartStopList", func(t *testing.T, e *env) {
		b := e.setup(t)
		other := newTenant(t, e.shared, t.Name()+"-other")
		a := sla.Clock{PersonID: "E1", App: "github", Tier: "crown-jewel", StartedAt: t0, Deadline: t0.Add(15 * time.Minute)}
		c := sla.Clock{PersonID: "E1", App: "slack", Tier: "standard", StartedAt: t0.Add(time.Second), Deadline: t0.Add(24 * time.Hour)}
		b.write(t, func(tx store.Tx) {
			ok, err := tx.Clocks().Start(b.ctx, a)
			require.NoError(t, err)
			require.True(t, ok)
			later := a
			later.StartedAt = t0.Add(time.Hour)
			ok, err = tx.Clocks().Start(b.ctx, later)
			require.NoError(t, err)
			require.False(t, ok, "an open clock keeps its first start")
			ok, err = tx.Clocks().Start(b.ctx, c)
			require.NoError(t, err)
			require.True(t, ok)
		})
		b.write(t, func(tx store.Tx) {
			ok, err := tx.Clocks().Stop(b.ctx, "E1", "github", t0.Add(3*time.Minute), "verified:disable")
			require.NoError(t, err)
			require.True(t, ok)
			ok, err = tx.Clocks().Stop(b.ctx, "E1", "github", t0.Add(4*time.Minute), "again")
			require.NoError(t, err)
			require.False(t, ok, "nothing open to stop")
		})
		a.StoppedAt, a.StoppedBy = t0.Add(3*time.Minute), "verified:disable"
		b.read(t, func(tx store.Tx) {
			all, err := tx.Clocks().List(b.ctx, false)
			require.NoError(t, err)
			require.Equal(t, []sla.Clock{a, c}, all)
			open, err := tx.Clocks().List(b.ctx, true)
			require.NoError(t, err)
			require.Equal(t, []sla.Clock{c}, open)
		})
		// A stopped clock does not block a new one (a rehire who leaves again).
		b.write(t, func(tx store.Tx) {
			again := a
			again.StartedAt, again.StoppedAt, again.StoppedBy = t0.Add(48*time.Hour), time.Time{}, ""
			ok, err := tx.Clocks().Start(b.ctx, again)
			require.NoError(t, err)
			require.True(t, ok)
		})
		other.read(t, func(tx store.Tx) {
			all, err := tx.Clocks().List(other.ctx, false)
			require.NoError(t, err)
			require.Empty(t, all, "clocks are per tenant")
		})
	}},
}
