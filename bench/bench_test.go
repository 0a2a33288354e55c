package bench

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// The end-to-end benchmarks must stay runnable: small versions of each run
// as tests, and fail if the no-drift plan is not empty or an import errs.
func TestBenchmarksRunSmall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	res, err := Import(ctx, t.TempDir(), 2000, 50)
	require.NoError(t, err)
	require.Len(t, res.Steps, 3)
	require.Equal(t, "0 events", res.Steps[1].Note, "re-import changes nothing")
	require.Equal(t, "20 events", res.Steps[2].Note, "1 % of 2000 moved")

	res, err = Plan(ctx, t.TempDir(), 2000, 50)
	require.NoError(t, err)
	require.Equal(t, "0 operations", res.Steps[0].Note)

	res, err = Policy(2000, 50)
	require.NoError(t, err)
	require.Equal(t, res.Steps[1].Note, res.Steps[2].Note, "memoised results equal fresh ones")
}

func BenchmarkPlan100k(b *testing.B) {
	for b.Loop() {
		if _, err := Plan(context.Background(), b.TempDir(), 100_000, 200); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkImport100k(b *testing.B) {
	for b.Loop() {
		if _, err := Import(context.Background(), b.TempDir(), 100_000, 200); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQueue(b *testing.B) {
	for b.Loop() {
		if _, err := Queue(context.Background(), b.TempDir(), 2000); err != nil {
			b.Fatal(err)
		}
	}
}
