package okta

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/tenure-dev/tenure/connector/internal/rest"
	"github.com/tenure-dev/tenure/egress"
)

// DisableMode is how Disable locks an Okta user.
type DisableMode string

const (
	// DisableSuspend suspends the user (POST .../lifecycle/suspend): no
	// sign-in, group and app assignments kept, undone by unsuspend. The
	// default: Tenure's disable is reversible, deletion is a separate step.
	// Okta suspends only ACTIVE users; any other enabled state (a user who
	// never activated, one in password recovery) is deactivated instead.
	DisableSuspend DisableMode = "suspend"
	// DisableDeactivate deactivates the user (POST .../lifecycle/deactivate):
	// DEPROVISIONED, which also unassigns their apps and deprovisions them
	// downstream. Reactivation is possible but assignments are gone.
	DisableDeactivate DisableMode = "deactivate"
)

// DefaultTimeout bounds one request.
const DefaultTimeout = 30 * time.Second

// Config configures New.
type Config struct {
	// URL is the Okta org URL, "https://acme.okta.com", without a path;
	// /api/v1/... is appended.
	URL string
	// Token is an Okta API token, already resolved by the caller from
	// token_env or token_file; sent as "Authorization: SSWS {token}" and
	// never logged or put into errors.
	Token string
	// DisableMode is how Disable locks a user; empty means DisableSuspend.
	DisableMode DisableMode
	// Timeout bounds each request; zero means DefaultTimeout.
	Timeout time.Duration
	// Egress says which destinations are allowed; the zero value is https
	// to public addresses only.
	Egress egress.Policy
	// HTTPClient, when set, replaces the egress-checked client (tests).
	HTTPClient *http.Client
	// Logger receives a debug line per request; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock for X-Rate-Limit-Reset; nil means time.Now.
	Now func() time.Time
}

// Validate reports every problem with cfg at once.
func (cfg Config) Validate() error {
	var errs []error
	if cfg.URL == "" {
		errs = append(errs, errors.New("url is empty: the Okta org URL, such as https://acme.okta.com"))
	} else if u, err := cfg.Egress.Check(cfg.URL); err != nil {
		errs = append(errs, fmt.Errorf("url: %w", err))
	} else if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		errs = append(errs, fmt.Errorf("url %q: give the org URL without a path or query", u.Redacted()))
	}
	if err := rest.CheckSecret("token", cfg.Token); err != nil {
		errs = append(errs, fmt.Errorf("%w (set token_env or token_file to an Okta API token)", err))
	}
	switch cfg.DisableMode {
	case "", DisableSuspend, DisableDeactivate:
	default:
		errs = append(errs, fmt.Errorf("disable_mode %q: want suspend or deactivate", cfg.DisableMode))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s is negative", cfg.Timeout))
	}
	return errors.Join(errs...)
}

// base returns the org URL without a trailing slash; only after Validate.
func (cfg Config) base() string {
	u, _ := url.Parse(cfg.URL)
	u.Path = ""
	return u.String()
}
