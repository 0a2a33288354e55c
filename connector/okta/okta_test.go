package okta_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/okta"
	"github.com/tenure-dev/tenure/connector/okta/oktatest"
	"github.com/tenure-dev/tenure/egress"
)

// Distinctive tokens, so a leak is found by a substring search.
const (
	testToken = "00LEAKCHECK-okta-token-7f3e9b"
	readToken = "00LEAKCHECK-okta-readonly-1a2b"
)

var loopback = egress.Policy{AllowHTTP: true, AllowLoopback: true}

type bundle struct {
	fake *oktatest.Server
	conn *okta.Conn
	logs *syncBuffer
}

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

func setup(t *testing.T, edit ...func(*okta.Config)) *bundle {
	t.Helper()
	b := &bundle{fake: oktatest.New(t, testToken, readToken), logs: &syncBuffer{}}
	cfg := okta.Config{URL: b.fake.URL, Token: testToken, Egress: loopback,
		Logger: slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := okta.New(cfg)
	require.NoError(t, err)
	b.conn = c
	return b
}

func annProfile() map[string]string {
	return map[string]string{"login": "ann@acme.example", "email": "ann@acme.example", "firstName": "Ann",
		"lastName": "Lee", "employeeNumber": "E1001"}
}

var ann = connector.Subject{PersonID: "E1001", Email: "ann@acme.example", UserName: "ann@acme.example",
	GivenName: "Ann", FamilyName: "Lee", DisplayName: "Ann Lee"}

func calls(f *oktatest.Server) []string {
	var out []string
	for _, c := range f.Calls() {
		out = append(out, c.String())
	}
	return out
}

func TestRevokeSessionsClearsSessionsTokensAndGrants(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.fake.Seed("ACTIVE", annProfile(), 3, 2, 1)
	require.NoError(t, b.conn.RevokeSessions(t.Context(), ann))
	s, tk, g := b.fake.Live(id)
	require.Equal(t, [3]int{0, 0, 0}, [3]int{s, tk, g})
	got := calls(b.fake)
	require.Contains(t, got, "DELETE /api/v1/users/"+id+"/sessions?oauthTokens=true")
	require.Contains(t, got, "DELETE /api/v1/users/"+id+"/grants")

	// By recorded id, with no login to go by, and again: idempotent.
	require.NoError(t, b.conn.RevokeSessions(t.Context(), connector.Subject{PersonID: "E1001", ExternalID: id}))
	// A person without an Okta user has nothing to revoke.
	require.NoError(t, b.conn.RevokeSessions(t.Context(), connector.Subject{PersonID: "E9", Email: "nobody@acme.example"}))
	require.NotContains(t, b.logs.String(), testToken)
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	gid := b.fake.AddGroup("engineering")

	_, err := b.conn.Read(ctx, ann)
	require.ErrorIs(t, err, connector.ErrNotFound)
	acc, err := b.conn.Ensure(ctx, ann)
	require.NoError(t, err)
	require.Equal(t, account.Enabled, acc.State)
	u, ok := b.fake.User(acc.ExternalID)
	require.True(t, ok)
	require.Equal(t, "E1001", u.Profile["employeeNumber"])
	require.Equal(t, "PROVISIONED", u.Status)

	require.NoError(t, b.conn.Grant(ctx, ann, "engineering"))
	require.True(t, b.fake.Member(gid, acc.ExternalID))
	acc, err = b.conn.Read(ctx, ann)
	require.NoError(t, err)
	require.Equal(t, []string{"engineering"}, acc.Entitlements, "Everyone (BUILT_IN) is not an entitlement")
	require.NoError(t, b.conn.Revoke(ctx, ann, "engineering"))
	require.False(t, b.fake.Member(gid, acc.ExternalID))
	require.Error(t, b.conn.Grant(ctx, ann, "no-such-group"))

	// Never activated (PROVISIONED) cannot be suspended: deactivated.
	require.NoError(t, b.conn.Disable(ctx, ann))
	u, _ = b.fake.User(acc.ExternalID)
	require.Equal(t, "DEPROVISIONED", u.Status)
	require.NoError(t, b.conn.Disable(ctx, ann), "disabling a disabled user succeeds")
	// Found by login although search leaves DEPROVISIONED users out.
	acc, err = b.conn.Read(ctx, ann)
	require.NoError(t, err)
	require.Equal(t, account.Disabled, acc.State)

	// Rehire: Ensure reactivates.
	acc, err = b.conn.Ensure(ctx, ann)
	require.NoError(t, err)
	require.Equal(t, account.Enabled, acc.State)

	require.NoError(t, b.conn.Delete(ctx, ann))
	_, ok = b.fake.User(acc.ExternalID)
	require.False(t, ok)
	require.NoError(t, b.conn.Delete(ctx, ann), "deleting an absent user succeeds")
	got := calls(b.fake)
	require.Contains(t, got, "POST /api/v1/users/"+acc.ExternalID+"/lifecycle/deactivate?sendEmail=false")
	require.Contains(t, got, "DELETE /api/v1/users/"+acc.ExternalID+"?sendEmail=false")
}

// Someone else holds the login: Okta's 400 E0000001 and its errorCauses
// reach the message, and the body the detail; nothing is adopted.
func TestLoginTakenByAnotherPerson(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := annProfile()
	other["employeeNumber"] = "E2002"
	otherID := b.fake.Seed("ACTIVE", other, 1, 0, 0)
	_, err := b.conn.Ensure(t.Context(), ann)
	class, _ := connector.Classify(err)
	require.Equal(t, connector.Permanent, class)
	require.ErrorContains(t, err, "E0000001 Api validation failed: login (login: An object with this field already exists in the current organization)")
	var ce *connector.Error
	require.ErrorAs(t, err, &ce)
	require.Contains(t, ce.Detail, `"errorCauses"`)
	u, _ := b.fake.User(otherID)
	require.Equal(t, "E2002", u.Profile["employeeNumber"], "the other person's user is untouched")
	require.NoError(t, b.conn.RevokeSessions(t.Context(), ann), "nothing of ann's to revoke")
	s, _, _ := b.fake.Live(otherID)
	require.Equal(t, 1, s, "the other person keeps their session")
}

func TestDisableModes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode okta.DisableMode
		want string
	}{{"", "SUSPENDED"}, {okta.DisableSuspend, "SUSPENDED"}, {okta.DisableDeactivate, "DEPROVISIONED"}} {
		t.Run(string(tc.mode), func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *okta.Config) { c.DisableMode = tc.mode })
			id := b.fake.Seed("ACTIVE", annProfile(), 1, 1, 0)
			require.NoError(t, b.conn.Disable(t.Context(), ann))
			u, _ := b.fake.User(id)
			require.Equal(t, tc.want, u.Status)
			acc, err := b.conn.Read(t.Context(), ann)
			require.NoError(t, err)
			require.Equal(t, account.Disabled, acc.State)
			// Return from leave: unsuspend or activate.
			acc, err = b.conn.Ensure(t.Context(), ann)
			require.NoError(t, err)
			require.Equal(t, account.Enabled, acc.State)
		})
	}
}

