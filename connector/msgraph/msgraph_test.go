package msgraph_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/msgraph"
	"github.com/tenure-dev/tenure/connector/msgraph/msgraphtest"
	"github.com/tenure-dev/tenure/egress"
)

const (
	tenant   = "contoso.onmicrosoft.com"
	clientID = "11111111-2222-3333-4444-555555555555"
	secret   = "LEAKCHECK~graph-secret-9f8e7d"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type bundle struct {
	fake *msgraphtest.Server
	conn *msgraph.Conn
	logs *syncBuffer
}

func setup(t *testing.T, edit ...func(*msgraph.Config)) *bundle {
	t.Helper()
	b := &bundle{fake: msgraphtest.New(t, tenant, clientID, secret), logs: &syncBuffer{}}
	cfg := msgraph.Config{TenantID: tenant, ClientID: clientID, ClientSecret: secret,
		GraphURL: b.fake.URL, TokenURL: b.fake.TokenURL(), Egress: egress.Policy{AllowHTTP: true, AllowLoopback: true},
		Logger: slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := msgraph.New(cfg)
	require.NoError(t, err)
	b.conn = c
	return b
}

var ann = connector.Subject{PersonID: "E1001", Email: "ann@contoso.example", UserName: "ann@contoso.example",
	GivenName: "Ann", FamilyName: "Lee", DisplayName: "Ann Lee"}

func annUser() msgraphtest.User {
	return msgraphtest.User{"userPrincipalName": "ann@contoso.example", "accountEnabled": true,
		"displayName": "Ann Lee", "employeeId": "E1001"}
}

func calls(f *msgraphtest.Server) []string {
	var out []string
	for _, c := range f.Calls() {
		out = append(out, c.Method+" "+c.Path)
	}
	return out
}

func TestRevokeSignInSessions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.fake.Seed(annUser(), 4)
	require.NoError(t, b.conn.RevokeSessions(t.Context(), ann))
	n, at := b.fake.Sessions(id)
	require.Zero(t, n)
	require.False(t, at.IsZero())
	require.Contains(t, calls(b.fake), "POST /v1.0/users/"+id+"/revokeSignInSessions")
	// By employeeId only; and a second time: one token for both.
	require.NoError(t, b.conn.RevokeSessions(t.Context(), connector.Subject{PersonID: "E1001"}))
	require.Equal(t, 1, b.fake.TokenCalls(), "the access token is cached")
	require.NoError(t, b.conn.RevokeSessions(t.Context(), connector.Subject{PersonID: "E404", Email: "x@contoso.example"}))
	require.NotContains(t, b.logs.String(), secret)
}

func TestExpiredTokenRefetchedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Seed(annUser(), 1)
	require.NoError(t, b.conn.RevokeSessions(t.Context(), ann))
	b.fake.ExpireTokens()
	require.NoError(t, b.conn.RevokeSessions(t.Context(), ann))
	require.Equal(t, 2, b.fake.TokenCalls())
}

