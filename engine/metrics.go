package engine

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenure-dev/tenure/lifecycle"
)

// revokeBuckets span the deadlines that matter: minutes for crown-jewel
// apps, a day for standard ones.
var revokeBuckets = []float64{60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600, 72 * 3600}

var (
	revokeDesc = prometheus.NewDesc("tenure_leaver_time_to_revoke_seconds",
		"Time from a termination's effective moment to verified removal, per tier.", []string{"tenant", "tier"}, nil)
	openDesc = prometheus.NewDesc("tenure_leaver_removals_open",
		"Leaver removals not yet verified.", []string{"tenant", "tier"}, nil)
	breachDesc = prometheus.NewDesc("tenure_leaver_breaches",
		"Leaver removals past their tier's deadline (open or done late).", []string{"tenant", "tier"}, nil)
	depthDesc = prometheus.NewDesc("tenure_queue_depth",
		"Operations waiting or running, by priority (1 = a leaver's removals).", []string{"priority"}, nil)
)

// newOutcomes counts worked operations by app and outcome; each engine has
// its own, exposed through its Collector.
func newOutcomes() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tenure_operations_total",
		Help: "Operations worked, by tenant, app and outcome (verified, task, retry, snoozed).",
	}, []string{"tenant", "app", "outcome"})
}

// Collector exposes the leaver clock and the queue to Prometheus, read from
// the store at scrape time so every replica reports the same truth.
func (e *Engine) Collector(tenants []*lifecycle.Tenant) prometheus.Collector {
	return &collector{e: e, tenants: tenants}
}

type collector struct {
	e       *Engine
	tenants []*lifecycle.Tenant
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- revokeDesc
	ch <- openDesc
	ch <- breachDesc
	ch <- depthDesc
	c.e.outcomes.Describe(ch)
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, t := range c.tenants {
		rep, err := t.SLA(ctx)
		if err != nil {
			c.e.cfg.Log.Warn("metrics: leaver clock", "tenant", t.ID(), "err", err)
			continue
		}
		type acc struct {
			count   uint64
			sum     float64
			buckets map[float64]uint64
			open    int
			breach  int
		}
		byTier := map[string]*acc{}
		get := func(tier string) *acc {
			if a, ok := byTier[tier]; ok {
				return a
			}
			a := &acc{buckets: map[float64]uint64{}}
			byTier[tier] = a
			return a
		}
		for _, s := range rep.Tiers {
			a := get(s.Tier)
			a.open, a.breach = s.Open, s.Breaches
		}
		clocks, err := t.Clocks(ctx)
		if err != nil {
			continue
		}
		for _, k := range clocks {
			if k.Open() {
				continue
			}
			a := get(k.Tier)
			secs := k.Elapsed(rep.At).Seconds()
			a.count++
			a.sum += secs
			for _, b := range revokeBuckets {
				if secs <= b {
					a.buckets[b]++
				}
			}
		}
		for tier, a := range byTier {
			ch <- prometheus.MustNewConstHistogram(revokeDesc, a.count, a.sum, a.buckets, t.ID(), tier)
			ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(a.open), t.ID(), tier)
			ch <- prometheus.MustNewConstMetric(breachDesc, prometheus.GaugeValue, float64(a.breach), t.ID(), tier)
		}
	}
	res, err := c.e.client.JobList(ctx, river.NewJobListParams().
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled).
		First(10000))
	if err == nil {
		depth := map[int]int{1: 0, 2: 0, 3: 0, 4: 0}
		for _, j := range res.Jobs {
			depth[j.Priority]++
		}
		for p, n := range depth {
			ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(n), string(rune('0'+p)))
		}
	}
	c.e.outcomes.Collect(ch)
}
