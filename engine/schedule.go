package engine

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// FireArgs is the periodic job that fires due lifecycle events.
type FireArgs struct{}

// Kind implements river.JobArgs.
func (FireArgs) Kind() string { return "tenure.fire-due" }

// fireWorker fires due events for every tenant.
type fireWorker struct {
	river.WorkerDefaults[FireArgs]
	e *Engine
}

func (w *fireWorker) Work(ctx context.Context, _ *river.Job[FireArgs]) error {
	for _, t := range w.e.cfg.AllTenants() {
		evs, err := t.FireDue(ctx)
		if err != nil {
			return err
		}
		if len(evs) > 0 {
			w.e.cfg.Log.Info("fired scheduled lifecycle events", "tenant", t.ID(), "events", len(evs))
		}
	}
	return nil
}

// schedulePeriod is how often due events are looked for. Effective dates
// are days; a minute's delay is well inside every leaver deadline.
const schedulePeriod = time.Minute

func periodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(schedulePeriod),
		func() (river.JobArgs, *river.InsertOpts) {
			return FireArgs{}, &river.InsertOpts{Priority: 1, UniqueOpts: river.UniqueOpts{ByArgs: true}}
		}, &river.PeriodicJobOpts{RunOnStart: true})}
}
