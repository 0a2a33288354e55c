package connector

import (
	"context"
	"errors"
	"strings"
	"time"
)

// WithSessions returns core with extra session revokers beside it: an app
// whose accounts live in SCIM or LDAP, but whose sign-ins can be ended only
// through a webhook, an RFC 7009 endpoint or an IdP, gets its sessions
// killed too. RevokeSessions calls core's own RevokeSessions first, when
// core has one, then every revoker in order, and succeeds only when all
// do. Each is idempotent, so a retry after a partial failure repeats the
// ones that already succeeded harmlessly.
//
// The result keeps core's other capabilities (GroupManager, Lister,
// OwnershipTransferer): the engine finds them by type assertion. With no
// revokers, core is returned unchanged.
func WithSessions(core Connector, revokers ...SessionRevoker) Connector {
	if len(revokers) == 0 {
		return core
	}
	all := make([]SessionRevoker, 0, len(revokers)+1)
	if sr, ok := core.(SessionRevoker); ok {
		all = append(all, sr)
	}
	s := &sessions{Connector: core, revokers: append(all, revokers...)}
	g, isG := core.(GroupManager)
	l, isL := core.(Lister)
	o, isO := core.(OwnershipTransferer)
	switch {
	case isG && isL && isO:
		return struct {
			*sessions
			GroupManager
			Lister
			OwnershipTransferer
		}{s, g, l, o}
	case isG && isL:
		return struct {
			*sessions
			GroupManager
			Lister
		}{s, g, l}
	case isG && isO:
		return struct {
			*sessions
			GroupManager
			OwnershipTransferer
		}{s, g, o}
	case isL && isO:
		return struct {
			*sessions
			Lister
			OwnershipTransferer
		}{s, l, o}
	case isG:
		return struct {
			*sessions
			GroupManager
		}{s, g}
	case isL:
		return struct {
			*sessions
			Lister
		}{s, l}
	case isO:
		return struct {
			*sessions
			OwnershipTransferer
		}{s, o}
	}
	return s
}

// sessions is a connector with session revokers beside it.
type sessions struct {
	Connector
	revokers []SessionRevoker
}

// RevokeSessions calls every revoker, even after one fails, so that one
// channel's outage does not keep the others from ending their sessions.
func (s *sessions) RevokeSessions(ctx context.Context, sub Subject) error {
	var errs []error
	for _, r := range s.revokers {
		if err := r.RevokeSessions(ctx, sub); err != nil {
			errs = append(errs, err)
		}
	}
	return combine(errs)
}

// combine classifies several failures as one: the queue should retry if any
// of them may pass on a retry (after the longest wait asked for), and give
// up only when all are permanent.
func combine(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	out := &Error{Class: Permanent, Err: errors.Join(errs...)}
	var details []string
	var wait time.Duration
	rateLimited := false
	for _, err := range errs {
		class, w := Classify(err)
		switch class {
		case Retryable:
			out.Class = Retryable
		case RateLimited:
			rateLimited, wait = true, max(wait, w)
		}
		var ce *Error
		if errors.As(err, &ce) && ce.Detail != "" {
			details = append(details, ce.Detail)
		}
	}
	if rateLimited && out.Class == Permanent || rateLimited && out.Class == Retryable && wait > 0 {
		// A rate limit's wait without spending an attempt beats a backoff.
		out.Class, out.Wait = RateLimited, wait
	}
	out.Detail = strings.Join(details, "\n")
	return out
}
