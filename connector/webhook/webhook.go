// Package webhook ends a person's sessions in an app that has no session
// API of its own but will act on a signed HTTP callback: Tenure POSTs a
// small JSON event and the app (or a script beside it) signs the person
// out. It implements connector.SessionRevoker, to be put beside an app's
// main connector with connector.WithSessions.
//
// # The request
//
//	POST {url}
//	Content-Type: application/json
//	Tenure-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//	Tenure-Event-Id: 3f0c9e5a8b1d4e7f9a2c6b0d1e3f5a7c
//
//	{"id":"3f0c…","action":"revoke-sessions","person":"E1001","email":"ann@acme.example",
//	 "user_name":"ann@acme.example","external_id":"00u1…","occurred_at":"2026-01-01T00:00:00Z"}
//
// v1 is the lowercase hex HMAC-SHA256, keyed with the shared secret, of the
// timestamp t (Unix seconds, decimal), a ".", and the exact body bytes. A
// receiver recomputes it, compares in constant time, and rejects a t more
// than a few minutes from its own clock (replay); Verify does all three.
// Signing the timestamp with the body is what makes the replay check
// possible: an old request cannot be re-sent with a fresh t.
//
// # The answer
//
// Any 2xx is success: the receiver has ended the sessions, or there were
// none (the call is repeated on a retry and must be idempotent; the id is
// new on every attempt, so deduplicate on person and action, not on id).
// 429 and 503 with Retry-After are rate limits, other 5xx, 408 and 409 are
// retried with backoff, every other status (401 wrong signature, 404 wrong
// URL …) is permanent and becomes a task for the app's owner, with the
// body kept as the detail. Redirects are not followed.
package webhook

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/internal/rest"
	"github.com/tenure-dev/tenure/egress"
)

// Header names.
const (
	SignatureHeader = "Tenure-Signature"
	EventIDHeader   = "Tenure-Event-Id"
)

// ActionRevokeSessions is the event's action: end every live session and
// refresh token of the person.
const ActionRevokeSessions = "revoke-sessions"

// DefaultTimeout bounds one delivery.
const DefaultTimeout = 15 * time.Second

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock in Verify.
const DefaultTolerance = 5 * time.Minute

// Config configures New.
type Config struct {
	// URL receives the events: https unless Egress allows http.
	URL string
	// Secret keys the HMAC, already resolved by the caller from secret_env
	// or secret_file. At least 32 bytes: it is the only thing that tells
	// the receiver the call is Tenure's.
	Secret string
	// Timeout bounds each delivery; zero means DefaultTimeout.
	Timeout time.Duration
	// Egress says which destinations are allowed; the zero value is https
	// to public addresses only.
	Egress egress.Policy
	// HTTPClient, when set, replaces the egress-checked client (tests).
	HTTPClient *http.Client
	// Logger receives a debug line per delivery; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// MinSecretBytes is the shortest accepted secret: 256 bits, the HMAC's
// own strength.
const MinSecretBytes = 32

// Validate reports every problem with cfg at once.
func (cfg Config) Validate() error {
	var errs []error
	if cfg.URL == "" {
		errs = append(errs, errors.New("url is empty"))
	} else if _, err := cfg.Egress.Check(cfg.URL); err != nil {
		errs = append(errs, fmt.Errorf("url: %w", err))
	}
	if err := rest.CheckSecret("secret", cfg.Secret); err != nil {
		errs = append(errs, fmt.Errorf("%w (set secret_env or secret_file)", err))
	} else if len(cfg.Secret) < MinSecretBytes {
		errs = append(errs, fmt.Errorf("secret is %d bytes, want at least %d", len(cfg.Secret), MinSecretBytes))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s is negative", cfg.Timeout))
	}
	return errors.Join(errs...)
}

// Revoker delivers revoke-sessions events to one URL. It is safe for
// concurrent use.
type Revoker struct {
	url    string
	secret []byte
	rc     *rest.Client
	now    func() time.Time
}

var _ connector.SessionRevoker = (*Revoker)(nil)

// New validates cfg and returns the revoker. Configuration errors are
// Permanent.
func New(cfg Config) (*Revoker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, connector.NewPermanent(fmt.Errorf("webhook: %w", err), "")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = cfg.Egress.Client(cmp.Or(cfg.Timeout, DefaultTimeout))
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Revoker{
		url: cfg.URL, secret: []byte(cfg.Secret), now: now,
		rc: &rest.Client{HC: hc, Name: "webhook", Log: cmp.Or(cfg.Logger, slog.Default()), Secrets: []string{cfg.Secret}},
	}, nil
}

// Event is the JSON body of a delivery.
type Event struct {
	// ID is unique per delivery attempt.
	ID     string `json:"id"`
	Action string `json:"action"`
	// Person is the roster's employee id.
	Person     string    `json:"person"`
	Email      string    `json:"email,omitempty"`
	UserName   string    `json:"user_name,omitempty"`
	ExternalID string    `json:"external_id,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
}

// RevokeSessions posts a revoke-sessions event for s.
func (r *Revoker) RevokeSessions(ctx context.Context, s connector.Subject) error {
	now := r.now().UTC().Truncate(time.Second)
	ev := Event{ID: newID(), Action: ActionRevokeSessions, Person: s.PersonID, Email: s.Email,
		UserName: s.UserName, ExternalID: s.ExternalID, OccurredAt: now}
	body, err := json.Marshal(ev)
	if err != nil {
		return connector.NewPermanent(fmt.Errorf("webhook: encode event: %w", err), "")
	}
	const op = "POST revoke-sessions"
	resp, err := r.rc.Do(ctx, rest.Request{Method: http.MethodPost, URL: r.url, Op: op, Body: body,
		ContentType: "application/json", Header: http.Header{
			SignatureHeader: {Sign(r.secret, now, body)},
			EventIDHeader:   {ev.ID},
		}})
	if err != nil {
		return err
	}
	if !resp.OK() {
		return r.rc.StatusError(op, resp, "", 0, false)
	}
	return nil
}

// Sign returns the Tenure-Signature header value for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// ErrSignature is matched by Verify's errors.
var ErrSignature = errors.New("webhook signature invalid")

// Verify checks a Tenure-Signature header against body, for receivers: the
// MAC in constant time, and the timestamp within tolerance of now (zero
// means DefaultTolerance). Several v1 values (a secret being rotated) pass
// when any matches.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	tolerance = cmp.Or(tolerance, DefaultTolerance)
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%w: want t=UNIX,v1=HEX", ErrSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp is %s away from now", ErrSignature, d.Round(time.Second))
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no v1 matches", ErrSignature)
}

// newID returns 128 random bits in hex.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
