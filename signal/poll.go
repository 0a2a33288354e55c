package signal

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/tenure-dev/tenure/store"
)

// PollRequest is an RFC 8936 poll: acknowledge what was received, report
// what was rejected, ask for more.
type PollRequest struct {
	// MaxEvents caps how many SETs come back; 0 asks for none (only
	// acknowledging); absent (nil) means Tenure's default.
	MaxEvents *int `json:"maxEvents,omitempty"`
	// ReturnImmediately answers at once even when nothing waits;
	// otherwise the poll is held until SETs arrive or PollWait passes.
	ReturnImmediately bool                `json:"returnImmediately,omitempty"`
	Ack               []string            `json:"ack,omitempty"`
	SetErrs           map[string]SetError `json:"setErrs,omitempty"`
}

// SetError is a receiver's reason for rejecting one SET (RFC 8935 §2.3).
type SetError struct {
	Err         string `json:"err"`
	Description string `json:"description,omitempty"`
}

// PollResponse is the answer: SETs by jti, and whether more wait.
type PollResponse struct {
	Sets          map[string]string `json:"sets"`
	MoreAvailable bool              `json:"moreAvailable,omitempty"`
}

// DefaultMaxEvents is how many SETs a poll returns when it does not say.
const DefaultMaxEvents = 100

// MaxMaxEvents caps maxEvents.
const MaxMaxEvents = 1000

