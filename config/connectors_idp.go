package config

import (
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Identity provider connector types: apps whose accounts are IdP users,
// and whose leavers' sessions and tokens the IdP itself can end.
const (
	// ConnectorOkta speaks the Okta Users API to URL (the org URL) with an
	// API token (token_env or token_file).
	ConnectorOkta = "okta"
	// ConnectorMSGraph speaks Microsoft Graph for an Entra ID tenant
	// (tenant_id), as an app registration (client_id and its secret by
	// client_secret_env or client_secret_file).
	ConnectorMSGraph = "msgraph"
	// ConnectorGoogle speaks the Google Workspace Admin SDK Directory API,
	// as a service account (credentials_file, subject) or with an access
	// token obtained elsewhere (token_env or token_file).
	ConnectorGoogle = "google"
)

func init() {
	ConnectorTypes = append(ConnectorTypes, ConnectorOkta, ConnectorMSGraph, ConnectorGoogle)
}

// EndsSessions reports whether Tenure can end a's live sessions itself:
// its connector is an identity provider's, or it has session revokers.
func EndsSessions(a *App) bool { return isIdP(a.Connector.Type) || len(a.Sessions) > 0 }

// isIdP reports whether typ is an identity provider connector type.
func isIdP(typ string) bool {
	return typ == ConnectorOkta || typ == ConnectorMSGraph || typ == ConnectorGoogle
}

// IdPConnector holds the connector keys of the okta, msgraph and google
// types. It is inlined into Connector: the keys sit beside type and url.
type IdPConnector struct {
	// DisableMode (okta) is how a leaver's user is locked: "suspend" (the
	// default: reversible, assignments kept) or "deactivate"
	// (DEPROVISIONED: apps unassigned downstream).
	DisableMode string `yaml:"disable_mode"`
	// TenantID (msgraph) is the Entra ID directory: its GUID or a domain
	// such as contoso.onmicrosoft.com.
	TenantID string `yaml:"tenant_id"`
	// ClientID (msgraph) is the app registration's application id.
	ClientID string `yaml:"client_id"`
	// ClientSecretEnv and ClientSecretFile (msgraph) name where the app's
	// client secret is: an environment variable or a file. One is required.
	ClientSecretEnv  string `yaml:"client_secret_env"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// TokenURL (msgraph) overrides the token endpoint, for national clouds;
	// empty means https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token.
	TokenURL string `yaml:"token_url"`
	// CredentialsFile (google) is the service account's JSON key file,
	// with domain-wide delegation of the admin.directory.user and
	// admin.directory.user.security scopes.
	CredentialsFile string `yaml:"credentials_file"`
	// Subject (google, with credentials_file) is the super administrator
	// the service account acts as.
	Subject string `yaml:"subject"`
	// Customer (google) is the customer id whose users are searched;
	// empty means my_customer (the admin's own).
	Customer string `yaml:"customer"`
}

// Session revoker types for App.Sessions.
const (
	// SessionsWebhook posts an HMAC-signed revoke-sessions event to URL.
	SessionsWebhook = "webhook"
	// SessionsRevoke calls an OAuth 2.0 revocation endpoint that revokes
	// by user (RFC 7009's request shape, see package connector/revoke).
	SessionsRevoke = "revoke"
)

// SessionRevoker is an extra way to end an app's leaver sessions, beside
// its connector: for apps whose accounts live in SCIM or LDAP but whose
// sign-ins something else can end. Secrets are by reference, as for
// connectors.
type SessionRevoker struct {
	// Type is SessionsWebhook or SessionsRevoke. Required.
	Type string `yaml:"type"`
	// URL is the endpoint (https in production). Required.
	URL string `yaml:"url"`
	// SecretEnv and SecretFile (webhook) name where the HMAC key is (at
	// least 32 bytes). One is required.
	SecretEnv  string `yaml:"secret_env"`
	SecretFile string `yaml:"secret_file"`
	// ClientID (revoke) is Tenure's client id at the authorization server.
	ClientID string `yaml:"client_id"`
	// ClientSecretEnv and ClientSecretFile (revoke) name where the client
	// secret is. One is required.
	ClientSecretEnv  string `yaml:"client_secret_env"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// AuthMethod (revoke) is client_secret_basic (the default) or
	// client_secret_post.
	AuthMethod string `yaml:"auth_method"`
	// Param (revoke) is the form parameter that names the user; default sub.
	Param string `yaml:"param"`
	// Subject (revoke) is which identifier names the user: email (the
	// default), person_id, external_id or user_name.
	Subject string `yaml:"subject"`
	// TokenTypeHint (revoke), when set, is sent as token_type_hint.
	TokenTypeHint string `yaml:"token_type_hint"`
	// Timeout bounds one call; 0 means the revoker's default.
	Timeout Duration `yaml:"timeout"`
}

var formParam = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// httpURL checks an optional or required http(s) endpoint.
func (v *validator) httpURL(p, raw string, required bool, what string) {
	if raw == "" {
		if required {
			v.at(p, "required: %s", what)
		}
		return
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		v.at(p, "invalid URL")
	case (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		v.at(p, "%q is not an absolute https:// URL", raw)
	case u.User != nil:
		v.at(p, "credentials do not belong in the URL: give them by reference")
	case u.Fragment != "":
		v.at(p, "a fragment is not allowed")
	}
}

// secretRef checks a pair of by-reference keys: exactly one of env and
// file when required, at most one otherwise, env a variable name.
func (v *validator) secretRef(p, envKey, env, fileKey, file string, required bool, what string) {
	switch {
	case env != "" && file != "":
		v.at(p+"."+fileKey, "give %s or %s, not both", envKey, fileKey)
	case env == "" && file == "" && required:
		v.at(p+"."+envKey, "required: the environment variable holding %s (or set %s)", what, fileKey)
	}
	if env != "" && !envPattern.MatchString(env) {
		v.at(p+"."+envKey, "%q is not an environment variable name: %s names the variable that holds %s, never the secret itself", env, envKey, what)
	}
	if file != "" && strings.TrimSpace(file) == "" {
		v.at(p+"."+fileKey, "blank file name")
	}
}

// idp checks an okta, msgraph or google connector.
func (v *validator) idp(c *Connector, p string) {
	x := &c.IdP
	type key struct{ name, val string }
	unused := func(keys ...key) {
		for _, k := range keys {
			if k.val != "" {
				v.at(p+"."+k.name, "not used by the %s connector", c.Type)
			}
		}
	}
	switch c.Type {
	case ConnectorOkta:
		v.httpURL(p+".url", c.URL, true, "the Okta org URL, such as https://acme.okta.com")
		v.secretRef(p, "token_env", c.TokenEnv, "token_file", c.TokenFile, true, "the Okta API token")
		switch x.DisableMode {
		case "", "suspend", "deactivate":
		default:
			v.at(p+".disable_mode", "unknown value %q (known: suspend, deactivate)", x.DisableMode)
		}
		unused(key{"tenant_id", x.TenantID}, key{"client_id", x.ClientID}, key{"client_secret_env", x.ClientSecretEnv},
			key{"client_secret_file", x.ClientSecretFile}, key{"token_url", x.TokenURL}, key{"credentials_file", x.CredentialsFile},
			key{"subject", x.Subject}, key{"customer", x.Customer})
	case ConnectorMSGraph:
		v.httpURL(p+".url", c.URL, false, "")
		v.httpURL(p+".token_url", x.TokenURL, false, "")
		if x.TenantID == "" {
			v.at(p+".tenant_id", "required: the directory's GUID or a domain such as contoso.onmicrosoft.com")
		}
		if x.ClientID == "" {
			v.at(p+".client_id", "required: the app registration's application (client) id")
		}
		v.secretRef(p, "client_secret_env", x.ClientSecretEnv, "client_secret_file", x.ClientSecretFile, true, "the client secret")
		unused(key{"token_env", c.TokenEnv}, key{"token_file", c.TokenFile}, key{"disable_mode", x.DisableMode},
			key{"credentials_file", x.CredentialsFile}, key{"subject", x.Subject}, key{"customer", x.Customer})
	case ConnectorGoogle:
		v.httpURL(p+".url", c.URL, false, "")
		switch token := c.TokenEnv != "" || c.TokenFile != ""; {
		case x.CredentialsFile != "" && token:
			v.at(p+".credentials_file", "give credentials_file (a service account) or token_env/token_file, not both")
		case x.CredentialsFile != "":
			if a, err := mail.ParseAddress(x.Subject); err != nil || a.Address != x.Subject {
				v.at(p+".subject", "required with credentials_file: the admin's email address the service account acts as")
			}
		case token:
			if x.Subject != "" {
				v.at(p+".subject", "only used with credentials_file")
			}
		default:
			v.at(p+".credentials_file", "required: the service account key file (or token_env/token_file for a pre-obtained token)")
		}
		if strings.ContainsAny(x.Customer, "/?# ") {
			v.at(p+".customer", "%q is not a customer id", x.Customer)
		}
		unused(key{"tenant_id", x.TenantID}, key{"client_id", x.ClientID}, key{"client_secret_env", x.ClientSecretEnv},
			key{"client_secret_file", x.ClientSecretFile}, key{"token_url", x.TokenURL}, key{"disable_mode", x.DisableMode})
	}
}

// idpUnused reports IdP keys under a connector of another type.
func (v *validator) idpUnused(c *Connector, p string) {
	x := c.IdP
	for _, k := range []struct{ name, val string }{{"disable_mode", x.DisableMode}, {"tenant_id", x.TenantID},
		{"client_id", x.ClientID}, {"client_secret_env", x.ClientSecretEnv}, {"client_secret_file", x.ClientSecretFile},
		{"token_url", x.TokenURL}, {"credentials_file", x.CredentialsFile}, {"subject", x.Subject}, {"customer", x.Customer}} {
		if k.val != "" {
			v.at(p+"."+k.name, "only used by the okta, msgraph and google connectors")
		}
	}
}

// sessions checks an app's session revokers.
func (v *validator) sessions(a *App, p string) {
	if len(a.Sessions) > 0 && a.Connector.Type == ConnectorManual {
		v.at(p+".sessions", "a manual app's changes are all tasks for its owner, sign-outs included: give the app a connector, or drop sessions")
	}
	for i := range a.Sessions {
		s := &a.Sessions[i]
		sp := p + ".sessions[" + strconv.Itoa(i) + "]"
		type key struct{ name, val string }
		unused := func(keys ...key) {
			for _, k := range keys {
				if k.val != "" {
					v.at(sp+"."+k.name, "not used by a %s session revoker", s.Type)
				}
			}
		}
		switch s.Type {
		case SessionsWebhook:
			v.httpURL(sp+".url", s.URL, true, "the URL that receives signed revoke-sessions events")
			v.secretRef(sp, "secret_env", s.SecretEnv, "secret_file", s.SecretFile, true, "the HMAC signing secret")
			unused(key{"client_id", s.ClientID}, key{"client_secret_env", s.ClientSecretEnv}, key{"client_secret_file", s.ClientSecretFile},
				key{"auth_method", s.AuthMethod}, key{"param", s.Param}, key{"subject", s.Subject}, key{"token_type_hint", s.TokenTypeHint})
		case SessionsRevoke:
			v.httpURL(sp+".url", s.URL, true, "the revocation endpoint")
			if s.ClientID == "" {
				v.at(sp+".client_id", "required: Tenure's client id at the authorization server")
			}
			v.secretRef(sp, "client_secret_env", s.ClientSecretEnv, "client_secret_file", s.ClientSecretFile, true, "the client secret")
			if s.AuthMethod != "" && s.AuthMethod != "client_secret_basic" && s.AuthMethod != "client_secret_post" {
				v.at(sp+".auth_method", "unknown value %q (known: client_secret_basic, client_secret_post)", s.AuthMethod)
			}
			if s.Param != "" && (!formParam.MatchString(s.Param) || slices.Contains([]string{"client_id", "client_secret", "token_type_hint"}, s.Param)) {
				v.at(sp+".param", "%q cannot name the user: use a form parameter such as sub", s.Param)
			}
			switch s.Subject {
			case "", "email", "person_id", "external_id", "user_name":
			default:
				v.at(sp+".subject", "unknown value %q (known: email, person_id, external_id, user_name)", s.Subject)
			}
			if s.TokenTypeHint != "" && !formParam.MatchString(s.TokenTypeHint) {
				v.at(sp+".token_type_hint", "%q is not a token type such as refresh_token", s.TokenTypeHint)
			}
			unused(key{"secret_env", s.SecretEnv}, key{"secret_file", s.SecretFile})
		case "":
			v.at(sp+".type", "required (one of webhook, revoke)")
		default:
			v.at(sp+".type", "unknown session revoker type %q (known: webhook, revoke)", s.Type)
		}
		if s.Timeout.Duration < 0 {
			v.at(sp+".timeout", "must not be negative, got %s", s.Timeout)
		}
	}
}
