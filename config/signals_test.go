package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSignalsConfig(t *testing.T) {
	t.Parallel()
	f, err := Parse(Example(), "example.yaml")
	require.NoError(t, err)
	acme, _ := f.Tenant("acme")
	require.Equal(t, "RS256", acme.Signals.KeyAlgorithm)
	require.Equal(t, 14*24*time.Hour, acme.Signals.KeyRetention.Duration)
	slack, _ := acme.App("slack")
	require.Equal(t, "https://slack.acme.example/oidc/backchannel-logout", slack.BackchannelLogoutURI)
	require.Equal(t, "slack-acme", slack.BackchannelClientID)
	require.False(t, acme.Signals.Egress().AllowLoopback, "https to public addresses by default")
}

func TestSignalsValidation(t *testing.T) {
	t.Parallel()
	const uri = "backchannel_logout_uri: https://slack.acme.example/oidc/backchannel-logout"
	const client = "backchannel_client_id: slack-acme"
	for _, tc := range []struct {
		name, from, to, path, msg string
	}{
		{"algorithm", "key_algorithm: RS256", "key_algorithm: HS256", "tenants[0].signals.key_algorithm", `unknown algorithm "HS256"`},
		{"retention", "key_retention: 14d", "key_retention: 0", "tenants[0].signals.key_retention", "more than 0"},
		{"deadline", "deadline: 15m  ", "deadline: -1m  ", "tenants[0].signals.deadline", "more than 0"},
		{"default subjects", "default_subjects: none", "default_subjects: some", "tenants[0].signals.default_subjects", `unknown value "some"`},
		{"no client id", client, "", "tenants[0].apps[2].backchannel_client_id", "required with backchannel_logout_uri"},
		{"no uri", uri, "", "tenants[0].apps[2].backchannel_logout_uri", "required with backchannel_client_id"},
		{"plain http", uri, "backchannel_logout_uri: http://slack.acme.example/logout", "tenants[0].apps[2].backchannel_logout_uri", "plain http"},
		{"metadata", uri, "backchannel_logout_uri: https://169.254.169.254/latest", "tenants[0].apps[2].backchannel_logout_uri", "not allowed"},
		{"loopback", uri, "backchannel_logout_uri: https://127.0.0.1/logout", "tenants[0].apps[2].backchannel_logout_uri", "not allowed"},
		{"subject", client, client + "\n        backchannel_subject: phone", "tenants[0].apps[2].backchannel_subject", `unknown value "phone"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := string(Example())
			require.Contains(t, src, tc.from)
			_, err := Parse([]byte(strings.Replace(src, tc.from, tc.to, 1)), "bad.yaml")
			probs := Problems(err)
			require.Len(t, probs, 1, "%v", err)
			require.Equal(t, tc.path, probs[0].Path)
			require.Contains(t, probs[0].Msg, tc.msg)
			require.NotZero(t, probs[0].Line, "the problem has its position")
		})
	}
	// The operator may allow loopback (tests, one machine).
	src := strings.Replace(string(Example()), "default_subjects: none", "default_subjects: none\n      allow_loopback: true", 1)
	src = strings.Replace(src, "https://slack.acme.example/oidc/backchannel-logout", "https://127.0.0.1:8443/logout", 1)
	_, err := Parse([]byte(src), "ok.yaml")
	require.NoError(t, err)
}
