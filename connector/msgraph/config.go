package msgraph

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/connector/internal/rest"
	"github.com/tenure-dev/tenure/egress"
)

// Defaults for Config's zero values.
const (
	// DefaultGraphURL is the global Microsoft Graph service.
	DefaultGraphURL = "https://graph.microsoft.com"
	// DefaultLoginURL is the global Microsoft identity platform; the token
	// endpoint is {login}/{tenant}/oauth2/v2.0/token.
	DefaultLoginURL = "https://login.microsoftonline.com"
	// Scope asks for the application permissions granted to the app
	// registration on Graph (client credentials take only ".default").
	Scope = "https://graph.microsoft.com/.default"
	// DefaultTimeout bounds one request.
	DefaultTimeout = 30 * time.Second
)

// Config configures New. The app registration needs the application
// permissions User.ReadWrite.All (users) and User.RevokeSessions.All
// (revokeSignInSessions), with admin consent.
type Config struct {
	// TenantID is the directory: its GUID or a verified domain
	// ("contoso.onmicrosoft.com").
	TenantID string
	// ClientID is the app registration's application (client) id.
	ClientID string
	// ClientSecret is the app's client secret, already resolved by the
	// caller from client_secret_env or client_secret_file; sent only to the
	// token endpoint, never logged or put into errors.
	ClientSecret string
	// GraphURL is Graph's root, for national clouds
	// (https://graph.microsoft.us) and tests; empty means DefaultGraphURL.
	// /v1.0/... is appended.
	GraphURL string
	// TokenURL is the token endpoint; empty means
	// DefaultLoginURL/{TenantID}/oauth2/v2.0/token.
	TokenURL string
	// Timeout bounds each request; zero means DefaultTimeout.
	Timeout time.Duration
	// Egress says which destinations are allowed (both URLs); the zero
	// value is https to public addresses only.
	Egress egress.Policy
	// HTTPClient, when set, replaces the egress-checked client (tests).
	HTTPClient *http.Client
	// Logger receives a debug line per request; nil means slog.Default().
	Logger *slog.Logger
	// Now is the token cache's clock; nil means time.Now.
	Now func() time.Time
}

var tenantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$`)

// Validate reports every problem with cfg at once.
func (cfg Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !tenantPattern.MatchString(cfg.TenantID) {
		bad("tenant_id %q: want the directory's GUID or a domain such as contoso.onmicrosoft.com", rest.Truncate(cfg.TenantID, 80))
	}
	if strings.TrimSpace(cfg.ClientID) == "" {
		bad("client_id is empty: the app registration's application (client) id")
	}
	if err := rest.CheckSecret("client secret", cfg.ClientSecret); err != nil {
		bad("%v (set client_secret_env or client_secret_file)", err)
	}
	for _, u := range []struct{ key, val string }{{"url", cfg.GraphURL}, {"token_url", cfg.TokenURL}} {
		if u.val == "" {
			continue
		}
		pu, err := cfg.Egress.Check(u.val)
		switch {
		case err != nil:
			bad("%s: %w", u.key, err)
		case u.key == "url" && pu.Path != "" && pu.Path != "/":
			bad("url %q: give Graph's root without /v1.0", pu.Redacted())
		case pu.RawQuery != "":
			bad("%s %q: no query", u.key, pu.Redacted())
		}
	}
	if cfg.Timeout < 0 {
		bad("timeout %s is negative", cfg.Timeout)
	}
	return errors.Join(errs...)
}

func (cfg Config) graph() string {
	if cfg.GraphURL == "" {
		return DefaultGraphURL
	}
	return strings.TrimRight(cfg.GraphURL, "/")
}

func (cfg Config) tokenURL() string {
	if cfg.TokenURL != "" {
		return cfg.TokenURL
	}
	return DefaultLoginURL + "/" + url.PathEscape(cfg.TenantID) + "/oauth2/v2.0/token"
}
