package google

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/connector/internal/rest"
	"github.com/tenure-dev/tenure/egress"
)

// Defaults and scopes.
const (
	// DefaultURL is the Admin SDK's root; /admin/directory/v1/... is
	// appended.
	DefaultURL = "https://admin.googleapis.com"
	// DefaultCustomer is the alias of the customer the admin belongs to.
	DefaultCustomer = "my_customer"
	// DefaultTimeout bounds one request.
	DefaultTimeout = 30 * time.Second
	// ScopeUser manages users; ScopeUserSecurity signs them out and
	// revokes their tokens. Both must be granted to the service account's
	// client id under domain-wide delegation.
	ScopeUser         = "https://www.googleapis.com/auth/admin.directory.user"
	ScopeUserSecurity = "https://www.googleapis.com/auth/admin.directory.user.security"
)

// Config configures New. Give either a service account (CredentialsJSON
// and Subject: the connector signs its own RFC 7523 assertions and keeps
// the access token until shortly before it expires) or Token (an access
// token obtained elsewhere, for short-lived setups; it is not refreshed,
// so an expired one makes every call a permanent failure).
type Config struct {
	// CredentialsJSON is the service account key file's content (type
	// service_account, client_email, private_key, private_key_id,
	// token_uri), already read by the caller from credentials_file.
	CredentialsJSON []byte
	// Subject is the super administrator the service account acts as
	// (domain-wide delegation's "sub"): the Directory API only obeys
	// admins.
	Subject string
	// Token is a pre-obtained OAuth 2.0 access token with ScopeUser and
	// ScopeUserSecurity, resolved by the caller from token_env or
	// token_file. Not with CredentialsJSON.
	Token string
	// Customer is the customer whose users are searched; empty means
	// DefaultCustomer.
	Customer string
	// URL is the Admin SDK's root, for tests; empty means DefaultURL.
	URL string
	// Timeout bounds each request; zero means DefaultTimeout.
	Timeout time.Duration
	// Egress says which destinations are allowed (the API and the key
	// file's token_uri); the zero value is https to public addresses only.
	Egress egress.Policy
	// HTTPClient, when set, replaces the egress-checked client (tests).
	HTTPClient *http.Client
	// Logger receives a debug line per request; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock for assertions and the token cache; nil means
	// time.Now.
	Now func() time.Time
}

// serviceAccount is the key file's content the connector uses.
type serviceAccount struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	TokenURI     string `json:"token_uri"`

	key *rsa.PrivateKey
}

// parseCredentials reads a service account key file. Its errors never
// quote the file.
func parseCredentials(data []byte, pol egress.Policy) (*serviceAccount, error) {
	var sa serviceAccount
	if err := json.Unmarshal(data, &sa); err != nil {
		return nil, errors.New("credentials: not a JSON service account key file")
	}
	var errs []error
	if sa.Type != "service_account" {
		errs = append(errs, fmt.Errorf("credentials: type %q, want service_account", rest.Truncate(sa.Type, 40)))
	}
	if _, err := mail.ParseAddress(sa.ClientEmail); err != nil {
		errs = append(errs, errors.New("credentials: client_email is missing or not an address"))
	}
	if sa.TokenURI == "" {
		errs = append(errs, errors.New("credentials: token_uri is missing"))
	} else if _, err := pol.Check(sa.TokenURI); err != nil {
		errs = append(errs, fmt.Errorf("credentials: token_uri: %w", err))
	}
	block, _ := pem.Decode([]byte(sa.PrivateKey))
	if block == nil {
		errs = append(errs, errors.New("credentials: private_key is not PEM"))
	} else if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		errs = append(errs, errors.New("credentials: private_key is not a PKCS #8 key"))
	} else if rk, ok := k.(*rsa.PrivateKey); !ok || rk.N.BitLen() < 2048 {
		errs = append(errs, errors.New("credentials: private_key is not an RSA key of at least 2048 bits"))
	} else {
		sa.key = rk
	}
	return &sa, errors.Join(errs...)
}

// Validate reports every problem with cfg at once.
func (cfg Config) Validate() error {
	_, err := cfg.check()
	return err
}

func (cfg Config) check() (*serviceAccount, error) {
	var errs []error
	var sa *serviceAccount
	switch {
	case len(cfg.CredentialsJSON) > 0 && cfg.Token != "":
		errs = append(errs, errors.New("give a service account (credentials_file) or a token, not both"))
	case len(cfg.CredentialsJSON) > 0:
		var err error
		if sa, err = parseCredentials(cfg.CredentialsJSON, cfg.Egress); err != nil {
			errs = append(errs, err)
		}
		if a, err := mail.ParseAddress(cfg.Subject); err != nil || a.Address != cfg.Subject {
			errs = append(errs, fmt.Errorf("subject %q: the admin's email address that the service account acts as", rest.Truncate(cfg.Subject, 80)))
		}
	case cfg.Token != "":
		if err := rest.CheckSecret("token", cfg.Token); err != nil {
			errs = append(errs, err)
		}
		if cfg.Subject != "" {
			errs = append(errs, errors.New("subject is only used with a service account"))
		}
	default:
		errs = append(errs, errors.New("no credentials: set credentials_file (service account) or token_env/token_file"))
	}
	if cfg.URL != "" {
		if u, err := cfg.Egress.Check(cfg.URL); err != nil {
			errs = append(errs, fmt.Errorf("url: %w", err))
		} else if u.Path != "" && u.Path != "/" {
			errs = append(errs, fmt.Errorf("url %q: give the API root without a path", u.Redacted()))
		}
	}
	if strings.ContainsAny(cfg.Customer, "/?#") {
		errs = append(errs, fmt.Errorf("customer %q is not a customer id", cfg.Customer))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s is negative", cfg.Timeout))
	}
	return sa, errors.Join(errs...)
}
