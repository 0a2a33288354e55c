package revoke_test

import (
	"bytes"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/revoke"
	"github.com/tenure-dev/tenure/connector/revoke/revoketest"
	"github.com/tenure-dev/tenure/egress"
)

const (
	clientID = "tenure client"
	secret   = "LEAKCHECK:revoke/secret+9f" // ":" "/" "+" test RFC 6749 §2.3.1 encoding
)

var loopback = egress.Policy{AllowHTTP: true, AllowLoopback: true}

func config(url string) revoke.Config {
	return revoke.Config{URL: url, ClientID: clientID, ClientSecret: secret, Egress: loopback}
}

var ann = connector.Subject{PersonID: "E1001", Email: "ann@acme.example", UserName: "ann", ExternalID: "u-1"}

func TestRevokerBySubject(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"", revoke.AuthBasic, revoke.AuthPost} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			fake := revoketest.New(t, clientID, secret)
			fake.Issue("rt-1", "ann@acme.example", "refresh_token")
			fake.Issue("at-1", "ann@acme.example", "access_token")
			fake.Issue("rt-2", "bob@acme.example", "refresh_token")
			cfg := config(fake.AdminURL())
			cfg.AuthMethod = method
			r, err := revoke.New(cfg)
			require.NoError(t, err)
			require.NoError(t, r.RevokeSessions(t.Context(), ann))
			require.Empty(t, fake.Live("ann@acme.example"))
			require.Equal(t, []string{"rt-2"}, fake.Live("bob@acme.example"))
			calls := fake.Calls()
			require.Len(t, calls, 1)
			require.Equal(t, "ann@acme.example", calls[0].Get("sub"))
		})
	}
}

func TestRevokerSubjectChoice(t *testing.T) {
	t.Parallel()
	fake := revoketest.New(t, clientID, secret)
	fake.Issue("rt-1", "E1001", "refresh_token")
	cfg := config(fake.AdminURL())
	cfg.Subject, cfg.TokenTypeHint = revoke.SubjectPersonID, "refresh_token"
	r, err := revoke.New(cfg)
	require.NoError(t, err)
	require.NoError(t, r.RevokeSessions(t.Context(), ann))
	require.Empty(t, fake.Live("E1001"))
	require.Equal(t, "refresh_token", fake.Calls()[0].Get("token_type_hint"))

	// No identifier to send: permanent, nothing sent.
	err = r.RevokeSessions(t.Context(), connector.Subject{Email: "x@acme.example"})
	class, _ := connector.Classify(err)
	require.Equal(t, connector.Permanent, class)
	require.Len(t, fake.Calls(), 1)
}

func TestClientRevokeRFC7009(t *testing.T) {
	t.Parallel()
	fake := revoketest.New(t, clientID, secret)
	fake.Issue("rt-1", "ann", "refresh_token")
	fake.Issue("at-1", "ann", "access_token")
	c, err := revoke.NewClient(config(fake.RevokeURL()))
	require.NoError(t, err)
	require.NoError(t, c.Revoke(t.Context(), "rt-1", "refresh_token"))
	require.NoError(t, c.Revoke(t.Context(), "never-issued", ""), "an unknown token is success (RFC 7009 §2.2)")
	require.Equal(t, []string{"at-1"}, fake.Live("ann"))

	fake.AccessNotRevocable = true
	err = c.Revoke(t.Context(), "at-1", "access_token")
	class, _ := connector.Classify(err)
	require.Equal(t, connector.Permanent, class)
	require.ErrorContains(t, err, "unsupported_token_type")
	require.NotContains(t, err.Error(), "at-1", "the token is never echoed")
}

func TestErrorsAreClassified(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		edit   func(*revoke.Config, *revoketest.Server)
		class  connector.Class
		wait   time.Duration
		detail string
	}{
		{"503 Retry-After", func(_ *revoke.Config, f *revoketest.Server) { f.Busy(30) }, connector.RateLimited, 30 * time.Second, "temporarily_unavailable"},
		{"wrong secret", func(c *revoke.Config, _ *revoketest.Server) { c.ClientSecret = "LEAKCHECK-wrong" }, connector.Permanent, 0, "invalid_client"},
		{"rfc 7009 endpoint needs a token", func(c *revoke.Config, f *revoketest.Server) { c.URL = f.RevokeURL() }, connector.Permanent, 0, "missing token"},
		{"down", func(c *revoke.Config, _ *revoketest.Server) { c.URL = "http://127.0.0.1:1/revoke" }, connector.Retryable, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := revoketest.New(t, clientID, secret)
			var logs bytes.Buffer
			cfg := config(fake.AdminURL())
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			tc.edit(&cfg, fake)
			r, err := revoke.New(cfg)
			require.NoError(t, err)
			err = r.RevokeSessions(t.Context(), ann)
			class, wait := connector.Classify(err)
			require.Equal(t, tc.class, class, err.Error())
			require.Equal(t, tc.wait, wait)
			var ce *connector.Error
			require.ErrorAs(t, err, &ce)
			require.Contains(t, ce.Detail, tc.detail)
			for _, s := range []string{err.Error(), ce.Detail, logs.String()} {
				require.NotContains(t, s, "LEAKCHECK")
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, revoke.Config{URL: "https://idp.example/revoke", ClientID: "c", ClientSecret: "s"}.Validate())
	err := revoke.Config{URL: "http://10.0.0.1/revoke", AuthMethod: "private_key_jwt", Param: "client_secret",
		Subject: "phone", TokenTypeHint: "a b", Timeout: -1}.Validate()
	for _, w := range []string{"plain http", "client_id is empty", "client secret is empty", `auth_method "private_key_jwt"`,
		`param "client_secret" is taken`, `subject "phone"`, "token_type_hint", "timeout"} {
		require.ErrorContains(t, err, w)
	}
	require.ErrorContains(t, revoke.Config{URL: "https://10.0.0.1/r", ClientID: "c", ClientSecret: "s"}.Validate(), "private address")
}
