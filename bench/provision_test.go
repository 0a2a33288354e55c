package bench

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// Small versions of `tenure bench leaver` and `tenure bench joiner`: they
// fail unless every leaver's removal is verified in every app (the leaver
// clocks all stop) and every joiner's account exists in the app.
func TestProvisionBenchmarksRunSmall(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end to end")
	}
	ctx := context.Background()
	res, err := Leaver(ctx, t.TempDir(), 3, 3, 10, 5, 4)
	require.NoError(t, err)
	require.Len(t, res.Steps, 4)
	require.Contains(t, res.Steps[1].Note, "over 3 leavers")
	require.Contains(t, res.Steps[2].Note, "30 removals")

	res, err = Joiner(ctx, t.TempDir(), 30, 4)
	require.NoError(t, err)
	require.Len(t, res.Steps, 1)
	require.Contains(t, res.Steps[0].Note, "accounts/s")
}
