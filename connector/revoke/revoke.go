// Package revoke calls OAuth 2.0 token revocation endpoints (RFC 7009) for
// apps that expose one.
//
// # What it can revoke, honestly
//
// RFC 7009 revokes one token, named by its value: "token" is the access or
// refresh token itself. Tenure holds none of a person's tokens (the app
// issued them to the person's browser or device), so RFC 7009 alone cannot
// revoke "everything of this user". This package therefore offers two
// things:
//
//   - Client.Revoke is an exact RFC 7009 call for a token a caller does
//     hold: POST application/x-www-form-urlencoded with token and
//     token_type_hint, client authentication per RFC 6749 §2.3.1 (HTTP
//     Basic by default, or client_secret_post), 200 = revoked or already
//     invalid (§2.2), RFC 6749 §5.2 error bodies (§2.2.1), 503 with
//     Retry-After a rate limit.
//   - Revoker is the connector.SessionRevoker for the common admin
//     endpoint that revokes by user: the same request shape, the same
//     client authentication and the same answers, but the form names the
//     user (parameter Param, default "sub", carrying the person's email,
//     employee id, app id or user name) instead of a token. Servers differ
//     in the parameter's name, hence Param; a server that needs anything
//     else (a path per user, a JSON body) is better served by the webhook
//     package or its own connector.
//
// Either way the endpoint URL is checked by the egress policy, redirects
// are not followed, and the client secret never reaches a log or an
// error.
package revoke

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/internal/rest"
	"github.com/tenure-dev/tenure/egress"
)

// Client authentication methods (RFC 6749 §2.3.1; names from RFC 7591's
// token_endpoint_auth_method registry).
const (
	AuthBasic = "client_secret_basic"
	AuthPost  = "client_secret_post"
)

// Which person identifier Revoker sends.
const (
	SubjectEmail      = "email"
	SubjectPersonID   = "person_id"
	SubjectExternalID = "external_id"
	SubjectUserName   = "user_name"
)

// DefaultParam is the form parameter naming the user for Revoker.
const DefaultParam = "sub"

// DefaultTimeout bounds one request.
const DefaultTimeout = 15 * time.Second

// Config configures NewClient and New.
type Config struct {
	// URL is the revocation endpoint: https unless Egress allows http.
	URL string
	// ClientID and ClientSecret authenticate Tenure as a client; the
	// secret is resolved by the caller from client_secret_env or
	// client_secret_file.
	ClientID, ClientSecret string
	// AuthMethod is AuthBasic (the default: RFC 6749 says servers MUST
	// support it) or AuthPost.
	AuthMethod string
	// Param is the form parameter that names the user (Revoker only);
	// empty means DefaultParam.
	Param string
	// Subject is which identifier goes in Param (Revoker only): one of
	// SubjectEmail (the default), SubjectPersonID, SubjectExternalID,
	// SubjectUserName.
	Subject string
	// TokenTypeHint, when set, is sent as token_type_hint (Revoker only;
	// RFC 7009 registers access_token and refresh_token).
	TokenTypeHint string
	// Timeout bounds each request; zero means DefaultTimeout.
	Timeout time.Duration
	// Egress says which destinations are allowed.
	Egress egress.Policy
	// HTTPClient, when set, replaces the egress-checked client (tests).
	HTTPClient *http.Client
	// Logger receives a debug line per request; nil means slog.Default().
	Logger *slog.Logger
}

var paramPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Validate reports every problem with cfg at once.
func (cfg Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if cfg.URL == "" {
		bad("url is empty: the revocation endpoint")
	} else if _, err := cfg.Egress.Check(cfg.URL); err != nil {
		bad("url: %w", err)
	}
	if cfg.ClientID == "" {
		bad("client_id is empty")
	}
	if err := rest.CheckSecret("client secret", cfg.ClientSecret); err != nil {
		bad("%v (set client_secret_env or client_secret_file)", err)
	}
	switch cfg.AuthMethod {
	case "", AuthBasic, AuthPost:
	default:
		bad("auth_method %q: want %s or %s", cfg.AuthMethod, AuthBasic, AuthPost)
	}
	if cfg.Param != "" && !paramPattern.MatchString(cfg.Param) {
		bad("param %q is not a form parameter name", cfg.Param)
	}
	switch cfg.Param {
	case "client_id", "client_secret", "token_type_hint":
		bad("param %q is taken by the protocol", cfg.Param)
	}
	switch cfg.Subject {
	case "", SubjectEmail, SubjectPersonID, SubjectExternalID, SubjectUserName:
	default:
		bad("subject %q: want email, person_id, external_id or user_name", cfg.Subject)
	}
	if cfg.TokenTypeHint != "" && !paramPattern.MatchString(cfg.TokenTypeHint) {
		bad("token_type_hint %q is not a token type name", cfg.TokenTypeHint)
	}
	if cfg.Timeout < 0 {
		bad("timeout %s is negative", cfg.Timeout)
	}
	return errors.Join(errs...)
}

// Client calls one RFC 7009 endpoint. It is safe for concurrent use.
type Client struct {
	url, id, secret, method string
	rc                      *rest.Client
}

// NewClient validates cfg and returns the client.
func NewClient(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, connector.NewPermanent(fmt.Errorf("revoke: %w", err), "")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = cfg.Egress.Client(cmp.Or(cfg.Timeout, DefaultTimeout))
	}
	return &Client{url: cfg.URL, id: cfg.ClientID, secret: cfg.ClientSecret, method: cmp.Or(cfg.AuthMethod, AuthBasic),
		rc: &rest.Client{HC: hc, Name: "revoke", Log: cmp.Or(cfg.Logger, slog.Default()), Secrets: []string{cfg.ClientSecret}}}, nil
}

// Revoke revokes one token (RFC 7009 §2.1). hint is "access_token",
// "refresh_token" or empty. An unknown or already revoked token is
// success (§2.2).
func (c *Client) Revoke(ctx context.Context, token, hint string) error {
	if token == "" {
		return connector.NewPermanent(errors.New("revoke: no token"), "")
	}
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	rc := *c.rc
	rc.Secrets = append(rc.Secrets[:1:1], token) // never echo the token either
	return c.post(ctx, &rc, "POST revocation endpoint (token)", form)
}

// post sends form with client authentication and judges the answer.
func (c *Client) post(ctx context.Context, rc *rest.Client, op string, form url.Values) error {
	h := http.Header{}
	switch c.method {
	case AuthPost:
		form.Set("client_id", c.id)
		form.Set("client_secret", c.secret)
	default:
		// RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined.
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString(
			[]byte(url.QueryEscape(c.id)+":"+url.QueryEscape(c.secret))))
	}
	resp, err := rc.Do(ctx, rest.Request{Method: http.MethodPost, URL: c.url, Op: op, Header: h,
		Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded"})
	if err != nil {
		return err
	}
	if resp.OK() {
		return nil
	}
	return rc.StatusError(op, resp, rest.DecodeOAuthError(resp.Body).Summary(), 0, false)
}

// Revoker revokes every token and session of a person at an admin
// endpoint that takes a user identifier (see the package comment).
type Revoker struct {
	c       *Client
	param   string
	subject string
	hint    string
}

var _ connector.SessionRevoker = (*Revoker)(nil)

// New validates cfg and returns the revoker.
func New(cfg Config) (*Revoker, error) {
	c, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	return &Revoker{c: c, param: cmp.Or(cfg.Param, DefaultParam), subject: cmp.Or(cfg.Subject, SubjectEmail), hint: cfg.TokenTypeHint}, nil
}

// RevokeSessions implements connector.SessionRevoker.
func (r *Revoker) RevokeSessions(ctx context.Context, s connector.Subject) error {
	v := map[string]string{SubjectEmail: s.Email, SubjectPersonID: s.PersonID, SubjectExternalID: s.ExternalID,
		SubjectUserName: s.UserName}[r.subject]
	if v == "" {
		return connector.NewPermanent(fmt.Errorf("revoke: person %s has no %s to name them by", s.PersonID, r.subject), "")
	}
	form := url.Values{r.param: {v}}
	if r.hint != "" {
		form.Set("token_type_hint", r.hint)
	}
	return r.c.post(ctx, r.c.rc, "POST revocation endpoint ("+r.param+")", form)
}