func TestTokenCacheExpiry(t *testing.T) {
	t.Parallel()
	now := time.Unix(1767225600, 0)
	var mu sync.Mutex
	b := setup(t, func(c *msgraph.Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	b.fake.Seed(annUser(), 1)
	require.NoError(t, b.conn.RevokeSessions(t.Context(), ann))
	mu.Lock()
	now = now.Add(58 * time.Minute) // 3599s token: within its last minute after 58m59s
	mu.Unlock()
	require.NoError(t, b.conn.RevokeSessions(t.Context(), ann))
	require.Equal(t, 1, b.fake.TokenCalls())
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	require.NoError(t, b.conn.RevokeSessions(t.Context(), ann))
	require.Equal(t, 2, b.fake.TokenCalls(), "refreshed before it expires")
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	_, err := b.conn.Read(ctx, ann)
	require.ErrorIs(t, err, connector.ErrNotFound)
	acc, err := b.conn.Ensure(ctx, ann)
	require.NoError(t, err)
	require.Equal(t, account.Enabled, acc.State)
	u, _ := b.fake.User(acc.ExternalID)
	require.Equal(t, "E1001", u["employeeId"])
	require.Equal(t, "ann", u["mailNickname"])
	require.NotContains(t, u, "passwordProfile")

	require.NoError(t, b.conn.Disable(ctx, ann))
	u, _ = b.fake.User(acc.ExternalID)
	require.Equal(t, false, u["accountEnabled"])
	acc, err = b.conn.Read(ctx, ann)
	require.NoError(t, err)
	require.Equal(t, account.Disabled, acc.State)
	require.NoError(t, b.conn.Disable(ctx, ann))

	acc, err = b.conn.Ensure(ctx, ann)
	require.NoError(t, err)
	require.Equal(t, account.Enabled, acc.State, "rehire re-enables")

	require.NoError(t, b.conn.Delete(ctx, ann))
	_, ok := b.fake.User(acc.ExternalID)
	require.False(t, ok)
	require.NoError(t, b.conn.Delete(ctx, ann))
}

func TestErrorsAreClassified(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		edit   func(*msgraph.Config)
		prep   func(*msgraphtest.Server)
		class  connector.Class
		wait   time.Duration
		detail string
	}{
		{name: "429 Retry-After", prep: func(f *msgraphtest.Server) { f.Throttle(http.StatusTooManyRequests, 17) },
			class: connector.RateLimited, wait: 17 * time.Second, detail: "TooManyRequests"},
		{name: "503 Retry-After", prep: func(f *msgraphtest.Server) { f.Throttle(http.StatusServiceUnavailable, 5) },
			class: connector.RateLimited, wait: 5 * time.Second},
		{name: "server error", prep: func(f *msgraphtest.Server) { f.Fail(http.StatusInternalServerError) },
			class: connector.Retryable, detail: "generalException"},
		{name: "503 without Retry-After", prep: func(f *msgraphtest.Server) { f.Fail(http.StatusServiceUnavailable) },
			class: connector.Retryable},
		{name: "missing permission", prep: func(f *msgraphtest.Server) { f.DenyRevoke() },
			class: connector.Permanent, detail: "Authorization_RequestDenied"},
		{name: "wrong secret", edit: func(c *msgraph.Config) { c.ClientSecret = "LEAKCHECK~wrong" },
			class: connector.Permanent, detail: "AADSTS7000215"},
		{name: "unknown tenant", edit: func(c *msgraph.Config) { c.TokenURL = c.GraphURL + "/other/oauth2/v2.0/token" },
			class: connector.Permanent, detail: "AADSTS90002"},
		{name: "unknown client", edit: func(c *msgraph.Config) { c.ClientID = "nope" },
			class: connector.Permanent, detail: "AADSTS700016"},
		{name: "token endpoint down", edit: func(c *msgraph.Config) { c.TokenURL = "http://127.0.0.1:1/t/oauth2/v2.0/token" },
			class: connector.Retryable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *msgraph.Config) {
				if tc.edit != nil {
					tc.edit(c)
				}
			})
			b.fake.Seed(annUser(), 1)
			if tc.prep != nil {
				tc.prep(b.fake)
			}
			err := b.conn.RevokeSessions(t.Context(), ann)
			require.Error(t, err)
			class, wait := connector.Classify(err)
			require.Equal(t, tc.class, class, err.Error())
			require.Equal(t, tc.wait, wait)
			var ce *connector.Error
			require.ErrorAs(t, err, &ce)
			require.Contains(t, ce.Detail, tc.detail)
			for _, s := range []string{err.Error(), ce.Detail, b.logs.String()} {
				require.NotContains(t, s, "LEAKCHECK")
				require.NotContains(t, s, "eyJ0eXAiOiJKV1Qi.", "no access token")
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  msgraph.Config
		want []string
	}{
		{"ok", msgraph.Config{TenantID: tenant, ClientID: clientID, ClientSecret: secret}, nil},
		{"empty", msgraph.Config{}, []string{"tenant_id", "client_id is empty", "client secret is empty"}},
		{"bad urls", msgraph.Config{TenantID: "a/b", ClientID: clientID, ClientSecret: secret,
			GraphURL: "https://graph.microsoft.com/v1.0", TokenURL: "http://169.254.169.254/token", Timeout: -1},
			[]string{`tenant_id "a/b"`, "without /v1.0", "token_url", "timeout"}},
		{"loopback refused by default", msgraph.Config{TenantID: tenant, ClientID: clientID, ClientSecret: secret,
			GraphURL: "https://127.0.0.1"}, []string{"loopback"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.Validate()
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
			require.NotContains(t, err.Error(), secret)
		})
	}
}

// BenchmarkRevokeSessions is one leaver's revokeSignInSessions on
// loopback, the access token cached: find by UPN, then the action.
func BenchmarkRevokeSessions(b *testing.B) {
	fake := msgraphtest.New(b, tenant, clientID, secret)
	fake.Seed(annUser(), 1)
	c, err := msgraph.New(msgraph.Config{TenantID: tenant, ClientID: clientID, ClientSecret: secret, GraphURL: fake.URL,
		TokenURL: fake.TokenURL(), Egress: egress.Policy{AllowHTTP: true, AllowLoopback: true}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	for b.Loop() {
		if err := c.RevokeSessions(b.Context(), ann); err != nil {
			b.Fatal(err)
		}
	}
}