// Poll acknowledges and returns a poll stream's SETs. Acknowledged and
// rejected SETs leave the outbox (and are audited); the others stay until
// acknowledged, so a receiver that crashes after a poll gets them again.
func (s *Service) Poll(ctx context.Context, tenant, owner, stream string, body []byte) (PollResponse, error) {
	var req PollRequest
	if len(body) > 0 {
		if err := decodeStrict(body, &req); err != nil {
			return PollResponse{}, err
		}
	}
	maxEvents := DefaultMaxEvents
	if req.MaxEvents != nil {
		if *req.MaxEvents < 0 {
			return PollResponse{}, badRequest("maxEvents must not be negative")
		}
		maxEvents = min(*req.MaxEvents, MaxMaxEvents)
	}
	// First the acknowledgements, in their own transaction: they stand
	// even if the wait below is cut short.
	var status string
	run := s.Store.Read
	if len(req.Ack) > 0 || len(req.SetErrs) > 0 {
		run = s.Store.Write
	}
	err := run(ctx, tenant, func(tx store.Tx) error {
		st, cfg, err := own(ctx, tx, owner, stream)
		if err != nil {
			return err
		}
		if cfg.Delivery.Method != MethodPoll {
			return badRequest("stream %s is delivered by push, not poll", stream)
		}
		status = st.Status
		if len(req.Ack) > 0 {
			if err := s.settle(ctx, tx, stream, req.Ack, "signal.acknowledged", nil); err != nil {
				return err
			}
		}
		for jti, e := range req.SetErrs {
			if err := s.settle(ctx, tx, stream, []string{jti}, "signal.rejected", map[string]any{"err": e.Err, "description": e.Description}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return PollResponse{}, err
	}
	resp := PollResponse{Sets: map[string]string{}}
	if maxEvents == 0 || status != StatusEnabled {
		return resp, nil // a paused stream holds its SETs; a disabled one has none
	}
	wait := s.PollWait
	if wait <= 0 {
		wait = 30 * time.Second
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond) // wakes come before commit: look again soon
	defer tick.Stop()
	for {
		woken := s.waiters.watch(tenant, stream)
		var pending []store.SET
		err := s.Store.Read(ctx, tenant, func(tx store.Tx) (err error) {
			pending, err = tx.SETs().Pending(ctx, stream, maxEvents+1)
			return err
		})
		if err != nil {
			return PollResponse{}, err
		}
		if pending, err = s.dropExpired(ctx, tenant, stream, pending); err != nil {
			return PollResponse{}, err
		}
		if len(pending) > 0 || req.ReturnImmediately {
			for i, p := range pending {
				if i == maxEvents {
					resp.MoreAvailable = true
					break
				}
				resp.Sets[p.JTI] = p.Token
			}
			return resp, nil
		}
		select {
		case <-ctx.Done():
			return resp, nil
		case <-deadline.C:
			return resp, nil
		case <-woken:
		case <-tick.C:
		}
	}
}

// dropExpired removes from the outbox the SETs older than the tenant's key
// retention (their signing key is no longer published, so no receiver
// could verify them), audited as signal.expired, and returns the others.
func (s *Service) dropExpired(ctx context.Context, tenant, stream string, sets []store.SET) ([]store.SET, error) {
	keep := sets[:0:0]
	var expired []string
	limit := s.now().Add(-s.Keys.retention(tenant))
	for _, e := range sets {
		if e.CreatedAt.Before(limit) {
			expired = append(expired, e.JTI)
			continue
		}
		keep = append(keep, e)
	}
	if len(expired) == 0 {
		return sets, nil
	}
	s.log().Warn("SETs expired undelivered", "tenant", tenant, "stream", stream, "count", len(expired))
	err := s.Store.Write(ctx, tenant, func(tx store.Tx) error {
		return s.settle(ctx, tx, stream, expired, "signal.expired", nil)
	})
	return keep, err
}

// settle removes delivered (or rejected, expired, dropped) SETs from the
// outbox, with their audit entries. A session-revoked SET's leaver clock
// stops only when the receiver has it (delivered, acknowledged) or has gone
// (its stream deleted or disabled: dropped). A rejected or expired one
// leaves the clock open, so the failure shows as a breach in tenure sla
// instead of passing for a met deadline.
func (s *Service) settle(ctx context.Context, tx store.Tx, stream string, jtis []string, action string, detail map[string]any) error {
	now := s.now()
	for _, jti := range jtis {
		set, err := tx.SETs().Get(ctx, stream, jti)
		if errors.Is(err, store.ErrNotFound) {
			continue // unknown or already settled: acknowledging twice is fine
		}
		if err != nil {
			return err
		}
		if _, err := tx.SETs().Delete(ctx, stream, jti); err != nil {
			return err
		}
		data := map[string]any{"stream": stream, "jti": jti, "event": eventOf(set.Token), "at": now}
		for k, v := range detail {
			data[k] = v
		}
		subject := set.PersonID
		if subject == "" {
			subject = stream
		}
		if _, err := tx.Audit().Append(ctx, auditEntry(now, "ssf", action, subject, data)); err != nil {
			return err
		}
		received := action == "signal.delivered" || action == "signal.acknowledged" || action == "signal.dropped"
		if received && set.PersonID != "" && eventOf(set.Token) == EventSessionRevoked {
			if _, err := tx.Clocks().Stop(ctx, set.PersonID, ClockApp(stream), now, action); err != nil {
				return err
			}
		}
	}
	return nil
}

// eventOf reads the event type of a SET Tenure signed (no verification
// needed: it comes from our own outbox).
func eventOf(token string) string {
	c, err := unverifiedClaims(token)
	if err != nil {
		return ""
	}
	for typ := range c.Events {
		return typ
	}
	return ""
}

func unverifiedClaims(token string) (SETClaims, error) {
	var c SETClaims
	payload, err := segment(token, 1)
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(payload, &c)
}

// waiters wakes long polls when a SET is stored for their stream.
type waiters struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

// watch returns a channel closed at the stream's next wake.
func (w *waiters) watch(tenant, stream string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = map[string]chan struct{}{}
	}
	k := tenant + "\x00" + stream
	c, ok := w.m[k]
	if !ok {
		c = make(chan struct{})
		w.m[k] = c
	}
	return c
}

func (w *waiters) wake(tenant, stream string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := tenant + "\x00" + stream
	if c, ok := w.m[k]; ok {
		close(c)
		delete(w.m, k)
	}
}
