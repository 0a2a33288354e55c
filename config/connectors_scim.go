package config

// Authentication types of ConnectorAuth.Type.
const (
	// AuthBearer sends the token of Connector.TokenEnv/TokenFile.
	AuthBearer = "bearer"
	// AuthOAuth2 gets tokens with the OAuth 2.0 client credentials grant
	// (RFC 6749 §4.4) from TokenURL.
	AuthOAuth2 = "oauth2"
	// AuthBasic sends HTTP basic credentials (RFC 7617).
	AuthBasic = "basic"
)

// AuthTypes are the accepted values of ConnectorAuth.Type.
var AuthTypes = []string{AuthBearer, AuthOAuth2, AuthBasic}

// ConnectorAuth says how a scim connector authenticates when it is not a
// plain bearer token. Secrets are by reference only (*_env, *_file).
type ConnectorAuth struct {
	// Type is one of AuthTypes. Required.
	Type string `yaml:"type"`
	// TokenURL is the OAuth 2.0 token endpoint (https). oauth2 only.
	TokenURL string `yaml:"token_url"`
	// ClientID is the OAuth 2.0 client id (not a secret). oauth2 only.
	ClientID string `yaml:"client_id"`
	// ClientSecretEnv or ClientSecretFile holds the client secret; one of
	// them, oauth2 only.
	ClientSecretEnv  string `yaml:"client_secret_env"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// Scopes are requested with each token; empty asks for the client's
	// default scopes. oauth2 only.
	Scopes []string `yaml:"scopes"`
	// Username is the basic-auth user. basic only.
	Username string `yaml:"username"`
	// PasswordEnv or PasswordFile holds the password; one of them, basic
	// only.
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
}
