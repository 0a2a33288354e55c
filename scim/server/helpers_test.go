package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
)

// testBundle is a handler on a fresh memstore with a settable clock and
// predictable ids ("id-1", "id-2"…), and what a test needs to drive it.
type testBundle struct {
	h     http.Handler
	store *memstore.Store
	clock *clock
	logs  *bytes.Buffer
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// setup returns a bundle; mutate adjusts the configuration first.
func setup(t *testing.T, mutate ...func(*server.Config)) *testBundle {
	t.Helper()
	b := &testBundle{store: memstore.New(), clock: &clock{now: t0}, logs: &bytes.Buffer{}}
	var ids atomic.Int64
	cfg := server.Config{
		Store:                 b.store,
		ServiceProviderConfig: conformanceConfig(),
		Now:                   b.clock.Now,
		NewID:                 func() string { return fmt.Sprintf("id-%d", ids.Add(1)) },
		Logger:                slog.New(slog.NewTextHandler(&lockedWriter{w: b.logs}, nil)),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	b.h = server.New(cfg)
	return b
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// result is a response, decoded.
type result struct {
	*httptest.ResponseRecorder
	json map[string]any
}

// do serves one request. body is a string sent as it is, or a value sent
// as JSON; headers are name/value pairs (Content-Type defaults to
// application/scim+json with a body).
func (b *testBundle) do(t *testing.T, method, target string, body any, headers ...string) result {
	t.Helper()
	var rd io.Reader
	switch x := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(x)
	default:
		data, err := json.Marshal(x)
		require.NoError(t, err)
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, target, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	res := result{ResponseRecorder: rec}
	if rec.Body.Len() > 0 {
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		dec.UseNumber()
		_ = dec.Decode(&res.json)
	}
	return res
}

// requireStatus fails unless the response has status, showing the body.
func requireStatus(t *testing.T, res result, status int) {
	t.Helper()
	require.Equal(t, status, res.Code, "body: %s", res.Body.String())
}

// requireError checks a SCIM error response.
func requireError(t *testing.T, res result, status int, scimType scim.ErrorType) {
	t.Helper()
	requireStatus(t, res, status)
	require.Equal(t, server.ContentType, res.Header().Get("Content-Type"))
	var e scim.Error
	require.NoError(t, json.Unmarshal(res.Body.Bytes(), &e), res.Body.String())
	require.Equal(t, status, e.Status)
	require.Equal(t, scimType, e.Type, "detail: %s", e.Detail)
	require.Equal(t, []any{scim.ErrorURN}, res.json["schemas"])
}

// createUser POSTs a user and returns it.
func (b *testBundle) createUser(t *testing.T, userName string, attrs ...any) map[string]any {
	t.Helper()
	body := map[string]any{"schemas": []any{scim.UserURN}, "userName": userName}
	for i := 0; i+1 < len(attrs); i += 2 {
		body[attrs[i].(string)] = attrs[i+1]
	}
	res := b.do(t, http.MethodPost, "/Users", body)
	requireStatus(t, res, http.StatusCreated)
	return res.json
}

// createGroup POSTs a group with members and returns it.
func (b *testBundle) createGroup(t *testing.T, displayName string, memberIDs ...string) map[string]any {
	t.Helper()
	var members []any
	for _, id := range memberIDs {
		members = append(members, map[string]any{"value": id})
	}
	res := b.do(t, http.MethodPost, "/Groups", map[string]any{
		"schemas": []any{scim.GroupURN}, "displayName": displayName, "members": members,
	})
	requireStatus(t, res, http.StatusCreated)
	return res.json
}

func patchOp(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	return map[string]any{"schemas": []any{scim.PatchOpURN}, "Operations": list}
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// listNames returns the userNames (or displayNames) of a ListResponse.
func listNames(t *testing.T, res result) []string {
	t.Helper()
	requireStatus(t, res, http.StatusOK)
	var out []string
	list, _ := res.json["Resources"].([]any)
	for _, r := range list {
		m := r.(map[string]any)
		name, ok := m["userName"].(string)
		if !ok {
			name, _ = m["displayName"].(string)
		}
		out = append(out, name)
	}
	return out
}
