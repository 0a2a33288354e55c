package scimconn

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/internal/rest"
	"github.com/tenure-dev/tenure/scim"
)

const (
	contentType = "application/scim+json"
	// maxResponseBytes bounds a response body: a page of users, or a group
	// with its members. A larger one is refused rather than read.
	maxResponseBytes = 32 << 20
)

// request is one call to the server.
type request struct {
	method string
	// path is relative to the base URL, with its segments escaped.
	path  string
	query url.Values
	// body is marshalled as JSON when not nil.
	body any
	// ifMatch is sent as If-Match when not empty.
	ifMatch string
	// minimal asks for 204 instead of the resource (Prefer: return=minimal).
	minimal bool
}

// op names the request in errors: method and path, never the query, which
// can hold a filter with a person's email address.
func (r request) op() string { return "scim " + r.method + " " + r.path }

// response is a response read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) ok() bool { return r.status >= 200 && r.status < 300 }

// do sends req, within the rate limit, the concurrency limit and the
// timeout, and reads the whole response. The error is a classified
// transport failure; any HTTP status is a response, for the caller to
// judge (usually with statusError).
func (c *Conn) do(ctx context.Context, req request) (*response, error) {
	op := req.op()
	var payload []byte
	if req.body != nil {
		b, err := json.Marshal(req.body)
		if err != nil {
			return nil, connector.NewPermanent(fmt.Errorf("%s: encode body: %w", op, err), "")
		}
		payload = b
	}
	if err := c.limit.wait(ctx); err != nil {
		return nil, connector.NewRetryable(fmt.Errorf("%s: waiting for the rate limit: %w", op, err))
	}
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		return nil, connector.NewRetryable(fmt.Errorf("%s: waiting for a connection slot: %w", op, ctx.Err()))
	}

	resp, data, err := c.roundTrip(ctx, req, payload)
	if err != nil {
		return nil, err
	}
	if len(data) > maxResponseBytes {
		return nil, connector.NewPermanent(fmt.Errorf("%s: response larger than %d bytes", op, maxResponseBytes), "")
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// roundTrip sends req with the app's credentials and reads the response.
// A 401 to a credential the Auth can renew (an OAuth2 token the app no
// longer accepts) is sent once more with a fresh one.
func (c *Conn) roundTrip(ctx context.Context, req request, payload []byte) (*http.Response, []byte, error) {
	target := c.base + req.path
	if len(req.query) > 0 {
		target += "?" + req.query.Encode()
	}
	for try := 0; ; try++ {
		authz, err := c.auth.header(ctx, c)
		if err != nil {
			return nil, nil, err
		}
		resp, data, err := c.send1(ctx, req, target, payload, authz)
		if err != nil {
			return nil, nil, err
		}
		if resp.StatusCode == http.StatusUnauthorized && try == 0 && c.auth.rejected(authz) {
			c.log.LogAttrs(ctx, slog.LevelInfo, "scim: credential rejected; renewing it once", slog.String("url", c.base+req.path))
			continue
		}
		return resp, data, nil
	}
}

// send1 sends one HTTP request within the per-request timeout and reads
// the whole body.
func (c *Conn) send1(ctx context.Context, req request, target string, payload []byte, authz string) (*http.Response, []byte, error) {
	op := req.op()
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader = http.NoBody
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	hr, err := http.NewRequestWithContext(rctx, req.method, target, body)
	if err != nil {
		return nil, nil, connector.NewPermanent(fmt.Errorf("%s: %w", op, rest.UnwrapURLError(err)), "")
	}
	hr.Header.Set("Authorization", authz)
	hr.Header.Set("Accept", contentType+", application/json")
	hr.Header.Set("User-Agent", "tenure-scim-connector")
	if payload != nil {
		hr.Header.Set("Content-Type", contentType)
	}
	if req.ifMatch != "" {
		hr.Header.Set("If-Match", req.ifMatch)
	}
	if req.minimal {
		hr.Header.Set("Prefer", "return=minimal")
	}
	start := time.Now()
	resp, err := c.hc.Do(hr)
	if err != nil {
		return nil, nil, c.transportError(ctx, op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, nil, c.transportError(ctx, op, err)
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "scim request", slog.String("method", req.method),
		slog.String("url", c.base+req.path), slog.Int("status", resp.StatusCode),
		slog.Duration("took", time.Since(start)))
	return resp, data, nil
}

// send is do for callers that accept only 2xx and the statuses in also:
// any other status is its classified error.
func (c *Conn) send(ctx context.Context, req request, also ...int) (*response, error) {
	resp, err := c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	if !resp.ok() && !slices.Contains(also, resp.status) {
		return resp, c.statusError(req.op(), resp)
	}
	return resp, nil
}

// transportError classifies a failure to get a response. ctx is the
// caller's context: its end is reported as such, while the end of the
// per-request timeout is a timeout.
func (c *Conn) transportError(ctx context.Context, op string, err error) error {
	err = rest.UnwrapURLError(err)
	var certErr *tls.CertificateVerificationError
	switch {
	case ctx.Err() != nil:
		return connector.NewRetryable(fmt.Errorf("%s: %w", op, context.Cause(ctx)))
	case errors.Is(err, context.DeadlineExceeded):
		return connector.NewRetryable(fmt.Errorf("%s: no response within %s: %w", op, c.timeout, err))
	case errors.As(err, &certErr):
		return &connector.Error{Class: connector.Permanent, Err: fmt.Errorf("%s: %w", op, redactedError{c.redact(err.Error()), err})}
	}
	return connector.NewRetryable(fmt.Errorf("%s: %w", op, redactedError{c.redact(err.Error()), err}))
}

// statusError classifies a response the caller did not expect: 429 and
// 503 with Retry-After are RateLimited, other 5xx and 409 Retryable, the
// rest Permanent. The body, redacted and cut to rest.MaxDetail, is the Detail;
// the SCIM error's own detail, if the body is one, is in the message.
func (c *Conn) statusError(op string, r *response) error {
	se := &statusErr{status: r.status}
	msg := fmt.Sprintf("%s: %d %s", op, r.status, http.StatusText(r.status))
	if e := scimError(r); e != nil && (e.Detail != "" || e.Type != "") {
		se.scimType = e.Type
		msg += ": " + strings.TrimPrefix(string(e.Type)+": ", ": ") + rest.Truncate(e.Detail, 300)
	}
	if r.status >= 300 && r.status < 400 {
		msg += " to " + rest.Truncate(r.header.Get("Location"), 300)
	}
	se.msg = c.redact(msg)
	ce := &connector.Error{Err: se, Detail: c.redact(rest.Truncate(string(r.body), rest.MaxDetail))}
	wait, hasWait := rest.RetryAfter(r.header.Get("Retry-After"), c.now())
	switch {
	case r.status == http.StatusTooManyRequests:
		ce.Class, ce.Wait = connector.RateLimited, wait
	case r.status == http.StatusServiceUnavailable && hasWait:
		ce.Class, ce.Wait = connector.RateLimited, wait
	case r.status >= 500, r.status == http.StatusConflict:
		ce.Class = connector.Retryable
	default:
		ce.Class = connector.Permanent
	}
	return ce
}

// statusErr is the cause of an error for an unexpected status, for
// callers that treat some statuses specially.
type statusErr struct {
	status   int
	scimType scim.ErrorType
	msg      string
}

func (e *statusErr) Error() string { return e.msg }

// scimError decodes an error body, or returns nil if it is not one.
func scimError(r *response) *scim.Error {
	var e scim.Error
	if len(r.body) == 0 || json.Unmarshal(r.body, &e) != nil {
		return nil
	}
	return &e
}

// redact removes the credentials from s, in case a server echoed them.
func (c *Conn) redact(s string) string { return rest.RedactSecrets(s, c.auth.secrets()) }

// redactedError shows a redacted message for an error and keeps the error
// reachable for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }
