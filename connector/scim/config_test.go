package scimconn

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/scim"
)

func TestConfigCheck(t *testing.T) {
	t.Parallel()
	ok := func(c Config) Config {
		if c.Token == "" {
			c.Token = testToken
		}
		return c
	}
	tests := []struct {
		name string
		cfg  Config
		base string // the base URL kept, when valid
		errs []string
	}{
		{name: "https", cfg: ok(Config{BaseURL: "https://app.example/scim/v2/"}), base: "https://app.example/scim/v2"},
		{name: "http with a port", cfg: ok(Config{BaseURL: "http://app.example:8080/scim"}), base: "http://app.example:8080/scim"},
		{name: "loopback allowed", cfg: ok(Config{BaseURL: "http://127.0.0.1:9/scim", AllowLoopback: true}), base: "http://127.0.0.1:9/scim"},
		{name: "empty", cfg: ok(Config{}), errs: []string{"url is empty"}},
		{name: "relative", cfg: ok(Config{BaseURL: "/scim/v2"}), errs: []string{"scheme must be http or https"}},
		{name: "ftp", cfg: ok(Config{BaseURL: "ftp://app.example/scim"}), errs: []string{"scheme must be http or https"}},
		{name: "no host", cfg: ok(Config{BaseURL: "https:///scim"}), errs: []string{"has no host"}},
		{name: "credentials", cfg: ok(Config{BaseURL: "https://admin:hunter2@app.example/scim"}),
			errs: []string{"credentials belong in the token"}},
		{name: "query", cfg: ok(Config{BaseURL: "https://app.example/scim?tenant=1"}), errs: []string{"no query or fragment"}},
		{name: "localhost", cfg: ok(Config{BaseURL: "http://localhost:8080/scim"}), errs: []string{"loopback"}},
		{name: "127.0.0.2", cfg: ok(Config{BaseURL: "http://127.0.0.2/scim"}), errs: []string{"loopback"}},
		{name: "::1", cfg: ok(Config{BaseURL: "http://[::1]:80/scim"}), errs: []string{"loopback"}},
		{name: "mapped loopback", cfg: ok(Config{BaseURL: "http://[::ffff:127.0.0.1]/scim"}), errs: []string{"loopback"}},
		{name: "unspecified", cfg: ok(Config{BaseURL: "http://0.0.0.0/scim"}), errs: []string{"loopback"}},
		{name: "no token", cfg: Config{BaseURL: "https://app.example/scim"}, errs: []string{"token is empty"}},
		{name: "token with a newline", cfg: Config{BaseURL: "https://app.example/scim", Token: "abc\r\nX-Evil: 1"},
			errs: []string{"control characters"}},
		{name: "every problem at once",
			cfg:  Config{BaseURL: "gopher://x", Timeout: -1, MaxConcurrent: -1, PageSize: -1, RatePerSecond: -2, EmployeeIDAttr: "a b"},
			errs: []string{"scheme", "token is empty", "timeout", "max_concurrent", "page_size", "rate_per_second", "employee_id_attr"}},
		{name: "employee id attr managed by the connector", cfg: ok(Config{BaseURL: "https://app.example", EmployeeIDAttr: "userName"}),
			errs: []string{"employee_id_attr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, _, err := tt.cfg.check()
			if len(tt.errs) == 0 {
				require.NoError(t, err)
				require.Equal(t, tt.base, base)
				return
			}
			for _, e := range tt.errs {
				require.ErrorContains(t, err, e)
			}
			require.NotContains(t, err.Error(), "hunter2")
			require.NotContains(t, err.Error(), testToken)
		})
	}
}

func TestNewConfigErrorsArePermanent(t *testing.T) {
	t.Parallel()
	_, err := New(t.Context(), Config{BaseURL: "http://127.0.0.1:1/scim", Token: testToken})
	requireClass(t, err, connector.Permanent)
	require.ErrorContains(t, err, "loopback")
}

func TestParseEmployeeIDAttr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want scim.AttrPath
		bad  bool
	}{
		{in: "", want: scim.AttrPath{Name: "externalId"}},
		{in: "employeeNumber", want: scim.AttrPath{Name: "employeeNumber"}},
		{in: scim.EnterpriseUserURN + ":employeeNumber", want: scim.AttrPath{URN: scim.EnterpriseUserURN, Name: "employeeNumber"}},
		{in: scim.EnterpriseUserURN + ":", bad: true},
		{in: "name.givenName", bad: true},
		{in: "1abc", bad: true},
		{in: "id", bad: true},
	}
	for _, tt := range tests {
		got, err := parseEmployeeIDAttr(tt.in)
		if tt.bad {
			require.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got)
	}
}
