package scimload

import (
	"cmp"
	"slices"
	"time"
)

// Op is one kind of request the load generator sends.
type Op string

// The operations measured, in the order Run runs them: an IdP creates a
// user, looks users up by userName before provisioning them, reads them,
// and PATCHes them when an attribute changes.
const (
	OpCreate Op = "POST /Users"
	OpLookup Op = `GET /Users?filter=userName eq "…"`
	OpGet    Op = "GET /Users/{id}"
	OpPatch  Op = "PATCH /Users/{id}"
)

// AllOps is every operation, in Run's order.
var AllOps = []Op{OpCreate, OpLookup, OpGet, OpPatch}

// Defaults of Workload's zero fields.
const (
	// DefaultUsers is the pre-filled store size: a large tenant.
	DefaultUsers = 100_000
	// DefaultSmallUsers is the store size lookups are also measured at, to
	// show that an indexed lookup does not slow down as the store grows.
	DefaultSmallUsers = 1_000
	// DefaultRequests per operation: enough for a stable p99 (50 samples
	// above it) in a few seconds per operation.
	DefaultRequests = 5_000
	// DefaultRounds is the number of timed rounds per operation. The
	// median round is kept: on a shared 2-core machine one round can land
	// on another process's burst, or on a collection of the server's heap,
	// and a fast server's round lasts under a second.
	DefaultRounds = 3
	// DefaultConcurrency is the number of requests in flight, each on its
	// own keep-alive connection: about what an IdP's provisioning service
	// sends to one tenant, and enough to keep 2 cores busy.
	DefaultConcurrency = 16
	// DefaultPhaseTimeout bounds each operation's run (warm-up included);
	// past it the run fails rather than hanging on a stuck server.
	DefaultPhaseTimeout = 5 * time.Minute
	// DefaultRequestTimeout bounds one request.
	DefaultRequestTimeout = 30 * time.Second
)

// Workload is what Run sends and Compare sets up. Zero fields take the
// defaults above.
type Workload struct {
	// Users is the number of users the server was pre-filled with
	// (userName(0) … userName(Users-1)); lookups, reads and PATCHes pick
	// their targets among them. Compare fills both servers with it.
	Users int
	// SmallUsers is the smaller store Compare measures lookups at too.
	SmallUsers int
	// Requests is the number of timed requests per operation and round.
	Requests int
	// Rounds is the number of timed rounds of Requests per operation, one
	// after the other; the result is the round of median throughput.
	Rounds int
	// Warmup is the number of untimed requests per operation sent before
	// the timed ones, so Node's JIT and Go's connection pool are warm; 0
	// means Requests/10, negative means none.
	Warmup int
	// Concurrency is the number of requests in flight at once.
	Concurrency int
	// Ops lists the operations to run; nil means AllOps. Run keeps its own
	// order whatever the order here.
	Ops []Op
	// PhaseTimeout bounds each operation's run.
	PhaseTimeout time.Duration
	// RequestTimeout bounds one request.
	RequestTimeout time.Duration
	// SCIMMYDir is the folder of the SCIMMY server (bench/scimmy); ""
	// looks for bench/scimmy in the working directory and its parents.
	SCIMMYDir string
}

// withDefaults returns w with its zero fields set.
func (w Workload) withDefaults() Workload {
	w.Users = cmp.Or(w.Users, DefaultUsers)
	w.SmallUsers = cmp.Or(w.SmallUsers, DefaultSmallUsers)
	w.Requests = cmp.Or(w.Requests, DefaultRequests)
	w.Rounds = cmp.Or(w.Rounds, DefaultRounds)
	switch {
	case w.Warmup == 0:
		w.Warmup = w.Requests / 10
	case w.Warmup < 0:
		w.Warmup = 0
	}
	w.Concurrency = cmp.Or(w.Concurrency, DefaultConcurrency)
	if w.Ops == nil {
		w.Ops = AllOps
	}
	w.PhaseTimeout = cmp.Or(w.PhaseTimeout, DefaultPhaseTimeout)
	w.RequestTimeout = cmp.Or(w.RequestTimeout, DefaultRequestTimeout)
	return w
}

func (w Workload) has(op Op) bool { return slices.Contains(w.Ops, op) }
