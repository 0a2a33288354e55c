// Package sla is the leaver clock: for every leaver and every app they held
// an account in, the time from the termination's effective moment to the
// verified removal (a connector's read-back, or the owner marking the task
// done), against the app tier's deadline. It is the number the seed asks
// for: "a number you can monitor and an auditor can test".
package sla

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Clock is one leaver's removal from one app.
type Clock struct {
	PersonID string `json:"person"`
	App      string `json:"app"`
	Tier     string `json:"tier"`
	// StartedAt is the termination's effective time; Deadline is StartedAt
	// plus the tier's leaver deadline.
	StartedAt time.Time `json:"startedAt"`
	Deadline  time.Time `json:"deadline"`
	// StoppedAt is when removal was verified; zero while open.
	StoppedAt time.Time `json:"stoppedAt,omitzero"`
	// StoppedBy says how: "verified:disable", "task:t1a2b3".
	StoppedBy string `json:"stoppedBy,omitempty"`
}

// Open reports whether the removal is not yet verified.
func (c Clock) Open() bool { return c.StoppedAt.IsZero() }

// Breached reports whether the deadline passed before the stop (or, open,
// before now).
func (c Clock) Breached(now time.Time) bool {
	end := c.StoppedAt
	if end.IsZero() {
		end = now
	}
	return end.After(c.Deadline)
}

// Elapsed is the time to revoke (or, open, the time so far).
func (c Clock) Elapsed(now time.Time) time.Duration {
	end := c.StoppedAt
	if end.IsZero() {
		end = now
	}
	return end.Sub(c.StartedAt)
}

// TierStats summarises one tier's stopped clocks.
type TierStats struct {
	Tier     string        `json:"tier"`
	Done     int           `json:"done"`
	Open     int           `json:"open"`
	Breaches int           `json:"breaches"`
	P50      time.Duration `json:"p50"`
	P90      time.Duration `json:"p90"`
	P99      time.Duration `json:"p99"`
	Max      time.Duration `json:"max"`
}

// Report is the SLA picture at one moment.
type Report struct {
	At    time.Time   `json:"at"`
	Open  []Clock     `json:"open"`
	Tiers []TierStats `json:"tiers"`
	// Breached lists every clock, open or stopped, past its deadline.
	Breached []Clock `json:"breached"`
}

// Build computes a report from clocks at now: open clocks soonest deadline
// first, and time-to-revoke percentiles (nearest rank) per tier.
func Build(clocks []Clock, now time.Time) Report {
	r := Report{At: now, Open: []Clock{}, Breached: []Clock{}}
	byTier := map[string][]time.Duration{}
	stats := map[string]*TierStats{}
	for _, c := range clocks {
		st, ok := stats[c.Tier]
		if !ok {
			st = &TierStats{Tier: c.Tier}
			stats[c.Tier] = st
		}
		if c.Breached(now) {
			st.Breaches++
			r.Breached = append(r.Breached, c)
		}
		if c.Open() {
			st.Open++
			r.Open = append(r.Open, c)
			continue
		}
		st.Done++
		byTier[c.Tier] = append(byTier[c.Tier], c.Elapsed(now))
	}
	slices.SortFunc(r.Open, func(a, b Clock) int { return a.Deadline.Compare(b.Deadline) })
	for tier, st := range stats {
		ds := byTier[tier]
		slices.Sort(ds)
		st.P50, st.P90, st.P99 = Percentile(ds, 50), Percentile(ds, 90), Percentile(ds, 99)
		if len(ds) > 0 {
			st.Max = ds[len(ds)-1]
		}
		r.Tiers = append(r.Tiers, *st)
	}
	slices.SortFunc(r.Tiers, func(a, b TierStats) int { return cmp.Compare(a.Tier, b.Tier) })
	return r
}

// Percentile is the nearest-rank p-th percentile of sorted durations.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
