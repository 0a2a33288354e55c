package signal_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/jackc/pgx/v5"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/egress"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/examples"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/httpapi"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/signal"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/postgres"
	"github.com/tenure-dev/tenure/store/sqlite"
)

// testBundle is one Tenure: SQLite, the lifecycle service, the engine with
// its signal workers and the HTTP API, on loopback.
type testBundle struct {
	ctx  context.Context
	ecfg engine.Config
	st   store.Store
	// postgres runs on PostgreSQL (onPostgres) instead of SQLite.
	postgres bool
	// backoff is the queue's wait between attempts (default 5ms).
	backoff time.Duration
	svc     *lifecycle.Service
	tn      *lifecycle.Tenant
	sig     *signal.Service
	eng     *engine.Engine
	srv     *httptest.Server
	kek     *signal.KEK
	hr      string // hr:write token of acme
	ssf     string // ssf token of acme (receiver 1)
	ssf2    string // ssf token of acme (receiver 2)
	// skew moves the clocks of the lifecycle and signal services forward.
	skew atomic.Int64
	set  signal.Settings
}

type option func(*testBundle)

func withLogoutApps(apps ...signal.LogoutApp) option {
	return func(b *testBundle) { b.set.LogoutApps = apps }
}

func withBackoff(d time.Duration) option { return func(b *testBundle) { b.backoff = d } }

func withAllSubjects() option { return func(b *testBundle) { b.set.AllSubjects = true } }

// onPostgres runs the bundle on PostgreSQL (a fresh schema) instead of
// SQLite; it skips without TENURE_TEST_POSTGRES_URL, and fails under CI.
func onPostgres(b *testBundle) { b.postgres = true }

// pgURL returns a URL to a fresh schema, dropped when t ends.
func pgURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TENURE_TEST_POSTGRES_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but TENURE_TEST_POSTGRES_URL is unset")
		}
		t.Skip("set TENURE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run")
	}
	schema := "tenure_signal_" + strings.ToLower(rand.Text())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = conn.Close(context.Background())
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func setup(t testing.TB, opts ...option) *testBundle {
	t.Helper()
	ctx := context.Background()
	b := &testBundle{ctx: ctx, set: signal.Settings{Tenant: "acme", Egress: egress.Policy{AllowHTTP: true, AllowLoopback: true}}}
	for _, o := range opts {
		o(b)
	}
	ecfg := engine.Config{}
	if b.postgres {
		pg, err := postgres.Open(ctx, pgURL(t))
		require.NoError(t, err)
		b.st, ecfg.Pool = pg, pg.Pool()
	} else {
		lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
		require.NoError(t, err)
		b.st, ecfg.DB = lite, lite.DB()
	}
	st := b.st
	t.Cleanup(func() { _ = st.Close() })
	f, err := config.Parse(config.Example(), "example.yaml")
	require.NoError(t, err)
	cfg, _ := f.Tenant("acme")
	cfg.Guard.MaxRemovals, cfg.Guard.MaxRemovalsPercent = 100000, 100
	svc := &lifecycle.Service{Store: st, Actor: "test", Now: func() time.Time { return time.Now().Add(time.Duration(b.skew.Load())) }}
	tenants := map[string]*lifecycle.Tenant{}
	for _, id := range []string{"acme", "globex"} {
		require.NoError(t, svc.CreateTenant(ctx, id))
		s := lifecycle.FromConfig(cfg)
		s.Tenant = id
		tenants[id], err = svc.Tenant(s)
		require.NoError(t, err)
	}
	b.svc, b.tn = svc, tenants["acme"]
	data, err := examples.FS.ReadFile("roster-day1.csv")
	require.NoError(t, err)
	rows, err := hr.Parse(bytes.NewReader(data), "roster-day1.csv", hr.CSV, lifecycle.Mapping(cfg))
	require.NoError(t, err)
	_, err = b.tn.Import(ctx, rows, lifecycle.ImportOptions{Source: "day1", Full: true})
	require.NoError(t, err)

	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	b.kek, err = signal.NewKEK(raw)
	require.NoError(t, err)
	var h http.Handler
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(b.srv.Close)
	now := func() time.Time { return time.Now().Add(time.Duration(b.skew.Load())) }
	b.sig = &signal.Service{
		Store: st, BaseURL: b.srv.URL, Now: now, PollWait: 5 * time.Second,
		Keys: &signal.Keyring{Store: st, KEK: b.kek, Now: now, Retention: func(string) time.Duration { return time.Hour }},
		Tenants: func(id string) (signal.Settings, bool) {
			s := b.set
			s.Tenant = id
			return s, id == "acme" || id == "globex"
		},
	}
	ecfg.Service, ecfg.Workers, ecfg.MaxAttempts, ecfg.Signals = svc, 8, 4, b.sig
	ecfg.Tenants = func(id string) (*lifecycle.Tenant, bool) { tn, ok := tenants[id]; return tn, ok }
	ecfg.Connectors = func(_, _ string) (connector.Connector, bool) { return nil, false }
	backoff := cmp.Or(b.backoff, 5*time.Millisecond)
	ecfg.Backoff = func(int) time.Duration { return backoff }
	b.ecfg = ecfg
	b.eng, err = engine.New(ctx, ecfg)
	require.NoError(t, err)
	b.sig.Enqueue = b.eng.EnqueueSignals
	svc.OnEvents = func(ctx context.Context, tx store.Tx, _ *lifecycle.Tenant, evs []person.Event) error {
		return b.sig.OnEvents(ctx, tx, evs)
	}
	svc.OnChange = b.eng.OnChange
	require.NoError(t, b.eng.Start(ctx))
	eng := b.eng
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = eng.Stop(ctx)
	})
	api := &httpapi.Server{Service: svc, Signals: b.sig, Tenants: func(id string) (*lifecycle.Tenant, bool) { tn, ok := tenants[id]; return tn, ok }}
	h = api.Handler()
	b.hr, _, err = svc.CreateToken(ctx, "acme", []string{"hr:write"}, "")
	require.NoError(t, err)
	b.ssf, _, err = svc.CreateToken(ctx, "acme", []string{"ssf"}, "receiver 1")
	require.NoError(t, err)
	b.ssf2, _, err = svc.CreateToken(ctx, "acme", []string{"ssf"}, "receiver 2")
	require.NoError(t, err)
	return b
}

