package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Periodic is work the caller wants done every Interval, once across every
// replica sharing the queue: River's elected leader inserts the job, and
// one worker runs it. Scheduled reconciliations are the use: a goroutine
// per `tenure serve` would run every app once per replica.
type Periodic struct {
	// Name identifies the work ("reconcile:acme/wiki"); unique.
	Name     string
	Interval time.Duration
	// Run does the work once. An error is logged; the next interval tries
	// again (a failed run is not retried in between).
	Run func(ctx context.Context) error
}

// PeriodicArgs is the queued job of one Periodic.
type PeriodicArgs struct {
	Name string `json:"name"`
}

// Kind implements river.JobArgs.
func (PeriodicArgs) Kind() string { return "tenure.periodic" }

// periodicWorker runs a Periodic by name.
type periodicWorker struct {
	river.WorkerDefaults[PeriodicArgs]
	e    *Engine
	byID map[string]Periodic
}

// Timeout lets a long run (a big app's reconciliation) finish: operations
// keep Config.JobTimeout, this job may run until it would be rescued.
func (w *periodicWorker) Timeout(*river.Job[PeriodicArgs]) time.Duration {
	return max(w.e.cfg.JobTimeout, w.e.cfg.RescueAfter-time.Minute)
}

func (w *periodicWorker) Work(ctx context.Context, job *river.Job[PeriodicArgs]) error {
	p, ok := w.byID[job.Args.Name]
	if !ok {
		// Queued by a replica whose configuration had it; this one's has not.
		return river.JobCancel(fmt.Errorf("periodic job %q is not configured here", job.Args.Name))
	}
	if err := p.Run(ctx); err != nil {
		w.e.cfg.Log.Error("periodic job failed; the next interval tries again", "job", p.Name, "err", err)
		return river.JobCancel(err)
	}
	return nil
}

// periodicOf turns the caller's Periodic work into River periodic jobs, at
// the lowest priority: they must never hold up a leaver's removals.
func periodicOf(ps []Periodic) ([]*river.PeriodicJob, map[string]Periodic, error) {
	var jobs []*river.PeriodicJob
	byID := map[string]Periodic{}
	for _, p := range ps {
		switch _, dup := byID[p.Name]; {
		case p.Name == "" || p.Run == nil || p.Interval <= 0:
			return nil, nil, fmt.Errorf("engine: periodic job %q needs a name, an interval and a run", p.Name)
		case dup:
			return nil, nil, fmt.Errorf("engine: periodic job %q given twice", p.Name)
		}
		byID[p.Name] = p
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(p.Interval),
			func() (river.JobArgs, *river.InsertOpts) {
				return PeriodicArgs{Name: p.Name}, &river.InsertOpts{Priority: 4, MaxAttempts: 1,
					// One run at a time: no new one while the last waits or runs.
					UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
						rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}}}
			}, &river.PeriodicJobOpts{ID: p.Name}))
	}
	return jobs, byID, nil
}
