package scimload

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what Run measured, one entry per operation in run order.
type Result struct {
	Ops []OpResult
}

// Op returns the result of op, and false if it was not run.
func (r Result) Op(op Op) (OpResult, bool) {
	for _, o := range r.Ops {
		if o.Op == op {
			return o, true
		}
	}
	return OpResult{}, false
}

// OpResult is one operation's timed run: the figures of its median round.
type OpResult struct {
	Op Op
	// Users is the number of pre-filled users the run targeted.
	Users int
	// Requests is the number of timed requests in a round.
	Requests int
	// Errors is the number of failed requests (a non-2xx status, a
	// transport error, or a wrong answer) over every round; FirstError
	// describes the first, "" if none.
	Errors     int
	FirstError string
	// Elapsed is the median round's wall time, from its first request sent
	// to its last answered.
	Elapsed time.Duration
	// P50 and P99 are latency percentiles of the median round.
	P50, P99 time.Duration
	// RoundThroughputs lists every round's requests per second, in order,
	// to show how much the rounds varied.
	RoundThroughputs []float64
}

// Throughput is requests per second over the timed run.
func (o OpResult) Throughput() float64 {
	if o.Elapsed <= 0 {
		return 0
	}
	return float64(o.Requests) / o.Elapsed.Seconds()
}

// Run loads the SCIM server at baseURL (a loopback address) with w: for
// each of w.Ops, w.Warmup untimed requests then w.Rounds rounds of
// w.Requests timed ones at w.Concurrency, each operation bounded by
// w.PhaseTimeout. The server must hold the users userName(0) …
// userName(w.Users-1), as StartOurs and StartSCIMMY fill it; POST adds
// users of its own, with names no other run uses. It returns an error if
// any request failed, along with the Result.
func Run(ctx context.Context, baseURL, token string, w Workload) (Result, error) {
	w = w.withDefaults()
	if w.Users < 1 || w.Requests < 1 || w.Rounds < 1 || w.Concurrency < 1 {
		return Result{}, fmt.Errorf("scimload: workload needs at least one user, request, round and request in flight: %+v", w)
	}
	c, err := newClient(baseURL, token, w.Concurrency, w.RequestTimeout)
	if err != nil {
		return Result{}, err
	}
	defer c.close()

	r := &runner{c: c, w: w, nonce: newToken()[:8]}
	var res Result
	var errs []error
	record := func(o OpResult, err error) {
		res.Ops = append(res.Ops, o)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if w.has(OpCreate) {
		record(r.phase(ctx, OpCreate, r.create))
	}
	// Reads and PATCHes target pre-filled users by id, which the lookups
	// find: timed if lookups are measured, untimed otherwise.
	r.targets = r.pickTargets()
	r.ids = make([]string, len(r.targets))
	if w.has(OpLookup) || w.has(OpGet) || w.has(OpPatch) {
		o, err := r.phase(ctx, OpLookup, r.lookup)
		if w.has(OpLookup) {
			record(o, err)
		} else if err != nil {
			return res, fmt.Errorf("scimload: finding the ids of %d users: %w", len(r.targets), err)
		}
	}
	if w.has(OpGet) {
		record(r.phase(ctx, OpGet, r.get))
	}
	if w.has(OpPatch) {
		record(r.phase(ctx, OpPatch, r.patch))
	}
	return res, errors.Join(errs...)
}

// runner holds one Run's state.
type runner struct {
	c     *client
	w     Workload
	nonce string // makes this run's new userNames unique
	// targets are indexes of pre-filled users that lookups, reads and
	// PATCHes go to, spread over the whole store; ids[k] is the id of
	// targets[k], filled in by the lookups.
	targets []int
	ids     []string
	// created counts POSTs, warm-up included, for unique userNames.
	created atomic.Int64
}

// pickTargets chooses one distinct pre-filled user per request, or every
// user if there are fewer, at random (a fixed seed: every run and both
// servers get the same).
func (r *runner) pickTargets() []int {
	n := min(r.w.Warmup+r.w.Rounds*r.w.Requests, r.w.Users)
	rng := rand.New(rand.NewPCG(1, 2))
	return rng.Perm(r.w.Users)[:n]
}

// request sends the n-th request of an operation (warm-up and timed
// requests numbered together) and reports whether the answer was right.
type request func(ctx context.Context, n int) error

// phase runs one operation: Warmup untimed requests, then Rounds rounds of
// Requests timed ones, each at Concurrency, and keeps the median round.
func (r *runner) phase(ctx context.Context, op Op, send request) (OpResult, error) {
	ctx, cancel := context.WithTimeout(ctx, r.w.PhaseTimeout)
	defer cancel()
	o := OpResult{Op: op, Users: r.w.Users, Requests: r.w.Requests}
	if r.w.Warmup > 0 {
		if _, bad, first := r.fire(ctx, 0, r.w.Warmup, send); bad > 0 {
			return o, fmt.Errorf("%s: %d of %d warm-up requests failed, first: %s", op, bad, r.w.Warmup, first)
		}
	}
	type round struct {
		elapsed  time.Duration
		p50, p99 time.Duration
	}
	rounds := make([]round, r.w.Rounds)
	for k := range rounds {
		start := time.Now()
		lat, bad, first := r.fire(ctx, r.w.Warmup+k*r.w.Requests, r.w.Requests, send)
		elapsed := time.Since(start)
		slices.Sort(lat)
		rounds[k] = round{elapsed: elapsed, p50: percentile(lat, 0.50), p99: percentile(lat, 0.99)}
		o.RoundThroughputs = append(o.RoundThroughputs, float64(r.w.Requests)/elapsed.Seconds())
		o.Errors += bad
		if o.FirstError == "" {
			o.FirstError = first
		}
	}
	// The median round by throughput is the median by elapsed time, as
	// every round sends the same number of requests.
	slices.SortFunc(rounds, func(a, b round) int { return cmp.Compare(a.elapsed, b.elapsed) })
	med := rounds[len(rounds)/2]
	o.Elapsed, o.P50, o.P99 = med.elapsed, med.p50, med.p99
	if o.Errors > 0 {
		return o, fmt.Errorf("%s: %d of %d requests failed, first: %s", op, o.Errors, r.w.Rounds*r.w.Requests, o.FirstError)
	}
	return o, nil
}

// fire sends count requests numbered from offset, Concurrency at a time,
// and returns their latencies, the number that failed and the first
// failure. After the phase's deadline the remaining requests fail fast.
func (r *runner) fire(ctx context.Context, offset, count int, send request) (lat []time.Duration, bad int, first string) {
	lat = make([]time.Duration, count)
	var (
		next   atomic.Int64
		nbad   atomic.Int64
		mu     sync.Mutex
		wg     sync.WaitGroup
		firstE error
	)
	for range min(r.w.Concurrency, count) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= count {
					return
				}
				t0 := time.Now()
				err := send(ctx, offset+i)
				lat[i] = time.Since(t0)
				if err != nil {
					if nbad.Add(1) == 1 {
						mu.Lock()
						firstE = err
						mu.Unlock()
					}
				}
			}
		})
	}
	wg.Wait()
	if firstE != nil {
		first = firstE.Error()
	}
	return lat, int(nbad.Load()), first
}

