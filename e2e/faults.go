package e2e

import (
	"math/rand/v2"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// FaultProxy forwards to a SCIM server and fails a share of requests the
// ways real apps fail: 429 with Retry-After, 500, a response slower than
// the client's timeout, and a dropped connection.
type FaultProxy struct {
	// Rate is the share of requests that fail (0.3 = 30 %).
	Rate float64
	// Slow is how long a slow response takes.
	Slow time.Duration

	proxy *httputil.ReverseProxy
	mu    sync.Mutex
	rnd   *rand.Rand
	// Injected counts the faults by kind.
	Injected map[string]int
}

// NewFaultProxy proxies to target.
func NewFaultProxy(target *url.URL, rate float64, seed uint64) *FaultProxy {
	return &FaultProxy{Rate: rate, Slow: 2 * time.Second, proxy: httputil.NewSingleHostReverseProxy(target),
		rnd: rand.New(rand.NewPCG(seed, 1)), Injected: map[string]int{}}
}

func (f *FaultProxy) pick() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rnd.Float64() >= f.Rate {
		return ""
	}
	kind := [...]string{"429", "500", "slow", "drop"}[f.rnd.IntN(4)]
	f.Injected[kind]++
	return kind
}

func (f *FaultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch f.pick() {
	case "429":
		w.Header().Set("Retry-After", "1")
		http.Error(w, `{"detail":"slow down"}`, http.StatusTooManyRequests)
	case "500":
		http.Error(w, `{"detail":"boom"}`, http.StatusInternalServerError)
	case "slow":
		select {
		case <-time.After(f.Slow):
		case <-r.Context().Done():
		}
		http.Error(w, "too late", http.StatusGatewayTimeout)
	case "drop":
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
				return
			}
		}
		http.Error(w, "dropped", http.StatusBadGateway)
	default:
		f.proxy.ServeHTTP(w, r)
	}
}

// FailWrites forwards to a SCIM server and, once armed, fails the next n
// writes (POST, PUT, PATCH, DELETE) to /Users: alternately 500 and a
// dropped connection, both retried by the queue. Reads and group writes
// pass, so each failure is a failed attempt at changing an account.
type FailWrites struct {
	// OnFault, when set, runs at each injected fault (tests advance an
	// injected clock by the time a real retry would cost).
	OnFault func()

	proxy    *httputil.ReverseProxy
	mu       sync.Mutex
	left     int
	injected int
}

// NewFailWrites proxies to target, unarmed.
func NewFailWrites(target *url.URL) *FailWrites {
	return &FailWrites{proxy: httputil.NewSingleHostReverseProxy(target)}
}

// Arm makes the next n writes fail.
func (f *FailWrites) Arm(n int) { f.mu.Lock(); f.left = n; f.mu.Unlock() }

// Injected is how many faults were injected.
func (f *FailWrites) Injected() int { f.mu.Lock(); defer f.mu.Unlock(); return f.injected }

func (f *FailWrites) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fault := r.Method != http.MethodGet && strings.Contains(r.URL.Path, "/Users") && f.left > 0
	if fault {
		f.left--
		f.injected++
	}
	n := f.injected
	f.mu.Unlock()
	if !fault {
		f.proxy.ServeHTTP(w, r)
		return
	}
	if f.OnFault != nil {
		f.OnFault()
	}
	if n%2 == 0 {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
				return
			}
		}
	}
	http.Error(w, `{"detail":"boom"}`, http.StatusInternalServerError)
}