// restart stops the engine (what a deploy or a crash does to the workers)
// and starts a new one on the same database, as the next process would.
func (b *testBundle) restart(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, b.eng.Stop(ctx))
	eng, err := engine.New(b.ctx, b.ecfg)
	require.NoError(t, err)
	b.eng = eng
	b.sig.Enqueue = eng.EnqueueSignals
	b.svc.OnChange = eng.OnChange
	require.NoError(t, eng.Start(b.ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = eng.Stop(ctx)
	})
}

func (b *testBundle) issuer() string { return b.srv.URL + "/t/acme" }

// call makes an API request and returns the status and raw body.
func (b *testBundle) call(t testing.TB, method, path, tok, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(b.ctx, method, b.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, raw
}

// callJSON is call expecting status want, decoding the body into a map.
func (b *testBundle) callJSON(t testing.TB, want int, method, path, tok, body string) map[string]any {
	t.Helper()
	code, raw := b.call(t, method, path, tok, body)
	require.Equal(t, want, code, "%s %s: %s", method, path, raw)
	var out map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	}
	return out
}

// hrEvent posts one HR event.
func (b *testBundle) hrEvent(t testing.TB, body string) {
	t.Helper()
	b.callJSON(t, http.StatusOK, "POST", "/t/acme/api/v1/hr/events", b.hr, body)
}

var eventN atomic.Int64

func leave(id string) string {
	return fmt.Sprintf(`{"id": "ev-%d", "employeeId": %q, "endDate": "2026-11-01", "status": "terminated"}`, eventN.Add(1), id)
}

func onLeave(id string) string {
	return fmt.Sprintf(`{"id": "ev-%d", "employeeId": %q, "status": "on-leave"}`, eventN.Add(1), id)
}

func back(id string) string {
	return fmt.Sprintf(`{"id": "ev-%d", "employeeId": %q, "status": "active", "endDate": null}`, eventN.Add(1), id)
}

// createStream creates a stream for tok and returns its id.
func (b *testBundle) createStream(t testing.TB, tok, body string) string {
	t.Helper()
	out := b.callJSON(t, http.StatusCreated, "POST", "/t/acme/ssf/streams", tok, body)
	return out["stream_id"].(string)
}

