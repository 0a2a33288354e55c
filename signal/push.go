package signal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
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

// Push delivers stored SETs, in order, to their push stream (RFC 8935):
// one POST of application/secevent+jwt each, 202 Accepted is success and
// removes the SET from the outbox. A stream paused since the job was
// queued keeps its SETs for later; a stream gone or disabled needs
// nothing, and a SET no longer in the outbox was delivered already.
// Failures come back classified for the queue: transport errors and every
// answer but 400 are retryable (the SETs not yet accepted stay in the
// outbox, and the retry skips those that were); a 400 is the receiver
// refusing that SET for good, recorded with its reason, and the others go
// on.
func (s *Service) Push(ctx context.Context, d Delivery) error {
	set, err := s.settings(d.Tenant)
	if err != nil {
		return connector.NewPermanent(err, "")
	}
	jtis := d.JTIs
	if d.JTI != "" {
		jtis = []string{d.JTI}
	}
	var st store.Stream
	var cfg StreamConfig
	var toks []store.SET
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
		for _, j := range jtis {
			tok, err := tx.SETs().Get(ctx, d.Stream, j)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			toks = append(toks, tok)
		}
		return nil
	})
	switch {
	case err != nil:
		return connector.NewRetryable(err)
	case gone, len(toks) == 0, st.Status != StatusEnabled, cfg.Delivery.Method != MethodPush:
		// Delivered already, stream deleted or disabled, or paused (the SETs
		// wait in the outbox and are queued again when it is enabled).
		return nil
	}
	if toks, err = s.dropExpired(ctx, d.Tenant, d.Stream, toks); err != nil {
		return connector.NewRetryable(err)
	}
	if len(toks) == 0 {
		return nil
	}
	u, err := set.Egress.Check(cfg.Delivery.EndpointURL)
	if err != nil {
		return connector.NewPermanent(err, "")
	}
	var delivered []string
	var rejected []*PushError
	var rejectedJTIs []string
	var failure error
	for _, tok := range toks {
		pe, err := s.pushOne(ctx, set, cfg, u.String(), tok)
		if err != nil {
			failure = err
			break
		}
		if pe != nil {
			s.log().Warn("push receiver rejected a SET", "tenant", d.Tenant, "stream", d.Stream, "jti", tok.JTI, "status", pe.Status, "err", pe.Err, "description", pe.Description)
			rejected, rejectedJTIs = append(rejected, pe), append(rejectedJTIs, tok.JTI)
			continue
		}
		delivered = append(delivered, tok.JTI)
	}
	if len(delivered)+len(rejected) > 0 {
		if err := s.Store.Write(ctx, d.Tenant, func(tx store.Tx) error {
			if err := s.settle(ctx, tx, d.Stream, delivered, "signal.delivered", map[string]any{"method": "push"}); err != nil {
				return err
			}
			for i, pe := range rejected {
				if err := s.settle(ctx, tx, d.Stream, rejectedJTIs[i:i+1], "signal.rejected",
					map[string]any{"method": "push", "status": pe.Status, "err": pe.Err, "description": pe.Description}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return connector.NewRetryable(err)
		}
	}
	if failure != nil {
		return failure
	}
	if len(rejected) > 0 && len(delivered) == 0 && len(toks) == 1 {
		return connector.NewPermanent(rejected[0], rejected[0].Description)
	}
	return nil
}

// pushOne posts one SET. It returns a *PushError for a 400 (the receiver
// refused the SET for good) and a classified error for what is worth
// retrying.
func (s *Service) pushOne(ctx context.Context, set Settings, cfg StreamConfig, url string, tok store.SET) (*PushError, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(tok.Token))
	if err != nil {
		return nil, connector.NewPermanent(err, "")
	}
	req.Header.Set("Content-Type", "application/secevent+jwt")
	req.Header.Set("Accept", "application/json")
	h, err := s.authorization(set.Tenant, cfg)
	if err != nil {
		return nil, connector.NewPermanent(err, "")
	}
	if h != "" {
		req.Header.Set("Authorization", h)
	}
	resp, err := s.client(set.Egress).Do(req)
	if err != nil {
		// Not the *url.Error itself: it repeats the endpoint URL, whose
		// query may hold the receiver's token.
		return nil, connector.NewRetryable(fmt.Errorf("push to stream %s: %w", tok.Stream, withoutURL(err)))
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		return nil, nil
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
		return nil, connector.NewRateLimited(pe, retryAfter(resp.Header.Get("Retry-After")))
	case resp.StatusCode != http.StatusBadRequest:
		// 5xx, timeouts, and also 401/403/404: a receiver's credentials or
		// endpoint being wrong gets fixed, and the SET must still arrive.
		return nil, connector.NewRetryable(pe)
	}
	return pe, nil
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

// withoutURL is err without the request URL a *url.Error repeats.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
