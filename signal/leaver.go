package signal

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/sla"
	"github.com/tenure-dev/tenure/store"
)

// DefaultDeadline is the leaver clock's deadline for a stream's signals.
const DefaultDeadline = 15 * time.Minute

// eventsFor maps a lifecycle event to the security events it causes. A
// leave ends sessions, credentials and the account; a leave of absence
// ends sessions and disables (nothing is deleted); a rehire or a return
// enables again.
func eventsFor(k person.Kind) []string {
	switch k {
	case person.Leave:
		return []string{EventSessionRevoked, EventCredentialChange, EventAccountDisabled}
	case person.LeaveOfAbsence:
		return []string{EventSessionRevoked, EventAccountDisabled}
	case person.Rehire, person.Return:
		return []string{EventAccountEnabled}
	}
	return nil
}

func reasonFor(e person.Event) string {
	at := e.EffectiveAt.UTC().Format("2006-01-02 15:04 MST")
	switch e.Kind {
	case person.Leave:
		return "The person left the organisation (termination effective " + at + "): every session and credential is revoked."
	case person.LeaveOfAbsence:
		return "The person went on leave (effective " + at + "): sessions are revoked and the account is disabled until they return."
	case person.Rehire:
		return "The person was rehired (effective " + at + ")."
	case person.Return:
		return "The person returned from leave (effective " + at + ")."
	}
	return string(e.Kind)
}

// OnEvents signals the applied lifecycle events evs inside tx, the
// transaction of the roster change that made them: for each leave, leave
// of absence, rehire or return it signs the SETs for every stream
// subscribed to the person (one event per SET, one txn per person and
// event), stores them in the outbox, queues their pushes and the
// back-channel logouts, starts the leaver clocks and audits — all
// committing with the change, or not at all.
func (s *Service) OnEvents(ctx context.Context, tx store.Tx, evs []person.Event) error {
	set, err := s.settings(tx.Tenant())
	if err != nil {
		return nil // a tenant without signal settings signals nothing
	}
	var streams []store.Stream
	var cfgs map[string]StreamConfig
	var queued []Delivery
	var pending []pendingSET
	for _, e := range evs {
		types := eventsFor(e.Kind)
		if e.State != person.Applied || len(types) == 0 {
			continue
		}
		if cfgs == nil {
			var err error
			if streams, err = tx.Streams().List(ctx); err != nil {
				return err
			}
			cfgs = make(map[string]StreamConfig, len(streams))
			for _, st := range streams {
				if cfgs[st.ID], err = decodeConfig(st.Config); err != nil {
					return err
				}
			}
		}
		p, err := tx.People().Get(ctx, e.PersonID)
		if err != nil {
			return fmt.Errorf("signal %s: %w", e.PersonID, err)
		}
		ds, ps, err := s.signalPerson(ctx, tx, set, streams, cfgs, p, e, types)
		if err != nil {
			return fmt.Errorf("signal %s: %w", e.PersonID, err)
		}
		queued = append(queued, ds...)
		pending = append(pending, ps...)
	}
	pushes, err := s.signAll(ctx, tx, pending)
	if err != nil {
		return err
	}
	return s.enqueue(ctx, tx, append(pushes, queued...))
}

// pendingSET is a SET to sign and store: its stream, claims and whether
// the stream pushes it now.
type pendingSET struct {
	stream string
	person string
	claims SETClaims
	push   *Delivery
}

// signAll signs the SETs on every core (a thousand leavers make thousands
// of signatures, and signing is most of a leave's cost), stores them in
// the outbox in order and returns the pushes to queue.
func (s *Service) signAll(ctx context.Context, tx store.Tx, pending []pendingSET) ([]Delivery, error) {
	if len(pending) == 0 {
		return nil, nil
	}
	kid, alg, signer, err := s.Keys.signer(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("sign SET: %w", err)
	}
	tokens := make([]string, len(pending))
	errs := make([]error, len(pending))
	workers := min(runtime.GOMAXPROCS(0), len(pending))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(pending); i += workers {
				tokens[i], errs[i] = sign(kid, alg, signer, pending[i].claims, SETType)
			}
		})
	}
	wg.Wait()
	var pushes []Delivery
	batch := map[string]int{} // one push job per stream and txn: a leaver's SETs in order
	for i, p := range pending {
		if errs[i] != nil {
			return nil, fmt.Errorf("sign SET: %w", errs[i])
		}
		if err := tx.SETs().Put(ctx, store.SET{Stream: p.stream, JTI: p.claims.Jti, Token: tokens[i], PersonID: p.person,
			CreatedAt: time.Unix(p.claims.Iat, 0).UTC()}); err != nil {
			return nil, err
		}
		if p.push == nil {
			continue
		}
		k := p.stream + "\x00" + p.claims.Txn
		if j, ok := batch[k]; ok {
			pushes[j].JTIs = append(pushes[j].JTIs, p.claims.Jti)
			continue
		}
		d := *p.push
		d.JTIs, d.JTI = []string{d.JTI}, ""
		batch[k] = len(pushes)
		pushes = append(pushes, d)
	}
	return pushes, nil
}

