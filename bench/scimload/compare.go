package scimload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Goals Report checks: the throughput ratio every operation must reach,
// with a lower p99, and how much slower a lookup may be at Users than at
// SmallUsers and still count as flat (the rest is noise on a shared
// 2-core machine).
const (
	GoalRatio    = 5.0
	FlatMinRatio = 0.8
)

// Report is Compare's outcome: one row per operation and store size.
type Report struct {
	// Workload is the workload both servers ran, defaults applied.
	Workload Workload
	Rows     []Row
}

// Row is one operation at one store size on both servers.
type Row struct {
	Op           Op
	Users        int
	Ours, SCIMMY OpResult
}

// Ratio is ours' throughput over SCIMMY's (0 if SCIMMY's is unknown).
func (r Row) Ratio() float64 {
	if s := r.SCIMMY.Throughput(); s > 0 {
		return r.Ours.Throughput() / s
	}
	return 0
}

// Compare runs w against Tenure's SCIM server and against SCIMMY, one
// server at a time, each pre-filled with w.Users users: every operation of
// w.Ops at w.Users, then lookups again on a store of w.SmallUsers, to show
// whether a lookup's cost grows with the store. SCIMMY's packages are
// installed first if they are not (see StartSCIMMY). It returns the report
// so far with an error if a server fails to start or any request fails.
func Compare(ctx context.Context, w Workload) (Report, error) {
	w = w.withDefaults()
	rep := Report{Workload: w}
	dir := w.SCIMMYDir
	if dir == "" {
		var err error
		if dir, err = findSCIMMYDir(); err != nil {
			return rep, err
		}
	}
	servers := []struct {
		name  string
		start func(ctx context.Context, users int) (string, string, func(), error)
	}{
		{"ours", StartOurs},
		{"scimmy", func(ctx context.Context, users int) (string, string, func(), error) {
			return StartSCIMMY(ctx, dir, users)
		}},
	}
	small := w
	small.Users, small.Ops = w.SmallUsers, []Op{OpLookup}
	results := map[string][2]Result{}
	for _, s := range servers {
		var pair [2]Result
		for k, wk := range []Workload{w, small} {
			if k == 1 && !w.has(OpLookup) {
				break
			}
			res, err := runOn(ctx, s.name, s.start, wk)
			pair[k] = res
			if err != nil {
				results[s.name] = pair
				rep.Rows = rows(w, results)
				return rep, err
			}
		}
		results[s.name] = pair
	}
	rep.Rows = rows(w, results)
	return rep, nil
}

// runOn starts a server with wk.Users users, runs wk and stops it.
func runOn(ctx context.Context, name string, start func(context.Context, int) (string, string, func(), error), wk Workload) (Result, error) {
	t0 := time.Now()
	base, token, stop, err := start(ctx, wk.Users)
	if err != nil {
		return Result{}, fmt.Errorf("scimload: starting %s with %d users: %w", name, wk.Users, err)
	}
	defer func() {
		stop()
		// Collect a stopped server's store now, not during the next
		// server's measurements.
		runtime.GC()
	}()
	slog.Info("scimload: server ready", "server", name, "users", wk.Users, "startup", time.Since(t0).Round(time.Millisecond))
	res, err := Run(ctx, base, token, wk)
	for _, o := range res.Ops {
		slog.Info("scimload: measured", "server", name, "op", string(o.Op), "users", o.Users,
			"req/s", int(o.Throughput()), "p50", o.P50, "p99", o.P99, "errors", o.Errors,
			"rounds_req/s", roundRates(o.RoundThroughputs))
	}
	if err != nil {
		return res, fmt.Errorf("scimload: %s with %d users: %w", name, wk.Users, err)
	}
	return res, nil
}

// rows pairs the two servers' results, operations in Run's order, the
// small-store lookup last.
func rows(w Workload, results map[string][2]Result) []Row {
	var out []Row
	add := func(op Op, k, users int) {
		row := Row{Op: op, Users: users}
		ours, okO := results["ours"][k].Op(op)
		scimmy, okS := results["scimmy"][k].Op(op)
		if !okO && !okS {
			return
		}
		row.Ours, row.SCIMMY = ours, scimmy
		out = append(out, row)
	}
	for _, op := range AllOps {
		add(op, 0, w.Users)
	}
	add(OpLookup, 1, w.SmallUsers)
	return out
}

