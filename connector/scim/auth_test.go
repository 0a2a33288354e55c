package scimconn

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
)

const (
	// The client id has a space and the secret characters that form
	// encoding changes, so that RFC 6749 §2.3.1's encoding is exercised.
	testClientID     = "tenure client"
	testClientSecret = "LEAKCHECK-s3cr=t/+x%"
)

// tokenServer is an authorization server's token endpoint for the client
// credentials grant (RFC 6749 §4.4), strict about the request: POST, form
// encoded, grant_type=client_credentials, the expected scope, and the
// client authenticated with HTTP basic over form-encoded credentials
// (§2.3.1) — never in the body. It issues bearer tokens that the SCIM app
// beside it accepts until revoked.
type tokenServer struct {
	t      *testing.T
	scope  string
	secret string

	mu      sync.Mutex
	issued  int
	valid   map[string]bool
	refuse  bool // the app refuses every token, even fresh ones
	lifeSec int
}

func (ts *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Method != http.MethodPost || mt != "application/x-www-form-urlencoded" {
		fail(http.StatusBadRequest, "invalid_request")
		return
	}
	body, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("grant_type") != "client_credentials" {
		fail(http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	if form.Has("client_secret") || form.Has("client_id") {
		fail(http.StatusBadRequest, "invalid_request") // only one authentication method (§2.3)
		return
	}
	user, pass, ok := r.BasicAuth()
	id, err1 := url.QueryUnescape(user)
	secret, err2 := url.QueryUnescape(pass)
	if !ok || err1 != nil || err2 != nil || id != testClientID ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(ts.secret)) != 1 {
		fail(http.StatusUnauthorized, "invalid_client")
		return
	}
	if form.Get("scope") != ts.scope {
		fail(http.StatusBadRequest, "invalid_scope")
		return
	}
	ts.mu.Lock()
	ts.issued++
	tok := fmt.Sprintf("at-%d-LEAKCHECK", ts.issued)
	ts.valid[tok] = true
	life := ts.lifeSec
	ts.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": life})
}

// app is the SCIM app: it accepts the bearer tokens ts issued.
func (ts *tokenServer) app(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		ts.mu.Lock()
		ok := ts.valid[tok] && !ts.refuse
		ts.mu.Unlock()
		if !ok {
			writeSCIMError(w, http.StatusUnauthorized, "", "invalid token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (ts *tokenServer) count() int { ts.mu.Lock(); defer ts.mu.Unlock(); return ts.issued }

type oauthBundle struct {
	ts    *tokenServer
	conn  *Conn
	clk   *fakeClock
	logs  *lockedBuffer
	token *httptest.Server
	scim  *httptest.Server
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration)     { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newFakeClock() *fakeClock               { return &fakeClock{t: time.Now()} }
func (b *oauthBundle) revokeAll()            { b.ts.mu.Lock(); clear(b.ts.valid); b.ts.mu.Unlock() }
func (b *oauthBundle) refuseAll(refuse bool) { b.ts.mu.Lock(); b.ts.refuse = refuse; b.ts.mu.Unlock() }

func setupOAuth(t *testing.T, secret string) (*oauthBundle, error) {
	t.Helper()
	ts := &tokenServer{t: t, scope: "scim.read scim.write", secret: testClientSecret, valid: map[string]bool{}, lifeSec: 3600}
	b := &oauthBundle{ts: ts, clk: newFakeClock(), logs: &lockedBuffer{}}
	b.token = httptest.NewServer(ts)
	t.Cleanup(b.token.Close)
	b.scim = httptest.NewServer(ts.app(server.New(server.Config{Store: memstore.New(), Logger: slog.New(slog.DiscardHandler)})))
	t.Cleanup(b.scim.Close)
	conn, err := New(t.Context(), Config{
		BaseURL: b.scim.URL, AllowLoopback: true,
		Auth:   &OAuth2{TokenURL: b.token.URL + "/oauth2/token", ClientID: testClientID, ClientSecret: secret, Scopes: []string{"scim.read", "scim.write"}},
		Logger: slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	b.conn = conn
	return b, err
}

func TestOAuth2ClientCredentials(t *testing.T) {
	t.Parallel()
	b, err := setupOAuth(t, testClientSecret)
	require.NoError(t, err)
	b.conn.now = b.clk.Now
	ctx := t.Context()

	// One token serves many requests until shortly before it expires.
	_, err = b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	for range 5 {
		acc, err := b.conn.Read(ctx, ann())
		require.NoError(t, err)
		require.Equal(t, account.Enabled, acc.State)
	}
	require.Equal(t, 1, b.ts.count(), "the token is cached")

	b.clk.Add(time.Hour - tokenSkew + time.Second)
	_, err = b.conn.Read(ctx, ann())
	require.NoError(t, err)
	require.Equal(t, 2, b.ts.count(), "renewed before it expires")

	// The app revokes the token early: a 401, one renewal, success.
	b.revokeAll()
	_, err = b.conn.Read(ctx, ann())
	require.NoError(t, err)
	require.Equal(t, 3, b.ts.count(), "renewed once on 401")

	// The app refuses even a fresh token: one renewal, then a permanent
	// error (no loop).
	b.refuseAll(true)
	_, err = b.conn.Read(ctx, ann())
	requireClass(t, err, connector.Permanent)
	require.Equal(t, 4, b.ts.count(), "one renewal per request, not a loop")
	b.refuseAll(false)

	for _, s := range []string{err.Error(), b.logs.String()} {
		require.NotContains(t, s, "LEAKCHECK", "no secret or access token in errors or logs")
	}
}

func TestOAuth2RejectedClientFailsNewPermanently(t *testing.T) {
	t.Parallel()
	b, err := setupOAuth(t, "LEAKCHECK-wrong")
	requireClass(t, err, connector.Permanent)
	require.ErrorContains(t, err, "invalid_client")
	require.NotContains(t, err.Error(), "LEAKCHECK")
	var ce *connector.Error
	require.ErrorAs(t, err, &ce)
	require.NotContains(t, ce.Detail, "LEAKCHECK")
	require.NotContains(t, b.logs.String(), "LEAKCHECK")
	require.Zero(t, b.ts.count())
}

func TestOAuth2TokenEndpointFailuresAreClassified(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		header string
		body   string
		ctype  string
		want   connector.Class
	}{
		{"unavailable", http.StatusBadGateway, "", `{"error":"temporarily_unavailable"}`, "application/json", connector.Retryable},
		{"rate limited", http.StatusTooManyRequests, "7", `{}`, "application/json", connector.RateLimited},
		{"invalid scope", http.StatusBadRequest, "", `{"error":"invalid_scope"}`, "application/json", connector.Permanent},
		{"html login page", http.StatusOK, "", `<html>sign in</html>`, "text/html", connector.Permanent},
		{"mac token", http.StatusOK, "", `{"access_token":"x","token_type":"mac"}`, "application/json", connector.Permanent},
		{"no token", http.StatusOK, "", `{"token_type":"Bearer"}`, "application/json", connector.Permanent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			t.Cleanup(tok.Close)
			o := &OAuth2{TokenURL: tok.URL, ClientID: "c", ClientSecret: "s"}
			c := &Conn{auth: o, hc: http.DefaultClient, timeout: time.Second, now: time.Now, log: slog.New(slog.DiscardHandler)}
			_, err := o.header(t.Context(), c)
			requireClass(t, err, tc.want)
			if tc.want == connector.RateLimited {
				_, wait := connector.Classify(err)
				require.Equal(t, 7*time.Second, wait)
			}
		})
	}
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	store := memstore.New()
	scimH := server.New(server.Config{Store: store, Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != "tenure" || subtle.ConstantTimeCompare([]byte(p), []byte("LEAKCHECK-pw:with colon")) != 1 {
			writeSCIMError(w, http.StatusUnauthorized, "", "bad credentials")
			return
		}
		scimH.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	conn, err := New(t.Context(), Config{BaseURL: srv.URL, AllowLoopback: true, Logger: log,
		Auth: Basic{Username: "tenure", Password: "LEAKCHECK-pw:with colon"}})
	require.NoError(t, err)
	_, err = conn.Ensure(t.Context(), ann())
	require.NoError(t, err)
	require.NoError(t, conn.Disable(t.Context(), ann()))
	acc, err := conn.Read(t.Context(), ann())
	require.NoError(t, err)
	require.Equal(t, account.Disabled, acc.State)

	_, err = New(t.Context(), Config{BaseURL: srv.URL, AllowLoopback: true, Logger: log,
		Auth: Basic{Username: "tenure", Password: "LEAKCHECK-wrong"}})
	requireClass(t, err, connector.Permanent)
	require.NotContains(t, err.Error(), "LEAKCHECK")
	require.NotContains(t, logs.String(), "LEAKCHECK")
}

func TestAuthConfigIsChecked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"token and auth", Config{Token: "t", Auth: Basic{Username: "u", Password: "p"}}, "not both"},
		{"no credentials", Config{}, "token is empty"},
		{"basic without password", Config{Auth: Basic{Username: "u"}}, "password is empty"},
		{"basic username with colon", Config{Auth: Basic{Username: "a:b", Password: "p"}}, "colon"},
		{"oauth2 over http", Config{Auth: &OAuth2{TokenURL: "http://idp.example/token", ClientID: "c", ClientSecret: "s"}}, "only over https"},
		{"oauth2 on loopback", Config{Auth: &OAuth2{TokenURL: "https://127.0.0.1/token", ClientID: "c", ClientSecret: "s"}}, "loopback"},
		{"oauth2 credentials in url", Config{Auth: &OAuth2{TokenURL: "https://c:s@idp.example/token", ClientID: "c", ClientSecret: "s"}}, "credentials belong"},
		{"oauth2 without client", Config{Auth: &OAuth2{TokenURL: "https://idp.example/token", ClientSecret: "s"}}, "client_id is empty"},
		{"oauth2 without secret", Config{Auth: &OAuth2{TokenURL: "https://idp.example/token", ClientID: "c"}}, "client secret is empty"},
		{"oauth2 bad scope", Config{Auth: &OAuth2{TokenURL: "https://idp.example/token", ClientID: "c", ClientSecret: "s", Scopes: []string{"a b"}}}, "scope-token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.cfg.BaseURL = "https://app.example/scim/v2"
			_, err := New(t.Context(), tc.cfg)
			requireClass(t, err, connector.Permanent)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
