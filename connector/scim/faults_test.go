package scimconn

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
)

// faultProxy is a reverse proxy on loopback in front of a test server
// that injects a fault into the requests it is told to.
type faultProxy struct {
	srv   *httptest.Server
	fault atomic.Pointer[fault]
	hits  atomic.Int64
}

// fault answers a request instead of the server. methods, when set,
// limits it to those methods; discovery is never faulted.
type fault struct {
	methods []string
	answer  func(w http.ResponseWriter, r *http.Request)
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0)
	p := &faultProxy{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := p.fault.Load()
		if f != nil && r.URL.Path != "/ServiceProviderConfig" && (f.methods == nil || slices.Contains(f.methods, r.Method)) {
			p.hits.Add(1)
			f.answer(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func status(code int, header map[string]string, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// slow answers only when the client has given up, or after a bound.
func slow(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
		w.WriteHeader(http.StatusOK)
	}
}

// drop closes the connection without answering.
func drop(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// echo answers code with the request's Authorization header in the body,
// as a debugging server might.
func echo(code int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"`+
			strconv.Itoa(code)+`","detail":"rejected request with `+r.Header.Get("Authorization")+`"}`)
	}
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestFaults(t *testing.T) {
	t.Parallel()
	scimErr := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"bad"}`
	long := strings.Repeat("x", 10_000)
	tests := []struct {
		name  string
		fault fault
		// op runs against the connector; Read unless set.
		op     func(c *Conn) error
		class  connector.Class
		wait   time.Duration
		detail string // expected Detail, "" for none checked
		msg    string // a substring of the error
	}{
		{name: "429 with Retry-After seconds", fault: fault{answer: status(429, map[string]string{"Retry-After": "7"}, "slow down")},
			class: connector.RateLimited, wait: 7 * time.Second, detail: "slow down"},
		{name: "429 without Retry-After", fault: fault{answer: status(429, nil, "")}, class: connector.RateLimited},
		{name: "503 with Retry-After date",
			fault: fault{answer: status(503, map[string]string{"Retry-After": t0.Add(30 * time.Second).Format(http.TimeFormat)}, "")},
			class: connector.RateLimited, wait: 30 * time.Second},
		{name: "503 with Retry-After of a day", fault: fault{answer: status(503, map[string]string{"Retry-After": "86400"}, "")},
			class: connector.RateLimited, wait: time.Hour},
		{name: "503 without Retry-After", fault: fault{answer: status(503, nil, "maintenance")},
			class: connector.Retryable, detail: "maintenance"},
		{name: "500", fault: fault{answer: status(500, nil, "boom")}, class: connector.Retryable, detail: "boom"},
		{name: "502", fault: fault{answer: status(502, nil, "")}, class: connector.Retryable},
		{name: "409 outside a create", fault: fault{answer: status(409, nil, "")}, class: connector.Retryable},
		{name: "400 with a SCIM error", fault: fault{answer: status(400, nil, scimErr)},
			class: connector.Permanent, detail: scimErr, msg: "400 Bad Request: invalidValue: bad"},
		{name: "400 with a long body", fault: fault{answer: status(400, nil, long)},
			class: connector.Permanent, detail: long[:4096-len("…")] + "…"},
		{name: "401", fault: fault{answer: status(401, nil, "")}, class: connector.Permanent},
		{name: "403", fault: fault{answer: status(403, nil, "")}, class: connector.Permanent},
		{name: "redirect", fault: fault{answer: status(302, map[string]string{"Location": "https://elsewhere.example/"}, "")},
			class: connector.Permanent, msg: "elsewhere.example"},
		{name: "200 that is not SCIM", fault: fault{answer: status(200, nil, "<html>login</html>")},
			class: connector.Permanent, detail: "<html>login</html>"},
		{name: "slow past the timeout", fault: fault{answer: slow}, class: connector.Retryable, msg: "no response within"},
		{name: "dropped connection", fault: fault{answer: drop}, class: connector.Retryable},
		{name: "token echoed in a 400", fault: fault{answer: echo(400)}, class: connector.Permanent, msg: "[redacted]"},
		{name: "token echoed in a 500", fault: fault{answer: echo(500)}, class: connector.Retryable},
		{name: "503 on the write", fault: fault{methods: []string{http.MethodPatch},
			answer: status(503, map[string]string{"Retry-After": "12"}, "")},
			op: func(c *Conn) error { return c.Disable(t.Context(), ann()) }, class: connector.RateLimited, wait: 12 * time.Second},
		{name: "dropped write", fault: fault{methods: []string{http.MethodPatch}, answer: drop},
			op: func(c *Conn) error { return c.Disable(t.Context(), ann()) }, class: connector.Retryable},
		{name: "404 on the write", fault: fault{methods: []string{http.MethodPatch}, answer: status(404, nil, "")},
			op: func(c *Conn) error {
				s := ann()
				s.DisplayName = "Ann L."
				_, err := c.Ensure(t.Context(), s)
				return err
			}, class: connector.Retryable, msg: "deleted while being updated"},
		{name: "409 on create that correlation cannot explain", fault: fault{methods: []string{http.MethodPost},
			answer: status(409, nil, `{"status":"409","scimType":"uniqueness","detail":"email taken"}`)},
			op: func(c *Conn) error {
				_, err := c.Ensure(t.Context(), connector.Subject{PersonID: "E2", Email: "bob@acme.example"})
				return err
			}, class: connector.Permanent, msg: "email taken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.conn.Ensure(t.Context(), ann())
			require.NoError(t, err)
			p := newFaultProxy(t, b.srv.URL)
			cfg := b.config(p.srv.URL)
			cfg.Timeout = time.Second
			if tt.name == "slow past the timeout" {
				cfg.Timeout = 50 * time.Millisecond
			}
			c, err := New(t.Context(), cfg)
			require.NoError(t, err)
			c.now = func() time.Time { return t0 }

			f := tt.fault
			p.fault.Store(&f)
			op := tt.op
			if op == nil {
				op = func(c *Conn) error { _, err := c.Read(t.Context(), ann()); return err }
			}
			err = op(c)
			require.NotZero(t, p.hits.Load(), "the fault was reached")
			requireClass(t, err, tt.class)
			_, wait := connector.Classify(err)
			require.Equal(t, tt.wait, wait)
			ce, ok := errors.AsType[*connector.Error](err)
			require.True(t, ok)
			if tt.detail != "" {
				require.Equal(t, tt.detail, ce.Detail)
			}
			if tt.msg != "" {
				require.ErrorContains(t, err, tt.msg)
			}
			require.NotContains(t, err.Error(), testToken)
			require.NotContains(t, ce.Detail, testToken)
			require.NotContains(t, b.logs.String(), testToken)

			p.fault.Store(nil)
			_, err = c.Read(t.Context(), ann())
			require.NoError(t, err, "the connector recovers once the fault is gone")
		})
	}
}

func TestNewRejectsBadToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := b.config(b.srv.URL)
	cfg.Token = "wrong-" + testToken
	_, err := New(t.Context(), cfg)
	requireClass(t, err, connector.Permanent)
	require.ErrorContains(t, err, "401")
	require.NotContains(t, err.Error(), testToken)
}

// A server down when New runs does not fail New: discovery runs again
// before the first operation.
func TestNewRetriesDiscovery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var down atomic.Bool
	down.Store(true)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		u, _ := url.Parse(b.srv.URL)
		httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	c, err := New(t.Context(), b.config(front.URL))
	require.NoError(t, err)
	require.Nil(t, c.caps.Load())
	_, err = c.Read(t.Context(), ann())
	requireClass(t, err, connector.Retryable)

	down.Store(false)
	_, err = c.Ensure(t.Context(), ann())
	require.NoError(t, err)
	require.NotNil(t, c.caps.Load())
}

func TestMaxConcurrent(t *testing.T) {
	t.Parallel()
	const limit = 2
	var inFlight, peak, arrived atomic.Int64
	full := make(chan struct{})
	var once sync.Once
	b := setup(t, func(o *options) {
		o.cfg = func(c *Config) { c.MaxConcurrent = limit }
		o.wrap = func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/ServiceProviderConfig" {
					next.ServeHTTP(w, r)
					return
				}
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				if arrived.Add(1) >= limit {
					once.Do(func() { close(full) })
				}
				<-full // the first requests wait until the limit is reached
				next.ServeHTTP(w, r)
			})
		}
	})
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			_, err := b.conn.Read(t.Context(), ann())
			require.ErrorIs(t, err, connector.ErrNotFound)
		})
	}
	wg.Wait()
	require.Equal(t, int64(limit), peak.Load())
}

func TestUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	_, err := New(t.Context(), Config{BaseURL: srv.URL, Token: testToken, AllowLoopback: true})
	requireClass(t, err, connector.Permanent)
	require.ErrorContains(t, err, "certificate")
}
