package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tenure-dev/tenure/connector"
)

// TokenCache holds an OAuth 2.0 access token until shortly before it
// expires, so that a burst of leavers costs one token request, not one per
// call. It is safe for concurrent use; concurrent callers share one fetch.
type TokenCache struct {
	// Fetch obtains a new token and its lifetime.
	Fetch func(ctx context.Context) (token string, lifetime time.Duration, err error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu  sync.Mutex
	tok string
	exp time.Time
}

// refreshBefore is how long before its expiry a token is replaced: a token
// that expires in flight fails the call for nothing.
const refreshBefore = time.Minute

// Token returns the cached token, fetching a new one when there is none or
// it expires within a minute.
func (t *TokenCache) Token(ctx context.Context) (string, error) {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != "" && now().Before(t.exp.Add(-refreshBefore)) {
		return t.tok, nil
	}
	tok, life, err := t.Fetch(ctx)
	if err != nil {
		return "", err
	}
	t.tok, t.exp = tok, now().Add(life)
	return tok, nil
}

// Invalidate drops tok if it is still the cached one: the API rejected it
// (revoked, or the clock is off), so the next call fetches another.
func (t *TokenCache) Invalidate(tok string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok == tok {
		t.tok = ""
	}
}

// TokenResponse is a successful access token response (RFC 6749 §5.1).
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// OAuthError is an OAuth 2.0 error response body (RFC 6749 §5.2), which
// token and revocation endpoints (RFC 7009 §2.2.1) send.
type OAuthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// Summary is the error's code and description, for a message.
func (e OAuthError) Summary() string {
	return strings.TrimSuffix(e.Error+": "+e.Description, ": ")
}

// DecodeOAuthError reads an RFC 6749 §5.2 error body, or the zero value.
func DecodeOAuthError(body []byte) OAuthError {
	var e OAuthError
	_ = json.Unmarshal(body, &e)
	return e
}

// RequestToken posts form to a token endpoint and reads the access token.
// A 400 or 401 from a token endpoint (invalid_client, invalid_grant,
// unauthorized_client …) is Permanent: the credentials or the grant are
// wrong, and retrying will not fix them. header carries client
// authentication when it is not in the form.
func (c *Client) RequestToken(ctx context.Context, tokenURL string, form url.Values, header http.Header) (string, time.Duration, error) {
	const op = "POST token endpoint"
	resp, err := c.Do(ctx, Request{Method: http.MethodPost, URL: tokenURL, Op: op, Header: header,
		Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded"})
	if err != nil {
		return "", 0, err
	}
	if !resp.OK() {
		return "", 0, c.StatusError(op, resp, DecodeOAuthError(resp.Body).Summary(), 0, false)
	}
	var tr TokenResponse
	if err := json.Unmarshal(resp.Body, &tr); err != nil || tr.AccessToken == "" {
		return "", 0, connector.NewRetryable(fmt.Errorf("%s %s: response has no access_token", c.Name, op))
	}
	if !strings.EqualFold(tr.TokenType, "bearer") {
		return "", 0, connector.NewPermanent(fmt.Errorf("%s %s: token_type %q, want Bearer", c.Name, op, Truncate(tr.TokenType, 40)), "")
	}
	life := time.Duration(tr.ExpiresIn) * time.Second
	if tr.ExpiresIn <= 0 {
		life = 5 * time.Minute // no expires_in (RFC 6749 §5.1: RECOMMENDED): do not keep it long
	}
	return tr.AccessToken, life, nil
}

// ErrUnauthorized marks a 401 from an API, after which a cached token is
// dropped and the call tried once more with a fresh one.
var ErrUnauthorized = errors.New("unauthorized")
