package reconcile

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Job is one app's scheduled reconciliation.
type Job struct {
	Tenant, App string
	Interval    time.Duration
	// Run reconciles the app once.
	Run func(ctx context.Context) (*Result, error)
}

// Schedule runs each job every Interval until ctx ends, each app on its
// own (a slow app does not delay the others, and one app's runs never
// overlap). after is the clock (time.After; tests drive their own). A
// failed run is logged and retried at the next interval.
func Schedule(ctx context.Context, jobs []Job, after func(time.Duration) <-chan time.Time, log *slog.Logger) {
	if after == nil {
		after = time.After
	}
	if log == nil {
		log = slog.Default()
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		if j.Interval <= 0 {
			continue
		}
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-after(j.Interval):
				}
				res, err := j.Run(ctx)
				switch {
				case err != nil:
					log.Error("scheduled reconciliation failed", "tenant", j.Tenant, "app", j.App, "err", err)
				case res.Held != "":
					log.Warn("scheduled reconciliation held by the mass-change guard", "tenant", j.Tenant, "app", j.App,
						"batch", res.Held, "removals", res.Removals, "limit", res.Limit)
				default:
					log.Info("scheduled reconciliation", "tenant", j.Tenant, "app", j.App, "accounts", res.Seen,
						"findings", len(res.Findings), "queued", res.Queued)
				}
			}
		})
	}
	wg.Wait()
}