func (s *Service) signalPerson(ctx context.Context, tx store.Tx, set Settings, streams []store.Stream, cfgs map[string]StreamConfig,
	p person.Person, e person.Event, types []string) ([]Delivery, []pendingSET, error) {
	issuer := s.Issuer(tx.Tenant())
	now := s.now()
	since := e.EffectiveAt.UTC()
	if since.IsZero() || since.After(now) {
		since = now
	}
	deadline := set.Deadline
	if deadline <= 0 {
		deadline = DefaultDeadline
	}
	revokes := slices.Contains(types, EventSessionRevoked)
	// Which streams hear about this person, and in which format.
	format := map[string]string{}
	for _, k := range personKeys(issuer, p.ID, p.Email) {
		ids, err := tx.Streams().Subscribed(ctx, []string{k[0]})
		if err != nil {
			return nil, nil, err
		}
		for _, id := range ids {
			if _, ok := format[id]; !ok {
				format[id] = k[1]
			}
		}
	}
	txn := randomID()
	reason := reasonFor(e)
	var out []Delivery
	var pending []pendingSET
	var told []string
	for _, st := range streams {
		cfg := cfgs[st.ID]
		f, subscribed := format[st.ID]
		if !subscribed && set.AllSubjects {
			subscribed, f = true, cfg.SubjectFormat
			if f == "" {
				f = FormatEmail
			}
		}
		if !subscribed || st.Status == StatusDisabled {
			continue
		}
		sent := false
		for _, typ := range types {
			if !cfg.delivers(typ) {
				continue
			}
			c := SETClaims{Iss: issuer, Jti: randomID(), Iat: now.Unix(), Aud: cfg.Aud, Txn: txn,
				SubID: subjectFor(f, issuer, p.ID, p.Email), Events: map[string]map[string]any{typ: eventPayload(typ, since, reason)}}
			ps := pendingSET{stream: st.ID, person: p.ID, claims: c}
			if cfg.Delivery.Method == MethodPush && st.Status == StatusEnabled {
				ps.push = &Delivery{Kind: DeliverPush, Tenant: tx.Tenant(), Stream: st.ID, JTI: c.Jti, Person: p.ID, Txn: txn, Since: since}
			}
			pending = append(pending, ps)
			sent = true
			if typ == EventSessionRevoked {
				if _, err := tx.Clocks().Start(ctx, sla.Clock{PersonID: p.ID, App: ClockApp(st.ID), Tier: "signals",
					StartedAt: since, Deadline: since.Add(deadline)}); err != nil {
					return nil, nil, fmt.Errorf("leaver clock: %w", err)
				}
			}
		}
		if sent {
			told = append(told, st.ID)
			s.waiters.wake(tx.Tenant(), st.ID)
		}
	}
	var apps []string
	if revokes {
		for _, a := range set.LogoutApps {
			apps = append(apps, a.ID)
			dl := a.Deadline
			if dl <= 0 {
				dl = deadline
			}
			if _, err := tx.Clocks().Start(ctx, sla.Clock{PersonID: p.ID, App: LogoutClockApp(a.ID), Tier: "signals",
				StartedAt: since, Deadline: since.Add(dl)}); err != nil {
				return nil, nil, fmt.Errorf("leaver clock: %w", err)
			}
		}
		if len(apps) > 0 {
			// One delivery to every app at once; a failed one is retried alone.
			d := Delivery{Kind: DeliverLogout, Tenant: tx.Tenant(), Apps: apps, Person: p.ID, Email: p.Email, Txn: txn, Since: since}
			if len(apps) == 1 {
				d.App, d.Apps = apps[0], nil
			}
			out = append(out, d)
			// Make sure the tenant has a key now, in this transaction, so
			// the logout workers only ever read.
			if _, _, _, err := s.Keys.signer(ctx, tx); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(told) == 0 && len(apps) == 0 {
		return out, pending, nil
	}
	_, err := tx.Audit().Append(ctx, auditEntry(now, "signal", "signal.queued", p.ID, map[string]any{
		"lifecycle": e.Kind, "txn": txn, "events": types, "streams": told, "backchannelLogout": apps, "since": since}))
	return out, pending, err
}
