package scimconn

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/internal/rest"
)

// Auth puts an app's credentials on each request. The three SCIM apps use
// in practice are here: Bearer (a static token), Basic (RFC 7617) and
// OAuth2 (the client credentials grant of RFC 6749 §4.4). Secrets are
// given already resolved (from an env var or a file, by the caller); they
// are only ever written into request headers or the token request's
// Authorization header, and removed from every error and log line.
type Auth interface {
	// header returns the Authorization header value for a request.
	header(ctx context.Context, c *Conn) (string, error)
	// rejected is told the server answered 401 to value; it reports
	// whether fetching a new credential could help (OAuth2 drops its
	// cached token), in which case the request is sent once more.
	rejected(value string) bool
	// secrets are the strings to redact from errors.
	secrets() []string
	// check validates the configuration.
	check(allowLoopback bool) []error
}

// Bearer is a static bearer token (RFC 6750).
type Bearer string

func (b Bearer) header(context.Context, *Conn) (string, error) { return "Bearer " + string(b), nil }
func (Bearer) rejected(string) bool                            { return false }
func (b Bearer) secrets() []string                             { return []string{string(b)} }
func (b Bearer) check(bool) []error {
	switch {
	case b == "":
		return []error{errors.New("token is empty (set token_env or token_file)")}
	case !headerSafe(string(b)):
		return []error{errors.New("token contains spaces or control characters")}
	}
	return nil
}

// Basic is HTTP basic authentication (RFC 7617) with a username and a
// password.
type Basic struct {
	Username string
	Password string
}

func (b Basic) value() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(b.Username+":"+b.Password))
}
func (b Basic) header(context.Context, *Conn) (string, error) { return b.value(), nil }
func (Basic) rejected(string) bool                            { return false }
func (b Basic) secrets() []string                             { return []string{b.Password, b.value()} }
func (b Basic) check(bool) []error {
	var errs []error
	switch {
	case b.Username == "":
		errs = append(errs, errors.New("basic auth: username is empty"))
	case strings.Contains(b.Username, ":") || !printable(b.Username):
		errs = append(errs, errors.New("basic auth: username must not hold a colon or control characters (RFC 7617)"))
	}
	switch {
	case b.Password == "":
		errs = append(errs, errors.New("basic auth: password is empty (set password_env or password_file)"))
	case !printable(b.Password):
		errs = append(errs, errors.New("basic auth: password contains control characters"))
	}
	return errs
}

// OAuth2 gets access tokens with the OAuth 2.0 client credentials grant
// (RFC 6749 §4.4) and sends them as bearer tokens. A token is cached until
// shortly before it expires (expires_in), fetched once for all concurrent
// requests, and dropped when the app answers 401, after which the request
// is sent once more with a fresh token. The client authenticates to the
// token endpoint with HTTP basic (RFC 6749 §2.3.1), which every
// authorization server must accept.
type OAuth2 struct {
	// TokenURL is the authorization server's token endpoint: https, or
	// http on loopback only when loopback is allowed (tests, the sandbox).
	TokenURL string
	// ClientID and ClientSecret are the client's credentials.
	ClientID     string
	ClientSecret string
	// Scopes are requested with the token; empty asks for the client's
	// default scopes.
	Scopes []string

	// mu is held while a token is fetched, so concurrent requests wait
	// for one fetch.
	mu      sync.Mutex
	token   string
	expires time.Time
	// past holds every access token received, for redaction; under smu,
	// not mu, because errors are redacted while mu is held.
	smu  sync.Mutex
	past []string
}

// tokenSkew is how long before its expiry a cached token is renewed, so
// that a request does not set out with a token that expires in flight.
const tokenSkew = 30 * time.Second

// maxTokenBytes bounds a token endpoint's response.
const maxTokenBytes = 64 << 10

func (o *OAuth2) header(ctx context.Context, c *Conn) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.token != "" && (o.expires.IsZero() || c.now().Before(o.expires)) {
		return "Bearer " + o.token, nil
	}
	tok, expires, err := o.fetch(ctx, c)
	if err != nil {
		return "", err
	}
	o.token, o.expires = tok, expires
	o.smu.Lock()
	o.past = append(o.past, tok)
	o.smu.Unlock()
	return "Bearer " + tok, nil
}

func (o *OAuth2) rejected(value string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.token == "" || value != "Bearer "+o.token {
		return o.token != "" // another request already renewed it
	}
	o.token = ""
	return true
}

func (o *OAuth2) secrets() []string {
	o.smu.Lock()
	defer o.smu.Unlock()
	return append([]string{o.ClientSecret}, o.past...)
}