// percentile returns the q-quantile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// statusError is a non-2xx answer.
func statusError(method, path string, status int, body []byte) error {
	const max = 300
	b := strings.TrimSpace(string(body))
	if len(b) > max {
		b = b[:max] + "…"
	}
	return fmt.Errorf("%s %s: status %d: %s", method, path, status, b)
}

func (r *runner) create(ctx context.Context, n int) error {
	i := int(r.created.Add(1))
	name := fmt.Sprintf("load-%s-%06d@bench.example", r.nonce, i)
	body, err := json.Marshal(userBody(name, r.w.Users+i))
	if err != nil {
		return err
	}
	status, resp, err := r.c.do(ctx, "POST", "/Users", body)
	if err != nil {
		return err
	}
	if status != 201 {
		return statusError("POST", "/Users", status, resp)
	}
	var got struct{ ID, UserName string }
	if err := json.Unmarshal(resp, &got); err != nil || got.ID == "" || got.UserName != name {
		return fmt.Errorf("POST /Users: 201 without the user created (%v): %.200s", err, resp)
	}
	return nil
}

// lookup asks for a pre-filled user by userName, as an IdP does before
// creating it, and keeps the id found for get and patch.
func (r *runner) lookup(ctx context.Context, n int) error {
	k := n % len(r.targets)
	name := userName(r.targets[k])
	path := "/Users?filter=" + url.QueryEscape(`userName eq "`+name+`"`)
	status, resp, err := r.c.do(ctx, "GET", path, nil)
	if err != nil {
		return err
	}
	if status != 200 {
		return statusError("GET", path, status, resp)
	}
	var got struct {
		TotalResults int
		Resources    []struct{ ID, UserName string }
	}
	if err := json.Unmarshal(resp, &got); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if got.TotalResults != 1 || len(got.Resources) != 1 || got.Resources[0].ID == "" ||
		!strings.EqualFold(got.Resources[0].UserName, name) {
		return fmt.Errorf("GET %s: want exactly %s, got %.200s", path, name, resp)
	}
	if n < len(r.ids) { // the first request for k; later ones find the same id
		r.ids[k] = got.Resources[0].ID
	}
	return nil
}

func (r *runner) id(n int) (string, error) {
	k := n % len(r.ids)
	if r.ids[k] == "" {
		return "", fmt.Errorf("no id for %s: its lookup failed", userName(r.targets[k]))
	}
	return r.ids[k], nil
}

func (r *runner) get(ctx context.Context, n int) error {
	id, err := r.id(n)
	if err != nil {
		return err
	}
	path := "/Users/" + id
	status, resp, err := r.c.do(ctx, "GET", path, nil)
	if err != nil {
		return err
	}
	if status != 200 {
		return statusError("GET", path, status, resp)
	}
	if !bytes.Contains(resp, []byte(`"`+id+`"`)) {
		return fmt.Errorf("GET %s: the body is not that user: %.200s", path, resp)
	}
	return nil
}

// patch replaces name.givenName and active, the change an IdP sends when
// a person is renamed or disabled; the values change with every request so
// that no write is a no-op.
func (r *runner) patch(ctx context.Context, n int) error {
	id, err := r.id(n)
	if err != nil {
		return err
	}
	body := fmt.Appendf(nil, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+
		`{"op":"replace","path":"name.givenName","value":"Given%d"},`+
		`{"op":"replace","path":"active","value":%t}]}`, n, n%2 == 1)
	path := "/Users/" + id
	status, resp, err := r.c.do(ctx, "PATCH", path, body)
	if err != nil {
		return err
	}
	if status != 200 && status != 204 {
		return statusError("PATCH", path, status, resp)
	}
	if status == 200 && !bytes.Contains(resp, fmt.Appendf(nil, `"Given%d"`, n)) {
		return fmt.Errorf("PATCH %s: the answer does not show the change: %.200s", path, resp)
	}
	return nil
}
