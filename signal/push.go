package signal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/store"
)

// ClockApp names the leaver clock of a person's signals on a stream.
func ClockApp(stream string) string { return "ssf:" + stream }

// LogoutClockApp names the leaver clock of a person's back-channel logout
// from an app.
func LogoutClockApp(app string) string { return "bcl:" + app }

// PushError is what a push receiver answered instead of 202 (RFC 8935
// §2.3): its error code and description, read from the body.
type PushError struct {
	Status      int
	Err         string
	Description string
}

func (e *PushError) Error() string {
	msg := fmt.Sprintf("receiver answered %d", e.Status)
	if e.Err != "" {
		msg += " " + e.Err
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// Push delivers one stored SET to its push stream (RFC 8935): POST
// application/secevent+jwt, 202 Accepted is success and removes it from
// the outbox. A stream paused since the job was queued keeps the SET for
// later; a stream gone or disabled needs nothing. Failures come back
// classified for the queue: transport errors and every answer but 400 are
// retryable (the SET stays in the outbox); a 400 is the receiver refusing
// this SET for good, recorded with its reason.
func (s *Service) Push(ctx context.Context, d Delivery) error {
	set, err := s.settings(d.Tenant)
	if err != nil {
		return connector.NewPermanent(err, "")
	}
	var st store.Stream
	var cfg StreamConfig
	var tok store.SET
	gone := false
	err = s.Store.Read(ctx, d.Tenant, func(tx store.Tx) error {
		var err error
		if st, err = tx.Streams().Get(ctx, d.Stream); errors.Is(err, store.ErrNotFound) {
			gone = true
			return nil
		} else if err != nil {
			return err
		}
		if cfg, err = decodeConfig(st.Config); err != nil {
			return err
		}
		tok, err = tx.SETs().Get(ctx, d.Stream, d.JTI)
		if errors.Is(err, store.ErrNotFound) {
			gone = true
			return nil
		}
		return err
	})
	switch {
	case err != nil:
		return connector.NewRetryable(err)
	case gone, st.Status != StatusEnabled, cfg.Delivery.Method != MethodPush:
		// Delivered already, stream deleted or disabled, or paused (the SET
		// waits in the outbox and is queued again when it is enabled).
		return nil
	}
	u, err := set.Egress.Check(cfg.Delivery.EndpointURL)
	if err != nil {
		return connector.NewPermanent(err, "")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(tok.Token))
	if err != nil {
		return connector.NewPermanent(err, "")
	}
	req.Header.Set("Content-Type", "application/secevent+jwt")
	req.Header.Set("Accept", "application/json")
	if h := cfg.Delivery.AuthorizationHeader; h != "" {
		req.Header.Set("Authorization", h)
	}
	resp, err := s.client(set.Egress).Do(req)
	if err != nil {
		return connector.NewRetryable(fmt.Errorf("push to stream %s: %w", d.Stream, err))
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		return s.Store.Write(ctx, d.Tenant, func(tx store.Tx) error {
			return s.settle(ctx, tx, d.Stream, []string{d.JTI}, "signal.delivered", map[string]any{"method": "push"})
		})
	}
	pe := &PushError{Status: resp.StatusCode}
	var eb struct {
		Err         string `json:"err"`
		Description string `json:"description"`
	}
	if json.Unmarshal(body, &eb) == nil {
		pe.Err, pe.Description = eb.Err, eb.Description
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return connector.NewRateLimited(pe, retryAfter(resp.Header.Get("Retry-After")))
	case resp.StatusCode != http.StatusBadRequest:
		// 5xx, timeouts, and also 401/403/404: a receiver's credentials or
		// endpoint being wrong gets fixed, and the SET must still arrive.
		return connector.NewRetryable(pe)
	}
	// The receiver refused this SET for good (bad signature, wrong
	// audience, …): retrying would get the same answer. It leaves the
	// outbox with the receiver's reason in the audit chain.
	s.log().Warn("push receiver rejected a SET", "tenant", d.Tenant, "stream", d.Stream, "jti", d.JTI, "status", pe.Status, "err", pe.Err, "description", pe.Description)
	if err := s.Store.Write(ctx, d.Tenant, func(tx store.Tx) error {
		return s.settle(ctx, tx, d.Stream, []string{d.JTI}, "signal.rejected",
			map[string]any{"method": "push", "status": pe.Status, "err": pe.Err, "description": pe.Description})
	}); err != nil {
		return connector.NewRetryable(err)
	}
	return connector.NewPermanent(pe, pe.Description)
}

func retryAfter(h string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return time.Until(t)
	}
	return 0
}

// segment decodes part i of a compact JWS.
func segment(token string, i int) ([]byte, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a compact JWS")
	}
	return base64.RawURLEncoding.DecodeString(parts[i])
}