// findSCIMMYDir looks for bench/scimmy in the working directory and its
// parents, so both `tenure bench scim` from the repository and the tests
// (run in bench/scimload) find it.
func findSCIMMYDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		cand := filepath.Join(dir, "bench", "scimmy")
		if _, err := os.Stat(filepath.Join(cand, "server.js")); err == nil {
			return cand, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("scimload: bench/scimmy not found in the working directory or its parents; set Workload.SCIMMYDir")
		}
		dir = parent
	}
}

// Print writes the report as a Markdown table, for BENCHMARKS.md, and
// then whether the goals were met.
func (r Report) Print(out io.Writer) {
	w := r.Workload
	rounds := fmt.Sprintf("%d rounds of %s requests (the median round shown)", w.Rounds, thousands(w.Requests))
	if w.Rounds == 1 {
		rounds = fmt.Sprintf("one round of %s requests", thousands(w.Requests))
	}
	fmt.Fprintf(out, "Per operation %s warm-up requests, then %s; %d in flight on keep-alive connections, loopback.\n\n",
		thousands(w.Warmup), rounds, w.Concurrency)
	fmt.Fprintln(out, "| operation | users | ours req/s | SCIMMY req/s | ratio | ours p50 | ours p99 | SCIMMY p50 | SCIMMY p99 |")
	fmt.Fprintln(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, row := range r.Rows {
		fmt.Fprintf(out, "| `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			row.Op, thousands(row.Users),
			rate(row.Ours), rate(row.SCIMMY), ratio(row.Ratio()),
			ms(row.Ours.P50), ms(row.Ours.P99), ms(row.SCIMMY.P50), ms(row.SCIMMY.P99))
	}
	fmt.Fprintln(out)
	for _, line := range r.Verdict() {
		fmt.Fprintln(out, line)
	}
}

// Verdict says, one line each, whether ours is GoalRatio times SCIMMY's
// throughput with a lower p99 on every operation, and whether each
// server's lookup is as fast at Users as at SmallUsers.
func (r Report) Verdict() []string {
	var lines []string
	var missed []string
	for _, row := range r.Rows {
		if row.Ratio() < GoalRatio || row.Ours.P99 >= row.SCIMMY.P99 {
			missed = append(missed, fmt.Sprintf("%s at %s users (%s, p99 %s vs %s)",
				row.Op, thousands(row.Users), ratio(row.Ratio()), ms(row.Ours.P99), ms(row.SCIMMY.P99)))
		}
	}
	if len(missed) == 0 {
		lines = append(lines, fmt.Sprintf("Goal met: ours ≥ %.0f× SCIMMY's throughput with a lower p99 on every operation.", GoalRatio))
	} else {
		lines = append(lines, fmt.Sprintf("Goal missed (≥ %.0f× with a lower p99) on: ", GoalRatio)+strings.Join(missed, "; "))
	}
	var big, small *Row
	for i := range r.Rows {
		if r.Rows[i].Op == OpLookup {
			if r.Rows[i].Users == r.Workload.Users {
				big = &r.Rows[i]
			} else {
				small = &r.Rows[i]
			}
		}
	}
	if big != nil && small != nil {
		for _, s := range []struct {
			name       string
			big, small OpResult
		}{{"ours", big.Ours, small.Ours}, {"SCIMMY", big.SCIMMY, small.SCIMMY}} {
			if s.small.Throughput() == 0 {
				continue
			}
			f := s.big.Throughput() / s.small.Throughput()
			verdict := "flat"
			if f < FlatMinRatio {
				verdict = "NOT flat"
			}
			lines = append(lines, fmt.Sprintf("userName eq on %s: %s users %s req/s (p99 %s), %s users %s req/s (p99 %s): %.2f×, %s.",
				s.name, thousands(r.Workload.Users), rate(s.big), ms(s.big.P99),
				thousands(r.Workload.SmallUsers), rate(s.small), ms(s.small.P99), f, verdict))
		}
	}
	return lines
}

func roundRates(rates []float64) string {
	parts := make([]string, len(rates))
	for i, r := range rates {
		parts[i] = thousands(int(r + 0.5))
	}
	return strings.Join(parts, " ")
}

func rate(o OpResult) string {
	if o.Requests == 0 {
		return "–"
	}
	return thousands(int(o.Throughput() + 0.5))
}

func ratio(f float64) string {
	if f == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f×", f)
}

// ms formats a latency in milliseconds with two significant decimals
// below 10 ms.
func ms(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	v := float64(d) / float64(time.Millisecond)
	if v < 10 {
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

// thousands formats n with commas, as BENCHMARKS.md writes numbers.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
