package scimconn

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
)

// testToken is distinctive, so a leak into an error or a log is found by
// a plain substring search.
const testToken = "tnr-LEAKCHECK-6b1f0e9a-7c44"

// testBundle is Tenure's SCIM server on a fresh memstore, behind a bearer
// check and a request recorder, and a connector to it.
type testBundle struct {
	store *memstore.Store
	// scim is the server without authentication or recording, to seed
	// and inspect state without it showing up as the connector's requests.
	scim http.Handler
	srv  *httptest.Server
	rec  *recorder
	conn *Conn
	logs *lockedBuffer
}

// options shape setup's server and connector.
type options struct {
	// spc, when set, is served as /ServiceProviderConfig instead of the
	// server's own; "404" answers 404.
	spc string
	// noPatch answers PATCH with 501 and noFilter answers any filter with
	// 400, as servers without them might; noMemberFilter rejects filters
	// on group members only.
	noPatch, noFilter, noMemberFilter bool
	// wrap, when set, sits in front of the SCIM server (after the token
	// check), to inject behaviour.
	wrap func(http.Handler) http.Handler
	// cfg adjusts the connector's configuration.
	cfg func(*Config)
}

func setup(t *testing.T, opts ...func(*options)) *testBundle {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	b := &testBundle{store: memstore.New(), rec: &recorder{}, logs: &lockedBuffer{}}
	b.scim = server.New(server.Config{Store: b.store, Logger: slog.New(slog.DiscardHandler)})
	var h = b.scim
	if o.wrap != nil {
		h = o.wrap(h)
	}
	h = restrict(o, h)
	b.srv = httptest.NewServer(b.rec.wrap(bearer(testToken, h)))
	t.Cleanup(b.srv.Close)
	cfg := b.config(b.srv.URL)
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	conn, err := New(t.Context(), cfg)
	require.NoError(t, err)
	b.conn = conn
	b.rec.reset()
	return b
}

// config is the connector configuration for a server at url.
func (b *testBundle) config(url string) Config {
	return Config{
		BaseURL: url, Token: testToken, AllowLoopback: true,
		Logger: slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// restrict makes the server lack what o says it lacks.
func restrict(o options, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		filter := r.URL.Query().Get("filter")
		switch {
		case o.spc == "404" && r.URL.Path == "/ServiceProviderConfig":
			http.NotFound(w, r)
		case o.spc != "" && r.URL.Path == "/ServiceProviderConfig":
			w.Header().Set("Content-Type", server.ContentType)
			_, _ = io.WriteString(w, o.spc)
		case o.noPatch && r.Method == http.MethodPatch:
			writeSCIMError(w, http.StatusNotImplemented, "", "PATCH is not supported")
		case filter != "" && (o.noFilter || o.noMemberFilter && strings.Contains(filter, "members[")):
			writeSCIMError(w, http.StatusBadRequest, "invalidFilter", "filter not supported")
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func writeSCIMError(w http.ResponseWriter, status int, scimType, detail string) {
	w.Header().Set("Content-Type", server.ContentType)
	w.WriteHeader(status)
	b, _ := json.Marshal(&scim.Error{Status: status, Type: scim.ErrorType(scimType), Detail: detail})
	_, _ = w.Write(b)
}

// bearer stands for the app's token check.
func bearer(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			writeSCIMError(w, http.StatusUnauthorized, "", "invalid token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// call sends a request straight to the SCIM server and decodes the body.
func (b *testBundle) call(t *testing.T, method, path string, body any) (int, scim.Resource) {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(data)
	}
	r := httptest.NewRequest(method, path, rd)
	r.Header.Set("Content-Type", server.ContentType)
	w := httptest.NewRecorder()
	b.scim.ServeHTTP(w, r)
	var res scim.Resource
	if w.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &res), w.Body.String())
	}
	return w.Code, res
}

// seedUser creates a user on the server as if it existed before Tenure.
func (b *testBundle) seedUser(t *testing.T, user map[string]any) string {
	t.Helper()
	user["schemas"] = []any{scim.UserURN}
	status, res := b.call(t, http.MethodPost, "/Users", user)
	require.Equal(t, http.StatusCreated, status, res)
	return res.ID()
}

// seedGroup creates a group and returns its id.
func (b *testBundle) seedGroup(t *testing.T, name string) string {
	t.Helper()
	status, res := b.call(t, http.MethodPost, "/Groups", map[string]any{"schemas": []any{scim.GroupURN}, "displayName": name})
	require.Equal(t, http.StatusCreated, status, res)
	return res.ID()
}

// members returns the member ids of a group, read from the server.
func (b *testBundle) members(t *testing.T, gid string) []string {
	t.Helper()
	status, g := b.call(t, http.MethodGet, "/Groups/"+gid, nil)
	require.Equal(t, http.StatusOK, status, g)
	var ids []string
	for _, m := range objects(g, "members") {
		ids = append(ids, str(m, "value"))
	}
	return ids
}

// user returns a user read from the server.
func (b *testBundle) user(t *testing.T, id string) scim.Resource {
	t.Helper()
	status, u := b.call(t, http.MethodGet, "/Users/"+id, nil)
	require.Equal(t, http.StatusOK, status, u)
	return u
}

// recorded is one request the connector made.
type recorded struct {
	Method string
	Path   string
	Query  string
	Body   map[string]any
}

func (r recorded) String() string { return r.Method + " " + r.Path + "?" + r.Query }

// recorder keeps the requests that pass through it.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (rec *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(data))
		var body map[string]any
		_ = json.Unmarshal(data, &body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body})
		rec.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (rec *recorder) reset() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = nil
}

// all returns the requests since the last reset.
func (rec *recorder) all() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.reqs...)
}

// writes returns the requests since the last reset that were not GETs.
func (rec *recorder) writes() []recorded {
	var out []recorded
	for _, r := range rec.all() {
		if r.Method != http.MethodGet {
			out = append(out, r)
		}
	}
	return out
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// requireClass checks an error's class and, for RateLimited, its wait.
func requireClass(t *testing.T, err error, class connector.Class) {
	t.Helper()
	require.Error(t, err)
	got, _ := connector.Classify(err)
	require.Equal(t, class, got, "%v", err)
}

// ann is the subject most tests provision.
func ann() connector.Subject {
	return connector.Subject{
		PersonID: "E1001", Email: "ann@acme.example", UserName: "ann@acme.example",
		GivenName: "Ann", FamilyName: "Lee", DisplayName: "Ann Lee",
	}
}
