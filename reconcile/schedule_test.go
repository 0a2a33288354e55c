package reconcile_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/reconcile"
)

// Each app runs on its own interval; a failure does not stop the next
// run; nothing runs before its interval has passed; cancelling stops all.
func TestScheduleRunsEachAppOnItsInterval(t *testing.T) {
	t.Parallel()
	ticks := map[time.Duration]chan time.Time{time.Hour: make(chan time.Time), 6 * time.Hour: make(chan time.Time)}
	after := func(d time.Duration) <-chan time.Time { return ticks[d] }
	ran := make(chan string)
	job := func(app string, d time.Duration, fail bool) reconcile.Job {
		return reconcile.Job{Tenant: "acme", App: app, Interval: d, Run: func(context.Context) (*reconcile.Result, error) {
			ran <- app
			if fail {
				return nil, errors.New("app down")
			}
			return &reconcile.Result{App: app}, nil
		}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		reconcile.Schedule(ctx, []reconcile.Job{job("wiki", time.Hour, true), job("crm", 6*time.Hour, false), job("off", 0, false)},
			after, slog.New(slog.DiscardHandler))
		close(done)
	}()
	ticks[time.Hour] <- time.Time{}
	require.Equal(t, "wiki", <-ran)
	ticks[time.Hour] <- time.Time{}
	require.Equal(t, "wiki", <-ran, "runs again after a failure")
	ticks[6*time.Hour] <- time.Time{}
	require.Equal(t, "crm", <-ran)
	cancel()
	<-done
}
