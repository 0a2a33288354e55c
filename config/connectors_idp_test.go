package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const idpHead = `tenants:
  - id: acme
    apps:
`

func TestIdPConnectorsValid(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte(idpHead+`      - id: okta
        owner: it@acme.example
        connector: {type: okta, url: "https://acme.okta.com", token_env: OKTA_API_TOKEN, disable_mode: deactivate}
      - id: entra
        owner: it@acme.example
        connector: {type: msgraph, tenant_id: contoso.onmicrosoft.com, client_id: 1111-2222, client_secret_file: /run/secrets/graph}
      - id: workspace
        owner: it@acme.example
        connector: {type: google, credentials_file: /run/secrets/sa.json, subject: admin@acme.example}
      - id: workspace-token
        owner: it@acme.example
        connector: {type: google, token_env: GOOGLE_TOKEN}
      - id: github
        owner: it@acme.example
        connector: {type: scim, url: "https://api.github.com/scim/v2", token_env: GH}
        sessions:
          - {type: webhook, url: "https://hooks.acme.example/github", secret_env: GH_HOOK_SECRET, timeout: 10s}
          - {type: revoke, url: "https://sso.acme.example/admin/revoke", client_id: tenure, client_secret_env: SSO_SECRET,
             auth_method: client_secret_post, param: user, subject: person_id, token_type_hint: refresh_token}
`), "tenure.yaml")
	require.NoError(t, err)
	ten, _ := f.Tenant("acme")
	gh, _ := ten.App("github")
	require.Len(t, gh.Sessions, 2)
	require.Equal(t, "GH_HOOK_SECRET", gh.Sessions[0].SecretEnv)
	entra, _ := ten.App("entra")
	require.Equal(t, "contoso.onmicrosoft.com", entra.Connector.IdP.TenantID)
}

func TestIdPConnectorsProblems(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		yaml string
		want []want
	}{
		{"okta needs url and token", `      - id: okta
        owner: it@acme.example
        connector: {type: okta, disable_mode: lock, tenant_id: x}
`, []want{
			{"tenants[0].apps[0].connector.url", 6, 20, "required: the Okta org URL"},
			{"tenants[0].apps[0].connector.token_env", 6, 20, "required: the environment variable holding the Okta API token"},
			{"tenants[0].apps[0].connector.disable_mode", 6, 47, `unknown value "lock" (known: suspend, deactivate)`},
			{"tenants[0].apps[0].connector.tenant_id", 6, 64, "not used by the okta connector"},
		}},
		{"msgraph needs tenant, client and secret", `      - id: entra
        owner: it@acme.example
        connector: {type: msgraph, url: "ftp://graph", client_secret_env: "s3cr3t value", token_env: X}
`, []want{
			{"tenants[0].apps[0].connector.tenant_id", 6, 20, "required: the directory's GUID"},
			{"tenants[0].apps[0].connector.client_id", 6, 20, "required: the app registration's"},
			{"tenants[0].apps[0].connector.url", 6, 41, "not an absolute https:// URL"},
			{"tenants[0].apps[0].connector.client_secret_env", 6, 75, "is not an environment variable name"},
			{"tenants[0].apps[0].connector.token_env", 6, 102, "not used by the msgraph connector"},
		}},
		{"google: service account needs a subject; not both", `      - id: ws
        owner: it@acme.example
        connector: {type: google, credentials_file: sa.json}
      - id: ws2
        owner: it@acme.example
        connector: {type: google, credentials_file: sa.json, subject: a@b.example, token_env: T}
      - id: ws3
        owner: it@acme.example
        connector: {type: google}
`, []want{
			{"tenants[0].apps[0].connector.subject", 6, 20, "required with credentials_file"},
			{"tenants[0].apps[1].connector.credentials_file", 9, 53, "not both"},
			{"tenants[0].apps[2].connector.credentials_file", 12, 20, "required: the service account key file"},
		}},
		{"idp keys on scim", `      - id: gh
        owner: it@acme.example
        connector: {type: scim, url: "https://x.example/scim", token_env: T, subject: a@b.example}
`, []want{{"tenants[0].apps[0].connector.subject", 6, 87, "only used by the okta, msgraph and google connectors"}}},
		{"sessions", `      - id: gh
        owner: it@acme.example
        connector: {type: scim, url: "https://x.example/scim", token_env: T}
        sessions:
          - {type: webhook, url: "https://user:pw@hooks.example/x", client_id: c}
          - {type: revoke, url: "https://sso.example/revoke", param: client_secret, subject: phone, secret_env: S}
          - {type: slack}
          - {url: "https://x.example", timeout: -1s}
      - id: payroll
        owner: it@acme.example
        connector: {type: manual}
        sessions: [{type: webhook, url: "https://hooks.example/p", secret_env: S}]
`, []want{
			{"tenants[0].apps[0].sessions[0].secret_env", 8, 13, "required: the environment variable holding the HMAC signing secret"},
			{"tenants[0].apps[0].sessions[0].url", 8, 34, "credentials do not belong in the URL"},
			{"tenants[0].apps[0].sessions[0].client_id", 8, 80, "not used by a webhook session revoker"},
			{"tenants[0].apps[0].sessions[1].client_id", 9, 13, "required: Tenure's client id"},
			{"tenants[0].apps[0].sessions[1].client_secret_env", 9, 13, "required: the environment variable holding the client secret"},
			{"tenants[0].apps[0].sessions[1].param", 9, 70, `"client_secret" cannot name the user`},
			{"tenants[0].apps[0].sessions[1].subject", 9, 94, `unknown value "phone"`},
			{"tenants[0].apps[0].sessions[1].secret_env", 9, 113, "not used by a revoke session revoker"},
			{"tenants[0].apps[0].sessions[2].type", 10, 20, `unknown session revoker type "slack"`},
			{"tenants[0].apps[0].sessions[3].type", 11, 13, "required (one of webhook, revoke)"},
			{"tenants[0].apps[0].sessions[3].timeout", 11, 49, "must not be negative"},
			{"tenants[0].apps[1].sessions", 15, 19, "a manual app's changes are all tasks"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(idpHead+tt.yaml), "tenure.yaml")
			requireProblems(t, err, tt.want...)
		})
	}
}
