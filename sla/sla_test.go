package sla

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReport(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	now := t0.Add(2 * time.Hour)
	clk := func(p, tier string, deadline, took time.Duration) Clock {
		c := Clock{PersonID: p, App: "a-" + p, Tier: tier, StartedAt: t0, Deadline: t0.Add(deadline)}
		if took > 0 {
			c.StoppedAt, c.StoppedBy = t0.Add(took), "verified:disable"
		}
		return c
	}
	r := Build([]Clock{
		clk("E1", "crown-jewel", 15*time.Minute, 2*time.Minute),
		clk("E2", "crown-jewel", 15*time.Minute, 20*time.Minute), // breached, done
		clk("E3", "crown-jewel", 15*time.Minute, 0),              // open and breached
		clk("E4", "standard", 24*time.Hour, 0),                   // open, in time
		clk("E5", "standard", 24*time.Hour, time.Hour),
	}, now)
	require.Len(t, r.Open, 2)
	require.Equal(t, "E3", r.Open[0].PersonID, "soonest deadline first")
	require.Len(t, r.Breached, 2)
	cj := r.Tiers[0]
	require.Equal(t, TierStats{Tier: "crown-jewel", Done: 2, Open: 1, Breaches: 2,
		P50: 2 * time.Minute, P90: 20 * time.Minute, P99: 20 * time.Minute, Max: 20 * time.Minute}, cj)
	require.Equal(t, 1, r.Tiers[1].Done)
	require.Zero(t, r.Tiers[1].Breaches)
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Second)
	}
	require.Equal(t, 50*time.Second, Percentile(ds, 50))
	require.Equal(t, 99*time.Second, Percentile(ds, 99))
	require.Equal(t, 100*time.Second, Percentile(ds, 100))
	require.Zero(t, Percentile(nil, 50))
}