func TestErrorsAreClassified(t *testing.T) {
	t.Parallel()
	now := time.Unix(1767225600, 0)
	for _, tc := range []struct {
		name   string
		prep   func(b *bundle)
		token  string
		call   func(b *bundle) error
		class  connector.Class
		wait   time.Duration
		detail string
	}{
		{name: "rate limited until X-Rate-Limit-Reset", prep: func(b *bundle) { b.fake.RateLimit(1, now.Add(42*time.Second)) },
			class: connector.RateLimited, wait: 42 * time.Second, detail: "E0000047"},
		{name: "server error", prep: func(b *bundle) { b.fake.Fail(500) }, class: connector.Retryable, detail: "E0000009"},
		{name: "bad gateway", prep: func(b *bundle) { b.fake.Fail(502) }, class: connector.Retryable},
		{name: "wrong token", token: "00LEAKCHECK-wrong", class: connector.Permanent, detail: "E0000011"},
		{name: "read-only token cannot revoke", token: readToken, class: connector.Permanent, detail: "E0000006"},
		{name: "user gone mid-call", prep: func(b *bundle) {
			b.fake.Seed("ACTIVE", annProfile(), 1, 0, 0)
			b.fake.FailPath("/sessions", http.StatusNotFound)
		}, class: connector.Permanent, detail: "E0000007"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *okta.Config) {
				c.Now = func() time.Time { return now }
				if tc.token != "" {
					c.Token = tc.token
				}
			})
			if tc.token == readToken {
				b.fake.Seed("ACTIVE", annProfile(), 1, 0, 0)
			}
			if tc.prep != nil {
				tc.prep(b)
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
			}
		})
	}
}

// TestTokenEchoRedacted: a server that echoes the Authorization header in
// its error body does not get the token into the error or its detail.
func TestTokenEchoRedacted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"errorCode":"E0000001","errorSummary":"bad header ` + r.Header.Get("Authorization") + `"}`))
	}))
	t.Cleanup(srv.Close)
	c, err := okta.New(okta.Config{URL: srv.URL, Token: testToken, Egress: loopback})
	require.NoError(t, err)
	err = c.RevokeSessions(t.Context(), ann)
	var ce *connector.Error
	require.ErrorAs(t, err, &ce)
	require.Contains(t, err.Error(), "E0000001 bad header SSWS [redacted]")
	require.NotContains(t, err.Error()+ce.Detail, testToken)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  okta.Config
		want []string
	}{
		{"ok", okta.Config{URL: "https://acme.okta.com", Token: testToken}, nil},
		{"everything wrong", okta.Config{URL: "https://acme.okta.com/api/v1", Token: "a b", DisableMode: "lock", Timeout: -1},
			[]string{"without a path", "token contains spaces", `disable_mode "lock"`, "timeout -1ns is negative"}},
		{"empty", okta.Config{}, []string{"url is empty", "token is empty"}},
		{"plain http", okta.Config{URL: "http://acme.okta.com", Token: testToken}, []string{"plain http"}},
		{"metadata", okta.Config{URL: "https://169.254.169.254", Token: testToken}, []string{"link-local"}},
		{"loopback", okta.Config{URL: "https://127.0.0.1", Token: testToken}, []string{"loopback"}},
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
			_, err = okta.New(tc.cfg)
			class, _ := connector.Classify(err)
			require.Equal(t, connector.Permanent, class)
			require.NotContains(t, err.Error(), testToken)
		})
	}
}

// BenchmarkRevokeSessions is one leaver's Okta revocation on loopback:
// find by login, clear sessions and tokens, revoke grants (3 requests).
func BenchmarkRevokeSessions(b *testing.B) {
	fake := oktatest.New(b, testToken, "")
	fake.Seed("ACTIVE", annProfile(), 1, 1, 1)
	c, err := okta.New(okta.Config{URL: fake.URL, Token: testToken, Egress: loopback, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	for b.Loop() {
		if err := c.RevokeSessions(b.Context(), ann); err != nil {
			b.Fatal(err)
		}
	}
}
