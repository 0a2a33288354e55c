package signal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tenure-dev/tenure/store"
)

// Stream is a stream as the receiver sees it.
type Stream struct {
	Config StreamConfig
	Status string
	Reason string
}

// PollURL is the poll endpoint of a stream.
func (s *Service) PollURL(tenant, stream string) string {
	return s.Issuer(tenant) + "/ssf/poll/" + stream
}

// own loads a stream of owner inside tx: a stream of another receiver is
// "not found", exactly like one that does not exist.
func own(ctx context.Context, tx store.Tx, owner, id string) (store.Stream, StreamConfig, error) {
	if id == "" {
		return store.Stream{}, StreamConfig{}, badRequest("stream_id is required")
	}
	st, err := tx.Streams().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && st.Owner != owner {
		return store.Stream{}, StreamConfig{}, notFound("no stream %q", id)
	}
	if err != nil {
		return store.Stream{}, StreamConfig{}, err
	}
	cfg, err := decodeConfig(st.Config)
	return st, cfg, err
}

// CreateStream creates a stream for the receiver holding token owner.
// Tenure keeps one stream per receiver (SSF §8.1.1.1): a second one is
// 409 Conflict.
func (s *Service) CreateStream(ctx context.Context, tenant, owner string, body []byte) (StreamConfig, error) {
	set, err := s.settings(tenant)
	if err != nil {
		return StreamConfig{}, err
	}
	var req streamRequest
	if err := decodeStrict(body, &req); err != nil {
		return StreamConfig{}, err
	}
	id := randomID()
	cur := StreamConfig{StreamID: id, Iss: s.Issuer(tenant), Aud: s.Issuer(tenant) + "/ssf/streams/" + id,
		EventsSupported: EventsSupported}
	cfg, err := apply(cur, req, false, true, set.Egress, s.PollURL(tenant, id))
	if err != nil {
		return StreamConfig{}, err
	}
	stored, err := s.sealConfig(tenant, cfg)
	if err != nil {
		return StreamConfig{}, err
	}
	raw, err := json.Marshal(stored)
	if err != nil {
		return StreamConfig{}, err
	}
	now := s.now()
	err = s.Store.Write(ctx, tenant, func(tx store.Tx) error {
		all, err := tx.Streams().List(ctx)
		if err != nil {
			return err
		}
		for _, st := range all {
			if st.Owner == owner {
				return &Error{Status: http.StatusConflict, Msg: "this receiver already has a stream (" + st.ID + "); update or delete it"}
			}
		}
		if err := tx.Streams().Create(ctx, store.Stream{ID: id, Owner: owner, Config: raw, Status: StatusEnabled,
			CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		return s.audit(ctx, tx, "ssf.stream.created", id, map[string]any{"owner": owner, "config": cfg.public()})
	})
	return cfg.public(), err
}

// Streams returns the receiver's streams (all of them when id is "").
func (s *Service) Streams(ctx context.Context, tenant, owner, id string) ([]StreamConfig, error) {
	var out []StreamConfig
	err := s.Store.Read(ctx, tenant, func(tx store.Tx) error {
		if id != "" {
			_, cfg, err := own(ctx, tx, owner, id)
			out = append(out, cfg.public())
			return err
		}
		all, err := tx.Streams().List(ctx)
		if err != nil {
			return err
		}
		for _, st := range all {
			if st.Owner != owner {
				continue
			}
			cfg, err := decodeConfig(st.Config)
			if err != nil {
				return err
			}
			out = append(out, cfg.public())
		}
		return nil
	})
	if out == nil {
		out = []StreamConfig{}
	}
	return out, err
}

// UpdateStream changes the fields the body carries (PATCH, replace false)
// or replaces every receiver-supplied field (PUT, replace true).
func (s *Service) UpdateStream(ctx context.Context, tenant, owner string, body []byte, replace bool) (StreamConfig, error) {
	set, err := s.settings(tenant)
	if err != nil {
		return StreamConfig{}, err
	}
	var req streamRequest
	if err := decodeStrict(body, &req); err != nil {
		return StreamConfig{}, err
	}
	if req.StreamID == nil {
		return StreamConfig{}, badRequest("stream_id is required")
	}
	var out StreamConfig
	err = s.Store.Write(ctx, tenant, func(tx store.Tx) error {
		st, cur, err := own(ctx, tx, owner, *req.StreamID)
		if err != nil {
			return err
		}
		if out, err = apply(cur, req, replace, false, set.Egress, s.PollURL(tenant, st.ID)); err != nil {
			return err
		}
		stored, err := s.sealConfig(tenant, out)
		if err != nil {
			return err
		}
		if st.Config, err = json.Marshal(stored); err != nil {
			return err
		}
		st.UpdatedAt = s.now()
		if err := tx.Streams().Update(ctx, st); err != nil {
			return err
		}
		if out.Delivery.Method == MethodPush && st.Status == StatusEnabled && out.Delivery != cur.Delivery {
			// A receiver that moved from poll to push, or to another
			// endpoint, gets what was waiting there.
			if err := s.requeue(ctx, tx, st.ID); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, "ssf.stream.updated", st.ID, map[string]any{"replace": replace, "config": out.public()})
	})
	return out.public(), err
}

// DeleteStream deletes the stream with its subjects and undelivered SETs.
func (s *Service) DeleteStream(ctx context.Context, tenant, owner, id string) error {
	return s.Store.Write(ctx, tenant, func(tx store.Tx) error {
		if _, _, err := own(ctx, tx, owner, id); err != nil {
			return err
		}
		if err := s.dropPending(ctx, tx, id); err != nil {
			return err
		}
		if err := tx.Streams().Delete(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "ssf.stream.deleted", id, nil)
	})
}

// Status returns a stream's status.
func (s *Service) Status(ctx context.Context, tenant, owner, id string) (Stream, error) {
	var out Stream
	err := s.Store.Read(ctx, tenant, func(tx store.Tx) error {
		st, cfg, err := own(ctx, tx, owner, id)
		out = Stream{Config: cfg.public(), Status: st.Status, Reason: st.Reason}
		return err
	})
	return out, err
}

// StatusRequest is the body of a status update.
type StatusRequest struct {
	StreamID string `json:"stream_id"`
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
}

// SetStatus changes a stream's status at the receiver's request. Enabling
// a paused stream delivers what it held; disabling drops it (SSF: a
// disabled stream holds nothing).
func (s *Service) SetStatus(ctx context.Context, tenant, owner string, body []byte) (Stream, error) {
	var req StatusRequest
	if err := decodeStrict(body, &req); err != nil {
		return Stream{}, err
	}
	if err := validStatus(req.Status); err != nil {
		return Stream{}, err
	}
	var out Stream
	err := s.Store.Write(ctx, tenant, func(tx store.Tx) (err error) {
		out, err = s.setStatus(ctx, tx, owner, req, false)
		return err
	})
	return out, err
}

// SetStatusByTransmitter changes a stream's status on Tenure's own
// initiative (an operator), and tells the receiver with a stream-updated
// event (SSF §8.1.5).
func (s *Service) SetStatusByTransmitter(ctx context.Context, tenant, id, status, reason string) error {
	if err := validStatus(status); err != nil {
		return err
	}
	return s.Store.Write(ctx, tenant, func(tx store.Tx) error {
		st, err := tx.Streams().Get(ctx, id)
		if err != nil {
			return err
		}
		_, err = s.setStatus(ctx, tx, st.Owner, StatusRequest{StreamID: id, Status: status, Reason: reason}, true)
		return err
	})
}

func (s *Service) setStatus(ctx context.Context, tx store.Tx, owner string, req StatusRequest, notify bool) (Stream, error) {
	st, cfg, err := own(ctx, tx, owner, req.StreamID)
	if err != nil {
		return Stream{}, err
	}
	was := st.Status
	st.Status, st.Reason, st.UpdatedAt = req.Status, req.Reason, s.now()
	if err := tx.Streams().Update(ctx, st); err != nil {
		return Stream{}, err
	}
	switch {
	case st.Status == StatusDisabled:
		if err := s.dropPending(ctx, tx, st.ID); err != nil {
			return Stream{}, err
		}
	case notify && was != st.Status:
		payload := map[string]any{"status": st.Status}
		if st.Reason != "" {
			payload["reason"] = st.Reason
		}
		if err := s.streamEvent(ctx, tx, st, cfg, EventStreamUpdated, payload); err != nil {
			return Stream{}, err
		}
	}
	if st.Status == StatusEnabled && was != StatusEnabled {
		if err := s.requeue(ctx, tx, st.ID); err != nil {
			return Stream{}, err
		}
	}
	err = s.audit(ctx, tx, "ssf.stream.status", st.ID, map[string]any{"from": was, "to": st.Status, "reason": st.Reason, "byTransmitter": notify})
	return Stream{Config: cfg.public(), Status: st.Status, Reason: st.Reason}, err
}

// requeue queues a push for every SET the stream holds.
func (s *Service) requeue(ctx context.Context, tx store.Tx, stream string) error {
	st, err := tx.Streams().Get(ctx, stream)
	if err != nil {
		return err
	}
	cfg, err := decodeConfig(st.Config)
	if err != nil || cfg.Delivery.Method != MethodPush {
		return err
	}
	pending, err := tx.SETs().Pending(ctx, stream, 0)
	if err != nil || len(pending) == 0 {
		return err
	}
	// In order, a hundred SETs a job.
	var ds []Delivery
	for i, p := range pending {
		if i%100 == 0 {
			ds = append(ds, Delivery{Kind: DeliverPush, Tenant: tx.Tenant(), Stream: stream})
		}
		ds[len(ds)-1].JTIs = append(ds[len(ds)-1].JTIs, p.JTI)
	}
	return s.enqueue(ctx, tx, ds)
}

func (s *Service) enqueue(ctx context.Context, tx store.Tx, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	if s.Enqueue == nil {
		return errors.New("signal: no queue to deliver with")
	}
	return s.Enqueue(ctx, tx, ds)
}

// SubjectRequest is the body of add-subject and remove-subject.
type SubjectRequest struct {
	StreamID string          `json:"stream_id"`
	Subject  json.RawMessage `json:"subject"`
	Verified *bool           `json:"verified,omitempty"`
}

// AddSubject subscribes the stream to events about a subject.
func (s *Service) AddSubject(ctx context.Context, tenant, owner string, body []byte) error {
	return s.subject(ctx, tenant, owner, body, true)
}

// RemoveSubject unsubscribes it; 404 if it was not subscribed.
func (s *Service) RemoveSubject(ctx context.Context, tenant, owner string, body []byte) error {
	return s.subject(ctx, tenant, owner, body, false)
}

func (s *Service) subject(ctx context.Context, tenant, owner string, body []byte, add bool) error {
	var req SubjectRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	if len(req.Subject) == 0 {
		return badRequest("subject is required")
	}
	sid, key, err := parseSubject(req.Subject, s.Issuer(tenant))
	if err != nil {
		return badRequest("%v", err)
	}
	return s.Store.Write(ctx, tenant, func(tx store.Tx) error {
		if _, _, err := own(ctx, tx, owner, req.StreamID); err != nil {
			return err
		}
		if add {
			raw, _ := json.Marshal(sid)
			if err := tx.Streams().AddSubject(ctx, req.StreamID, key, raw); err != nil {
				return err
			}
			return s.audit(ctx, tx, "ssf.subject.added", req.StreamID, map[string]any{"subject": sid})
		}
		err := tx.Streams().RemoveSubject(ctx, req.StreamID, key)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("the stream has no such subject")
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, "ssf.subject.removed", req.StreamID, map[string]any{"subject": sid})
	})
}

// VerifyRequest is the body of a verification request.
type VerifyRequest struct {
	StreamID string `json:"stream_id"`
	State    string `json:"state,omitempty"`
}

// Verify sends the stream a verification event carrying state (SSF §8.1.4).
func (s *Service) Verify(ctx context.Context, tenant, owner string, body []byte) error {
	var req VerifyRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	return s.Store.Write(ctx, tenant, func(tx store.Tx) error {
		st, cfg, err := own(ctx, tx, owner, req.StreamID)
		if err != nil {
			return err
		}
		payload := map[string]any{}
		if req.State != "" {
			payload["state"] = req.State
		}
		return s.streamEvent(ctx, tx, st, cfg, EventVerification, payload)
	})
}

// streamEvent signs an event about the stream itself (verification,
// stream-updated) and queues it like any other.
func (s *Service) streamEvent(ctx context.Context, tx store.Tx, st store.Stream, cfg StreamConfig, typ string, payload map[string]any) error {
	if st.Status == StatusDisabled {
		return nil // a disabled stream transmits nothing
	}
	now := s.now()
	c := SETClaims{Iss: s.Issuer(tx.Tenant()), Jti: randomID(), Iat: now.Unix(), Aud: cfg.Aud,
		SubID: SubjectID{Format: FormatOpaque, ID: st.ID}, Events: map[string]map[string]any{typ: payload}}
	return s.outbox(ctx, tx, st, cfg, c, "")
}

// outbox signs c, stores it for the stream and, for an enabled push
// stream, queues its push.
func (s *Service) outbox(ctx context.Context, tx store.Tx, st store.Stream, cfg StreamConfig, c SETClaims, person string) error {
	tok, err := s.Keys.Sign(ctx, tx, c, SETType)
	if err != nil {
		return fmt.Errorf("sign SET: %w", err)
	}
	if err := tx.SETs().Put(ctx, store.SET{Stream: st.ID, JTI: c.Jti, Token: tok, PersonID: person, CreatedAt: time.Unix(c.Iat, 0).UTC()}); err != nil {
		return err
	}
	s.waiters.wake(tx.Tenant(), st.ID)
	if cfg.Delivery.Method == MethodPush && st.Status == StatusEnabled {
		return s.enqueue(ctx, tx, []Delivery{{Kind: DeliverPush, Tenant: tx.Tenant(), Stream: st.ID, JTI: c.Jti, Person: person, Txn: c.Txn}})
	}
	return nil
}

func (s *Service) audit(ctx context.Context, tx store.Tx, action, subject string, data any) error {
	_, err := tx.Audit().Append(ctx, auditEntry(s.now(), "ssf", action, subject, data))
	return err
}

// dropPending settles a stream's undelivered SETs as dropped (its receiver
// deleted or disabled it): each is audited, and the stream's leaver clocks
// stop rather than breach for ever for a receiver that no longer exists.
func (s *Service) dropPending(ctx context.Context, tx store.Tx, stream string) error {
	pending, err := tx.SETs().Pending(ctx, stream, 0)
	if err != nil {
		return err
	}
	jtis := make([]string, len(pending))
	for i, p := range pending {
		jtis[i] = p.JTI
	}
	if err := s.settle(ctx, tx, stream, jtis, "signal.dropped", nil); err != nil {
		return err
	}
	// Clocks left open by a SET the receiver refused stop too: the stream
	// they waited on is gone (its deletion is audited by the caller).
	open, err := tx.Clocks().List(ctx, true)
	if err != nil {
		return err
	}
	for _, c := range open {
		if c.App == ClockApp(stream) {
			if _, err := tx.Clocks().Stop(ctx, c.PersonID, c.App, s.now(), "signal.dropped"); err != nil {
				return err
			}
		}
	}
	return nil
}
