package engine_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/store/sqlite"
)

// Periodic work (scheduled reconciliations) runs through the queue: the
// elected leader queues it every interval and a worker runs it; a failed
// run is logged and the next interval runs it again.
func TestPeriodicWorkRunsEveryInterval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	svc := &lifecycle.Service{Store: st, Actor: "test"}
	ran := make(chan int, 8)
	n := 0
	eng, err := engine.New(ctx, engine.Config{Service: svc, DB: st.DB(),
		Tenants: func(string) (*lifecycle.Tenant, bool) { return nil, false },
		Periodic: []engine.Periodic{{Name: "reconcile:acme/wiki", Interval: 200 * time.Millisecond,
			Run: func(context.Context) error {
				n++ // runs never overlap: one job at a time by its unique args
				ran <- n
				if n == 1 {
					return errors.New("app down")
				}
				return nil
			}}},
	})
	require.NoError(t, err)
	require.NoError(t, eng.Start(ctx))
	t.Cleanup(func() { _ = eng.Stop(context.Background()) })
	deadline := time.After(60 * time.Second) // a bound on a hang, not a timing assertion
	for want := 1; want <= 3; want++ {
		select {
		case got := <-ran:
			require.Equal(t, want, got, "run %d, also after a failed one", want)
		case <-deadline:
			t.Fatalf("periodic work ran %d times", want-1)
		}
	}
}

func TestPeriodicWorkIsChecked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	run := func(context.Context) error { return nil }
	for _, ps := range [][]engine.Periodic{
		{{Name: "", Interval: time.Hour, Run: run}},
		{{Name: "a", Interval: 0, Run: run}},
		{{Name: "a", Interval: time.Hour, Run: run}, {Name: "a", Interval: time.Hour, Run: run}},
	} {
		_, err := engine.New(ctx, engine.Config{Service: &lifecycle.Service{Store: st}, DB: st.DB(), Periodic: ps})
		require.ErrorContains(t, err, "periodic job")
	}
}