func (o *OAuth2) check(allowLoopback bool) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("oauth2: "+format, args...)) }
	u, err := url.Parse(o.TokenURL)
	switch {
	case o.TokenURL == "":
		bad("token_url is empty")
	case err != nil:
		bad("token_url does not parse")
	case u.User != nil:
		bad("token_url %q: credentials belong in client_id and the client secret, not the URL", u.Redacted())
	case u.Hostname() == "":
		bad("token_url %q has no host", u.Redacted())
	case u.Fragment != "":
		bad("token_url %q: a token endpoint has no fragment (RFC 6749 §3.2)", u.Redacted())
	case isLoopback(u.Hostname()) && !allowLoopback:
		bad("token_url %q points at a loopback address", u.Redacted())
	case u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())):
		bad("token_url %q: the client secret is sent only over https (RFC 6749 §3.2)", u.Redacted())
	}
	if o.ClientID == "" {
		bad("client_id is empty")
	} else if !printable(o.ClientID) {
		bad("client_id contains control characters")
	}
	if o.ClientSecret == "" {
		bad("client secret is empty (set client_secret_env or client_secret_file)")
	} else if !printable(o.ClientSecret) {
		bad("client secret contains control characters")
	}
	for _, s := range o.Scopes {
		if !scopeToken(s) {
			bad("scope %q is not a scope-token (RFC 6749 §3.3: printable ASCII without spaces, quotes or backslashes)", s)
		}
	}
	return errs
}

// fetch asks the token endpoint for a token (RFC 6749 §4.4.2) and reads
// the answer (§5.1, §5.2). A refusal of the client's credentials is
// Permanent; an unreachable or failing endpoint Retryable; 429 RateLimited.
func (o *OAuth2) fetch(ctx context.Context, c *Conn) (string, time.Time, error) {
	const op = "oauth2 token request"
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(o.Scopes) > 0 {
		form.Set("scope", strings.Join(o.Scopes, " "))
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, o.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, connector.NewPermanent(fmt.Errorf("%s: %w", op, rest.UnwrapURLError(err)), "")
	}
	// §2.3.1: client id and secret, each form-encoded, as basic credentials.
	req.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "tenure-scim-connector")
	sent := c.now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", time.Time{}, c.transportError(ctx, op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBytes+1))
	if err != nil {
		return "", time.Time{}, c.transportError(ctx, op, err)
	}
	if len(data) > maxTokenBytes {
		return "", time.Time{}, connector.NewPermanent(fmt.Errorf("%s: response larger than %d bytes", op, maxTokenBytes), "")
	}
	var body struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
		Error       string          `json:"error"`
		Description string          `json:"error_description"`
	}
	jsonErr := json.Unmarshal(data, &body)
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Sprintf("%s: %d %s", op, resp.StatusCode, http.StatusText(resp.StatusCode))
		if body.Error != "" {
			msg += ": " + rest.Truncate(body.Error, 100)
			if body.Description != "" {
				msg += ": " + rest.Truncate(body.Description, 300)
			}
		}
		ce := &connector.Error{Err: errors.New(c.redact(msg)), Detail: c.redact(rest.Truncate(string(data), rest.MaxDetail))}
		wait, hasWait := rest.RetryAfter(resp.Header.Get("Retry-After"), c.now())
		switch {
		case resp.StatusCode == http.StatusTooManyRequests,
			resp.StatusCode == http.StatusServiceUnavailable && hasWait:
			ce.Class, ce.Wait = connector.RateLimited, wait
		case resp.StatusCode >= 500:
			ce.Class = connector.Retryable
		default: // invalid_client, invalid_scope, unauthorized_client, …
			ce.Class = connector.Permanent
		}
		return "", time.Time{}, ce
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" || jsonErr != nil {
		return "", time.Time{}, connector.NewPermanent(fmt.Errorf("%s: the answer is not a JSON token response (RFC 6749 §5.1)", op), "")
	}
	switch {
	case body.AccessToken == "":
		return "", time.Time{}, connector.NewPermanent(fmt.Errorf("%s: no access_token in the answer", op), "")
	case !strings.EqualFold(body.TokenType, "bearer"):
		return "", time.Time{}, connector.NewPermanent(fmt.Errorf("%s: token_type %q, want Bearer", op, rest.Truncate(body.TokenType, 40)), "")
	case !headerSafe(body.AccessToken):
		return "", time.Time{}, connector.NewPermanent(fmt.Errorf("%s: the access token contains spaces or control characters", op), "")
	}
	var expires time.Time
	if n, ok := expiresIn(body.ExpiresIn); ok {
		// Renew tokenSkew early, or halfway through a very short life.
		life := time.Duration(n) * time.Second
		expires = sent.Add(life - min(tokenSkew, life/2))
	}
	return body.AccessToken, expires, nil
}

// expiresIn reads expires_in: a number of seconds (some servers send it
// as a string). ok is false when it is absent or not a positive number;
// such a token is kept until the app rejects it.
func expiresIn(raw json.RawMessage) (int64, bool) {
	s := strings.Trim(string(raw), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return min(n, int64(365*24*3600)), true
}

// headerSafe reports whether s can be sent as a token: no spaces or
// control characters.
func headerSafe(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) < 0
}

// printable reports whether s holds no control characters.
func printable(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) < 0
}

// scopeToken reports whether s is a scope-token of RFC 6749 §3.3:
// 1*( %x21 / %x23-5B / %x5D-7E ).
func scopeToken(s string) bool {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x21 || ch == 0x22 || ch == 0x5c || ch > 0x7e {
			return false
		}
	}
	return s != ""
}
