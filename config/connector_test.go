package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The scim connector's auth, limits and mapping keys.
func TestSCIMConnectorOptions(t *testing.T) {
	t.Parallel()
	const head = `tenants:
  - id: acme
    apps:
      - id: github
        owner: it@acme.example
        connector:
          type: scim
          url: https://api.example/scim/v2
`
	tests := []struct {
		name  string
		yaml  string
		wants []want
	}{
		{"oauth2 complete", `          auth:
            type: oauth2
            token_url: https://login.example/oauth2/token
            client_id: tenure
            client_secret_file: /run/secrets/github
            scopes: [scim.read, scim.write]
          concurrency: 8
          rate_limit: 2.5
          mapping:
            title: person.title
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": person.employeeId
`, nil},
		{"basic complete", `          auth: {type: basic, username: tenure, password_env: GITHUB_PASSWORD}
`, nil},
		{"oauth2 over http", `          auth: {type: oauth2, token_url: "http://login.example/t", client_id: c, client_secret_env: S}
`, []want{{"tenants[0].apps[0].connector.auth.token_url", 9, 43, "only over https"}}},
		{"bearer in an auth block", `          auth: {type: bearer}
          token_env: GITHUB_SCIM_TOKEN
`, nil},
		{"oauth2 incomplete", `          auth:
            type: oauth2
            token_url: ftp://login.example/token
            client_secret_env: "s3cr3t value"
            username: bob
`, []want{
			{"tenants[0].apps[0].connector.auth.client_id", 10, 13, "required for auth type oauth2"},
			{"tenants[0].apps[0].connector.auth.token_url", 11, 24, "not an absolute https:// URL"},
			{"tenants[0].apps[0].connector.auth.client_secret_env", 12, 32, "never the client secret itself"},
			{"tenants[0].apps[0].connector.auth.username", 13, 23, "not used by auth type oauth2"},
		}},
		{"oauth2 with token_env too", `          token_env: T
          auth: {type: oauth2, token_url: "https://l.example/t", client_id: c, client_secret_env: S, client_secret_file: /s, scopes: ["a b"]}
`, []want{
			{"tenants[0].apps[0].connector.token_env", 9, 22, "not used with auth type oauth2"},
			{"tenants[0].apps[0].connector.auth.client_secret_file", 10, 122, "not both"},
			{"tenants[0].apps[0].connector.auth.scopes[0]", 10, 135, "not a scope"},
		}},
		{"basic without password", `          auth: {type: basic, username: "a:b"}
`, []want{
			{"tenants[0].apps[0].connector.auth.password_env", 9, 17, "required for auth type basic"},
			{"tenants[0].apps[0].connector.auth.username", 9, 41, "colon"},
		}},
		{"unknown auth type", `          auth: {type: saml}
`, []want{{"tenants[0].apps[0].connector.auth.type", 9, 24, `unknown auth type "saml" (known: bearer, oauth2, basic)`}}},
		{"limits and mapping", `          token_env: T
          concurrency: -1
          rate_limit: -3
          mapping:
            active: person.email
            title: "{person.jobTitle}"
`, []want{
			{"tenants[0].apps[0].connector.concurrency", 10, 24, "must not be negative"},
			{"tenants[0].apps[0].connector.rate_limit", 11, 23, "positive number"},
			{"tenants[0].apps[0].connector.mapping.active", 13, 21, "managed by the connector"},
			{"tenants[0].apps[0].connector.mapping.title", 14, 20, "unknown field person.jobTitle"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(head+tc.yaml), "tenure.yaml")
			if tc.wants == nil {
				require.NoError(t, err)
				return
			}
			requireProblems(t, err, tc.wants...)
		})
	}

	_, err := Parse([]byte(`tenants:
  - id: acme
    apps:
      - id: payroll
        owner: it@acme.example
        connector: {type: manual, concurrency: 2, mapping: {title: person.title}}
`), "tenure.yaml")
	requireProblems(t, err,
		want{"tenants[0].apps[0].connector.concurrency", 6, 48, "only used by a scim connector"},
		want{"tenants[0].apps[0].connector.mapping", 6, 60, "only used by a scim connector"})
}
