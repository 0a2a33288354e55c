// Package connector is the port between the engine and the apps it
// provisions. A connector implements a small core — read, ensure, disable,
// delete — and optional capabilities the engine discovers by type assertion:
// GroupManager, SessionRevoker, OwnershipTransferer, Lister. The SCIM, LDAP,
// manual and IdP-session adapters live in sub-packages and slot in without
// changing the engine.
//
// Every method must be idempotent against the target's real state (the
// engine delivers at least once), and errors must be typed with Retryable,
// RateLimited or Permanent so the queue can decide what to do: retry with
// backoff, snooze without spending an attempt, or stop and hand the
// operation to a human.
package connector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tenure-dev/tenure/account"
)

// Subject identifies the person an operation is about, in the terms a
// connector needs to find or create their account.
type Subject struct {
	PersonID    string
	Email       string
	UserName    string
	GivenName   string
	FamilyName  string
	DisplayName string
	// ExternalID is the app's id of the account when already known.
	ExternalID string
	// Attributes are extra mapped attributes (department, title, manager …).
	Attributes map[string]string
	// Disabled asks Ensure for an account that exists but cannot sign in
	// yet: a pre-hire's, prepared before the start date.
	Disabled bool
}

// Connector is the core every app adapter implements.
type Connector interface {
	// Read returns the account of s as the app holds it now; an error
	// matching ErrNotFound when there is none. The engine calls it before
	// acting (idempotency) and after (verification).
	Read(ctx context.Context, s Subject) (account.Account, error)
	// Ensure makes the account exist with s's attributes, enabled unless
	// s.Disabled, adopting an existing account rather than creating a
	// duplicate.
	Ensure(ctx context.Context, s Subject) (account.Account, error)
	// Disable makes the account unable to sign in. Disabling a disabled or
	// absent account succeeds.
	Disable(ctx context.Context, s Subject) error
	// Delete removes the account. Deleting an absent account succeeds.
	Delete(ctx context.Context, s Subject) error
}

// GroupManager is implemented by connectors that manage entitlements.
type GroupManager interface {
	Grant(ctx context.Context, s Subject, entitlement string) error
	Revoke(ctx context.Context, s Subject, entitlement string) error
}

// SessionRevoker is implemented by connectors that can end live sessions
// and refresh tokens (IdP session APIs, app admin APIs).
type SessionRevoker interface {
	RevokeSessions(ctx context.Context, s Subject) error
}

// OwnershipTransferer is implemented by connectors that can move a
// service account to a new owner.
type OwnershipTransferer interface {
	TransferOwnership(ctx context.Context, serviceAccount account.Account, newOwner Subject) error
}

// Lister is implemented by connectors that can enumerate accounts for
// reconciliation, a page at a time: never the whole app in memory.
type Lister interface {
	// List returns one page and the cursor of the next ("" at the end).
	List(ctx context.Context, cursor string) (page []account.Account, next string, err error)
}

// ErrNotFound is matched (errors.Is) by Read's error for a missing account.
var ErrNotFound = errors.New("account not found")

// Class is how the queue treats an error.
type Class int

// Error classes.
const (
	// Retryable errors (5xx, timeouts, resets) are retried with backoff.
	Retryable Class = iota
	// RateLimited errors are retried after Wait without spending an attempt.
	RateLimited
	// Permanent errors (4xx other than 409/429, bad config) are not retried:
	// the operation becomes a task for the app owner and an alert.
	Permanent
)

func (c Class) String() string {
	return [...]string{"retryable", "rate-limited", "permanent"}[c]
}

// Error is a classified connector error.
type Error struct {
	Class Class
	// Wait is how long to wait before retrying a RateLimited error.
	Wait time.Duration
	// Detail is the target's own words (a response body), kept for the audit.
	Detail string
	Err    error
}

func (e *Error) Error() string {
	s := e.Class.String() + ": " + e.Err.Error()
	if e.Class == RateLimited && e.Wait > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.Wait)
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Classify returns an error's class and wait. An unclassified error is
// Retryable: an unknown failure is more likely transient than permanent,
// and the attempt limit bounds the cost of being wrong.
func Classify(err error) (Class, time.Duration) {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Class, ce.Wait
	}
	return Retryable, 0
}

// NewPermanent, NewRetryable and NewRateLimited wrap err in a classified Error.
func NewPermanent(err error, detail string) error {
	return &Error{Class: Permanent, Err: err, Detail: detail}
}

// NewRetryable wraps err as Retryable.
func NewRetryable(err error) error { return &Error{Class: Retryable, Err: err} }

// NewRateLimited wraps err as RateLimited with the wait the target asked for.
func NewRateLimited(err error, wait time.Duration) error {
	return &Error{Class: RateLimited, Err: err, Wait: wait}
}