func (b *testBundle) addSubject(t testing.TB, tok, stream, subject string) {
	t.Helper()
	b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/subjects:add", tok, fmt.Sprintf(`{"stream_id": %q, "subject": %s}`, stream, subject))
}

func allEvents() string {
	return `["` + strings.Join(signal.EventsSupported, `", "`) + `"]`
}

func (b *testBundle) outbox(t testing.TB, stream string) int {
	t.Helper()
	var n int
	require.NoError(t, b.st.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		n, err = tx.SETs().Count(b.ctx, stream)
		return err
	}))
	return n
}

// receivedSET is a SET a strict receiver accepted.
type receivedSET struct {
	Kid    string
	Claims map[string]any
	Event  string
	Raw    string
}

func (r receivedSET) subID() map[string]any { return r.Claims["sub_id"].(map[string]any) }

// receiver is the receiving side of SSF, strict by the specifications and
// built on an independent JOSE implementation (lestrrat-go/jwx), never on
// go-jose: it fetches the transmitter's JWKS and rejects a SET with the
// wrong typ, issuer or audience, without sub_id, with sub or exp, with more
// than one event, or signed by a key the JWKS no longer publishes.
type receiver struct {
	jwksURL string
	iss     string
	aud     string
	// down makes the push endpoint answer 503 that many more times.
	down atomic.Int64
	got  chan receivedSET
	// rejected counts SETs that failed verification.
	rejected atomic.Int64
	seen     sync.Map
	mu       sync.Mutex
	keys     jwk.Set
}

func newReceiver(b *testBundle, aud string) *receiver {
	return &receiver{jwksURL: b.issuer() + "/jwks.json", iss: b.issuer(), aud: aud, got: make(chan receivedSET, 10000)}
}

// jwks returns the transmitter's keys: cached, or fetched afresh when
// fresh is set (a verifier meeting an unknown kid looks again, once).
func (r *receiver) jwks(ctx context.Context, fresh bool) (jwk.Set, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys != nil && !fresh {
		return r.keys, nil
	}
	keys, err := jwk.Fetch(ctx, r.jwksURL)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	for i := range keys.Len() {
		k, _ := keys.Key(i)
		if k.Has("d") {
			return nil, fmt.Errorf("the JWKS publishes a private key")
		}
	}
	r.keys = keys
	return keys, nil
}

// verify checks a SET strictly.
func (r *receiver) verify(ctx context.Context, token string) (receivedSET, error) {
	msg, err := jws.Parse([]byte(token))
	if err != nil {
		return receivedSET{}, fmt.Errorf("parse: %w", err)
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if typ, _ := hdr.Type(); typ != "secevent+jwt" {
		return receivedSET{}, fmt.Errorf("typ %q, want secevent+jwt", typ)
	}
	kid, _ := hdr.KeyID()
	keys, err := r.jwks(ctx, false)
	if err != nil {
		return receivedSET{}, err
	}
	payload, err := jws.Verify([]byte(token), jws.WithKeySet(keys, jws.WithRequireKid(true)))
	if err != nil {
		if keys, err = r.jwks(ctx, true); err != nil {
			return receivedSET{}, err
		}
		if payload, err = jws.Verify([]byte(token), jws.WithKeySet(keys, jws.WithRequireKid(true))); err != nil {
			return receivedSET{}, fmt.Errorf("signature (kid %s): %w", kid, err)
		}
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		return receivedSET{}, err
	}
	if c["iss"] != r.iss {
		return receivedSET{}, fmt.Errorf("iss %v, want %s", c["iss"], r.iss)
	}
	if !audHas(c["aud"], r.aud) {
		return receivedSET{}, fmt.Errorf("aud %v, want %s", c["aud"], r.aud)
	}
	for _, forbidden := range []string{"sub", "exp"} {
		if _, ok := c[forbidden]; ok {
			return receivedSET{}, fmt.Errorf("a SET must not carry %s", forbidden)
		}
	}
	for _, required := range []string{"jti", "iat", "sub_id", "events"} {
		if _, ok := c[required]; !ok {
			return receivedSET{}, fmt.Errorf("missing %s", required)
		}
	}
	if sid, ok := c["sub_id"].(map[string]any); !ok || sid["format"] == nil {
		return receivedSET{}, fmt.Errorf("sub_id is not an RFC 9493 subject identifier: %v", c["sub_id"])
	}
	evs, _ := c["events"].(map[string]any)
	if len(evs) != 1 {
		return receivedSET{}, fmt.Errorf("want exactly one event, got %d", len(evs))
	}
	if _, dup := r.seen.LoadOrStore(c["jti"], true); dup {
		return receivedSET{}, fmt.Errorf("jti %v seen twice", c["jti"])
	}
	out := receivedSET{Kid: kid, Claims: c, Raw: token}
	for typ := range evs {
		out.Event = typ
	}
	return out, nil
}

func audHas(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		return slices.Contains(a, any(want))
	}
	return false
}

