// Package rest is the HTTP plumbing the IdP connectors share (Okta,
// Microsoft Graph, Google, RFC 7009, webhooks): one request read whole and
// bounded, transport failures classified, Retry-After read, and secrets
// kept out of every message. Each connector still decodes its own error
// body and decides its own statuses: the APIs differ in exactly that.
package rest

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/egress"
)

const (
	// MaxResponseBytes bounds a response body. A larger one is refused
	// rather than read: no user or error document is that big.
	MaxResponseBytes = 8 << 20
	// MaxDetail bounds the response body kept as an error's Detail.
	MaxDetail = 4 << 10
	// MaxWait caps a server's Retry-After or reset time: a snooze of days
	// is a misconfigured server, and the queue should look again within
	// the hour.
	MaxWait = time.Hour
)

// Client sends requests for one connector.
type Client struct {
	// HC sends the requests: an egress.Policy client in production.
	HC *http.Client
	// Name prefixes error messages ("okta", "msgraph").
	Name string
	// Log receives one debug line per request: method, path, status,
	// duration; never headers, query or body.
	Log *slog.Logger
	// Secrets are removed from every error message and Detail, in case a
	// server echoes one.
	Secrets []string
}

// Request is one call.
type Request struct {
	Method string
	// URL is absolute.
	URL string
	// Op names the call in errors and logs, without a query or any
	// personal data ("GET /api/v1/users").
	Op     string
	Header http.Header
	// Body is sent as is; ContentType names it.
	Body        []byte
	ContentType string
}

// Response is a response read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// OK reports a 2xx status.
func (r *Response) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Do sends req and reads the whole response. Its error is a classified
// transport failure; any HTTP status is a Response for the caller to judge.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	var body io.Reader = http.NoBody
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return nil, connector.NewPermanent(fmt.Errorf("%s %s: %s", c.Name, req.Op, c.Redact(UnwrapURLError(err).Error())), "")
	}
	for k, v := range req.Header {
		hr.Header[k] = v
	}
	if req.ContentType != "" {
		hr.Header.Set("Content-Type", req.ContentType)
	}
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", "application/json")
	}
	hr.Header.Set("User-Agent", "tenure")
	start := time.Now()
	resp, err := c.HC.Do(hr)
	if err != nil {
		return nil, c.transportError(ctx, req.Op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, c.transportError(ctx, req.Op, err)
	}
	if c.Log != nil {
		c.Log.LogAttrs(ctx, slog.LevelDebug, c.Name+" request", slog.String("op", req.Op),
			slog.Int("status", resp.StatusCode), slog.Duration("took", time.Since(start)))
	}
	if len(data) > MaxResponseBytes {
		return nil, connector.NewPermanent(fmt.Errorf("%s %s: response larger than %d bytes", c.Name, req.Op, MaxResponseBytes), "")
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// transportError classifies a failure to get a response: the caller's
// context ending or a timeout is Retryable, a certificate the system does
// not trust and an egress refusal are Permanent (retrying changes nothing),
// anything else (reset, refused) Retryable.
func (c *Client) transportError(ctx context.Context, op string, err error) error {
	err = UnwrapURLError(err)
	msg := fmt.Errorf("%s %s: %w", c.Name, op, redacted{c.Redact(err.Error()), err})
	var certErr *tls.CertificateVerificationError
	switch {
	case ctx.Err() != nil:
		return connector.NewRetryable(fmt.Errorf("%s %s: %w", c.Name, op, context.Cause(ctx)))
	case errors.As(err, &certErr), isForbidden(err):
		return connector.NewPermanent(msg, "")
	}
	return connector.NewRetryable(msg)
}

// isForbidden reports an egress refusal at dial time (the dialer's
// Control error, wrapped in *net.OpError).
func isForbidden(err error) bool { return errors.Is(err, egress.ErrForbidden) }

// StatusError builds the classified error of an unexpected status: 429 is
// RateLimited (wait from Retry-After unless the caller has one), 503 with
// a wait RateLimited, other 5xx and 409 Retryable, the rest Permanent.
// summary is the API's own short message (from its error body), detail
// the body kept for the audit; both are redacted and cut.
func (c *Client) StatusError(op string, r *Response, summary string, wait time.Duration, hasWait bool) error {
	msg := fmt.Sprintf("%s %s: %d %s", c.Name, op, r.Status, http.StatusText(r.Status))
	if summary != "" {
		msg += ": " + Truncate(summary, 300)
	}
	if r.Status >= 300 && r.Status < 400 {
		msg += " (redirects are not followed) to " + Truncate(r.Header.Get("Location"), 300)
	}
	if !hasWait {
		wait, hasWait = RetryAfter(r.Header.Get("Retry-After"), time.Now())
	}
	ce := &connector.Error{Err: errors.New(c.Redact(msg)), Detail: c.Redact(Truncate(string(r.Body), MaxDetail))}
	switch {
	case r.Status == http.StatusTooManyRequests:
		ce.Class, ce.Wait = connector.RateLimited, wait
	case r.Status == http.StatusServiceUnavailable && hasWait:
		ce.Class, ce.Wait = connector.RateLimited, wait
	case r.Status >= 500, r.Status == http.StatusConflict, r.Status == http.StatusRequestTimeout:
		ce.Class = connector.Retryable
	default:
		ce.Class = connector.Permanent
	}
	return ce
}

// RetryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3). The wait is in [0, MaxWait]; ok is false when the
// header is absent or unreadable.
func RetryAfter(v string, now time.Time) (wait time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if err != nil || n > uint64(MaxWait/time.Second) {
			return MaxWait, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), MaxWait), true
}

// Redact removes every secret from s.
func (c *Client) Redact(s string) string { return RedactSecrets(s, c.Secrets) }

// RedactSecrets removes each of secrets from s, as sent and form-encoded,
// in case a server echoed a request back.
func RedactSecrets(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			// Also as a form or query would carry it: an endpoint may echo
			// the request back encoded.
			s = strings.ReplaceAll(s, sec, "[redacted]")
			if enc := url.QueryEscape(sec); enc != sec {
				s = strings.ReplaceAll(s, enc, "[redacted]")
			}
		}
	}
	return s
}

// redacted shows a redacted message and keeps the error reachable.
type redacted struct {
	msg string
	err error
}

func (e redacted) Error() string { return e.msg }
func (e redacted) Unwrap() error { return e.err }

// UnwrapURLError drops *url.Error's wrapping, which repeats the whole URL
// with its query (a filter with an email address).
func UnwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// Truncate cuts s to at most n bytes, an ellipsis included, without
// splitting a UTF-8 sequence.
func Truncate(s string, n int) string {
	const ellipsis = "…"
	if len(s) <= n {
		return s
	}
	cut := max(n-len(ellipsis), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// CheckSecret reports a secret that cannot go in a header: empty, or with
// spaces or control characters (a pasted newline). name says which.
func CheckSecret(name, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%s is empty", name)
	case strings.IndexFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
		return fmt.Errorf("%s contains spaces or control characters", name)
	}
	return nil
}
