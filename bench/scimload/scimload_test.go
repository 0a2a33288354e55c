package scimload

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tiny is a workload small enough for a test: it checks that every
// request is answered right, not how fast.
var tiny = Workload{Users: 200, SmallUsers: 50, Requests: 50, Warmup: 5, Concurrency: 4, PhaseTimeout: time.Minute}

// requireSCIMMY skips a test that needs Node and the SCIMMY packages
// unless TENURE_TEST_SCIMMY is set; in CI it must be, so there a missing
// variable fails the test instead of silently skipping it.
func requireSCIMMY(t *testing.T) {
	t.Helper()
	if os.Getenv("TENURE_TEST_SCIMMY") != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but TENURE_TEST_SCIMMY is unset: .ci/run must run bench/scimmy/install.sh and export TENURE_TEST_SCIMMY=1")
	}
	t.Skip("set TENURE_TEST_SCIMMY=1 (CI does) to run against SCIMMY")
}

func TestRunOurs(t *testing.T) {
	t.Parallel()
	base, token, stop, err := StartOurs(t.Context(), tiny.Users)
	require.NoError(t, err)
	t.Cleanup(stop)
	require.True(t, strings.HasPrefix(base, "http://127.0.0.1:"), base)

	res, err := Run(t.Context(), base, token, tiny)
	require.NoError(t, err)
	requireAllAnswered(t, res, AllOps, tiny)
}

func TestRunFailsOnNon2xx(t *testing.T) {
	t.Parallel()
	base, _, stop, err := StartOurs(t.Context(), tiny.Users)
	require.NoError(t, err)
	t.Cleanup(stop)

	res, err := Run(t.Context(), base, "wrong-token", Workload{Users: tiny.Users, Requests: 10, Rounds: 1, Warmup: -1, Ops: []Op{OpCreate}})
	require.ErrorContains(t, err, "status 401")
	o, ok := res.Op(OpCreate)
	require.True(t, ok)
	require.Equal(t, 10, o.Errors)
}

func TestRunFailsOnWrongLookup(t *testing.T) {
	t.Parallel()
	// A store of 100 users asked for users among 200: half the lookups
	// find nothing, and a 200 with no user is a wrong answer.
	base, token, stop, err := StartOurs(t.Context(), 100)
	require.NoError(t, err)
	t.Cleanup(stop)

	_, err = Run(t.Context(), base, token, Workload{Users: 200, Requests: 200, Warmup: -1, Ops: []Op{OpLookup}})
	require.ErrorContains(t, err, "want exactly")
}

func TestRunSendsNothingOffLoopback(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"http://example.invalid/scim/v2", "http://10.1.2.3/scim/v2", "https://127.0.0.1/scim/v2"} {
		_, err := Run(t.Context(), base, "t", tiny)
		require.Error(t, err, base)
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	requireSCIMMY(t)

	rep, err := Compare(t.Context(), tiny)
	require.NoError(t, err)

	want := []struct {
		op    Op
		users int
	}{{OpCreate, 200}, {OpLookup, 200}, {OpGet, 200}, {OpPatch, 200}, {OpLookup, 50}}
	require.Len(t, rep.Rows, len(want))
	for i, w := range want {
		row := rep.Rows[i]
		require.Equal(t, w.op, row.Op)
		require.Equal(t, w.users, row.Users)
		for name, o := range map[string]OpResult{"ours": row.Ours, "scimmy": row.SCIMMY} {
			require.Equal(t, tiny.Requests, o.Requests, "%s %s", name, row.Op)
			require.Zero(t, o.Errors, "%s %s: %s", name, row.Op, o.FirstError)
			require.Positive(t, o.Throughput(), "%s %s", name, row.Op)
			require.Positive(t, o.P99, "%s %s", name, row.Op)
		}
	}

	var buf bytes.Buffer
	rep.Print(&buf)
	for _, op := range AllOps {
		require.Contains(t, buf.String(), "| `"+string(op)+"` |")
	}
	require.Contains(t, buf.String(), "userName eq on SCIMMY")
}

func requireAllAnswered(t *testing.T, res Result, ops []Op, w Workload) {
	t.Helper()
	require.Len(t, res.Ops, len(ops))
	for i, op := range ops {
		o := res.Ops[i]
		require.Equal(t, op, o.Op)
		require.Equal(t, w.Requests, o.Requests)
		require.Len(t, o.RoundThroughputs, w.withDefaults().Rounds)
		require.Zero(t, o.Errors, "%s: %s", op, o.FirstError)
		require.Positive(t, o.Throughput())
		require.LessOrEqual(t, o.P50, o.P99)
	}
}

func TestThousands(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567", -5000: "-5,000"} {
		require.Equal(t, want, thousands(n))
	}
}