// ServeHTTP is the RFC 8935 push endpoint.
func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.down.Load() > 0 {
		r.down.Add(-1)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	fail := func(code, desc string) {
		r.rejected.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"err": code, "description": desc})
	}
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/secevent+jwt" {
		fail("invalid_request", "POST application/secevent+jwt")
		return
	}
	body, _ := io.ReadAll(req.Body)
	set, err := r.verify(req.Context(), string(body))
	if err != nil {
		fail("invalid_key", err.Error())
		return
	}
	w.WriteHeader(http.StatusAccepted)
	r.got <- set
}

// next waits for the next accepted SET.
func (r *receiver) next(t testing.TB) receivedSET {
	t.Helper()
	select {
	case s := <-r.got:
		return s
	case <-time.After(30 * time.Second):
		t.Fatalf("no SET arrived (rejected: %d)", r.rejected.Load())
	}
	return receivedSET{}
}

// relyingParty is an OIDC back-channel logout endpoint verified with
// coreos/go-oidc's logout token verification (and the header checked with
// lestrrat-go/jwx, since go-oidc does not look at typ).
type relyingParty struct {
	clientID string
	verifier *oidc.IDTokenVerifier
	jwksURL  string
	// fail makes it answer 500 that many more times (negative: always).
	fail atomic.Int64
	got  chan *oidc.LogoutToken
	raw  chan string
	srv  *httptest.Server
}

func newRelyingParty(t testing.TB, b *testBundle, clientID string) *relyingParty {
	rp := &relyingParty{clientID: clientID, jwksURL: b.issuer() + "/jwks.json", got: make(chan *oidc.LogoutToken, 10000), raw: make(chan string, 10000)}
	rp.verifier = oidc.NewVerifier(b.issuer(), oidc.NewRemoteKeySet(context.Background(), rp.jwksURL),
		&oidc.Config{ClientID: clientID, SupportedSigningAlgs: []string{"RS256", "ES256"}})
	rp.srv = httptest.NewServer(rp)
	t.Cleanup(rp.srv.Close)
	return rp
}

func (rp *relyingParty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if n := rp.fail.Load(); n != 0 {
		if n > 0 {
			rp.fail.Add(-1)
		}
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		http.Error(w, "want a form", http.StatusBadRequest)
		return
	}
	raw := r.PostFormValue("logout_token")
	msg, err := jws.Parse([]byte(raw))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if typ, _ := msg.Signatures()[0].ProtectedHeaders().Type(); typ != "logout+jwt" {
		http.Error(w, "typ "+typ, http.StatusBadRequest)
		return
	}
	tok, err := rp.verifier.VerifyLogout(r.Context(), raw)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	rp.got <- tok
	rp.raw <- raw
}

func (rp *relyingParty) app(id string) signal.LogoutApp {
	return signal.LogoutApp{ID: id, URI: rp.srv.URL + "/backchannel-logout", ClientID: rp.clientID, Owner: "it-ops@acme.example", Deadline: 15 * time.Minute}
}

func (rp *relyingParty) next(t testing.TB) *oidc.LogoutToken {
	t.Helper()
	select {
	case tok := <-rp.got:
		return tok
	case <-time.After(30 * time.Second):
		t.Fatal("no logout token arrived")
	}
	return nil
}

// newServer serves h on loopback and returns its URL.
func newServer(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// waitFor waits until cond holds, looking again whenever the queue
// finishes a job (and at least every 20ms: some changes are not jobs).
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("condition not met in 30s")
		}
	}
}

func writeFile(path, data string) error { return os.WriteFile(path, []byte(data), 0o600) }
