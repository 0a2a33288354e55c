package google_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/google"
	"github.com/tenure-dev/tenure/connector/google/googletest"
	"github.com/tenure-dev/tenure/egress"
)

const admin = "admin@acme.example"

var loopback = egress.Policy{AllowHTTP: true, AllowLoopback: true}

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
	fake *googletest.Server
	conn *google.Conn
	logs *syncBuffer
}

func setup(t *testing.T, scopes []string, edit ...func(*google.Config)) *bundle {
	t.Helper()
	b := &bundle{fake: googletest.New(t, admin, scopes), logs: &syncBuffer{}}
	cfg := google.Config{CredentialsJSON: b.fake.Credentials(), Subject: admin, URL: b.fake.URL, Egress: loopback,
		Logger: slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := google.New(cfg)
	require.NoError(t, err)
	b.conn = c
	return b
}

var ann = connector.Subject{PersonID: "E1001", Email: "ann@acme.example", UserName: "ann@acme.example",
	GivenName: "Ann", FamilyName: "Lee"}

func annUser() map[string]any {
	return map[string]any{"primaryEmail": "ann@acme.example", "suspended": false,
		"name":        map[string]any{"givenName": "Ann", "familyName": "Lee"},
		"externalIds": []any{map[string]any{"value": "E1001", "type": "organization"}}}
}

func calls(f *googletest.Server) []string {
	var out []string
	for _, c := range f.Calls() {
		out = append(out, c.String())
	}
	return out
}

func TestSignOutAndTokens(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	id := b.fake.Seed(annUser(), 2, "slack.apps.googleusercontent.com", "1234-zoom.apps.googleusercontent.com")
	require.NoError(t, b.conn.RevokeSessions(t.Context(), ann))
	n, clients := b.fake.Live(id)
	require.Zero(t, n)
	require.Empty(t, clients)
	got := calls(b.fake)
	require.Contains(t, got, "POST /admin/directory/v1/users/"+id+"/signOut")
	require.Contains(t, got, "DELETE /admin/directory/v1/users/"+id+"/tokens/slack.apps.googleusercontent.com")
	// Found by external id alone; one token for every call.
	require.NoError(t, b.conn.RevokeSessions(t.Context(), connector.Subject{PersonID: "E1001"}))
	require.Equal(t, 1, b.fake.TokenCalls())
	require.NoError(t, b.conn.RevokeSessions(t.Context(), connector.Subject{PersonID: "E404", Email: "x@acme.example"}))
	require.NotContains(t, b.logs.String(), "PRIVATE KEY")
	require.NotContains(t, b.logs.String(), "ya29.")
}

// A person whose roster email is in another domain is found by external id:
// users.get answers 403 for a domain the customer does not own.
func TestForeignEmailFoundByExternalID(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	id := b.fake.Seed(annUser(), 1)
	s := connector.Subject{PersonID: "E1001", Email: "ann@contractor.example"}
	acc, err := b.conn.Read(t.Context(), s)
	require.NoError(t, err)
	require.Equal(t, id, acc.ExternalID)
	require.NoError(t, b.conn.RevokeSessions(t.Context(), s))
	n, _ := b.fake.Live(id)
	require.Zero(t, n)
}

func TestPreObtainedToken(t *testing.T) {
	t.Parallel()
	fake := googletest.New(t, admin, nil)
	id := fake.Seed(annUser(), 1)
	tok := fake.IssueToken("https://www.googleapis.com/auth/admin.directory.user", "https://www.googleapis.com/auth/admin.directory.user.security")
	c, err := google.New(google.Config{Token: tok, URL: fake.URL, Egress: loopback})
	require.NoError(t, err)
	require.NoError(t, c.RevokeSessions(t.Context(), ann))
	n, _ := fake.Live(id)
	require.Zero(t, n)

	// A token without the security scope is refused by the API, and the
	// refusal names the reason.
	weak := fake.IssueToken("https://www.googleapis.com/auth/admin.directory.user")
	c, err = google.New(google.Config{Token: weak, URL: fake.URL, Egress: loopback})
	require.NoError(t, err)
	err = c.RevokeSessions(t.Context(), ann)
	class, _ := connector.Classify(err)
	require.Equal(t, connector.Permanent, class)
	require.ErrorContains(t, err, "insufficientPermissions")
	require.NotContains(t, err.Error(), weak)
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := t.Context()
	s := ann
	s.Attributes = map[string]string{"department": "Engineering", "title": "Engineer"}
	acc, err := b.conn.Ensure(ctx, s)
	require.NoError(t, err)
	require.Equal(t, account.Enabled, acc.State)
	u, _ := b.fake.User(acc.ExternalID)
	require.NotContains(t, u, "password")

	require.NoError(t, b.conn.Disable(ctx, s))
	u, _ = b.fake.User(acc.ExternalID)
	require.Equal(t, true, u["suspended"])
	acc, err = b.conn.Read(ctx, s)
	require.NoError(t, err)
	require.Equal(t, account.Disabled, acc.State)

	acc, err = b.conn.Ensure(ctx, s)
	require.NoError(t, err)
	require.Equal(t, account.Enabled, acc.State)
	require.NoError(t, b.conn.Delete(ctx, s))
	_, ok := b.fake.User(acc.ExternalID)
	require.False(t, ok)
	require.NoError(t, b.conn.Delete(ctx, s))
}

func TestErrorsAreClassified(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		scopes []string
		edit   func(*google.Config)
		prep   func(*googletest.Server)
		class  connector.Class
		wait   time.Duration
		detail string
	}{
		{name: "403 userRateLimitExceeded", prep: func(f *googletest.Server) { f.Quota(http.StatusForbidden) },
			class: connector.RateLimited, wait: 10 * time.Second, detail: "userRateLimitExceeded"},
		{name: "429", prep: func(f *googletest.Server) { f.Quota(http.StatusTooManyRequests) },
			class: connector.RateLimited, detail: "rateLimitExceeded"},
		{name: "backend error", prep: func(f *googletest.Server) { f.Fail(http.StatusInternalServerError) },
			class: connector.Retryable, detail: "backendError"},
		{name: "security scope not delegated", scopes: []string{"https://www.googleapis.com/auth/admin.directory.user"},
			class: connector.Permanent, detail: "unauthorized_client"},
		{name: "not an admin", edit: func(c *google.Config) { c.Subject = "bob@acme.example" },
			class: connector.Permanent, detail: "Invalid email or User ID"},
		{name: "token of another project: refetched once, then permanent", edit: func(c *google.Config) {
			c.CredentialsJSON = googletest.New(t, admin, nil).Credentials()
		}, class: connector.Permanent, detail: "authError"},
		{name: "forged key", edit: func(c *google.Config) {
			var mine, other map[string]string
			require.NoError(t, json.Unmarshal(c.CredentialsJSON, &mine))
			require.NoError(t, json.Unmarshal(googletest.New(t, admin, nil).Credentials(), &other))
			mine["private_key"] = other["private_key"]
			c.CredentialsJSON, _ = json.Marshal(mine)
		}, class: connector.Permanent, detail: "Invalid JWT Signature."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tc.scopes, func(c *google.Config) {
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
				require.NotContains(t, s, "PRIVATE KEY")
				require.NotContains(t, s, "ya29.")
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	fake := googletest.New(t, admin, nil)
	creds := fake.Credentials()
	for _, tc := range []struct {
		name string
		cfg  google.Config
		want []string
	}{
		{"service account", google.Config{CredentialsJSON: creds, Subject: admin, Egress: loopback}, nil},
		{"token", google.Config{Token: "ya29.abc"}, nil},
		{"nothing", google.Config{}, []string{"no credentials"}},
		{"both", google.Config{CredentialsJSON: creds, Token: "x"}, []string{"not both"}},
		{"no subject, loopback token_uri refused", google.Config{CredentialsJSON: creds}, []string{"subject", "token_uri", "plain http"}},
		{"garbage key file", google.Config{CredentialsJSON: []byte(`{"type":"user","private_key":"nope"}`), Subject: admin},
			[]string{"type \"user\"", "client_email", "token_uri is missing", "not PEM"}},
		{"bad url", google.Config{Token: "ya29.abc", URL: "https://169.254.169.254/x", Timeout: -1}, []string{"link-local", "timeout"}},
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
			require.False(t, strings.Contains(err.Error(), "PRIVATE KEY"))
		})
	}
}

// BenchmarkRevokeSessions is one leaver's Google revocation on loopback,
// the access token cached: find, signOut, list tokens, revoke one.
func BenchmarkRevokeSessions(b *testing.B) {
	fake := googletest.New(b, admin, nil)
	fake.Seed(annUser(), 1)
	c, err := google.New(google.Config{CredentialsJSON: fake.Credentials(), Subject: admin, URL: fake.URL, Egress: loopback,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	for b.Loop() {
		if err := c.RevokeSessions(b.Context(), ann); err != nil {
			b.Fatal(err)
		}
	}
}
