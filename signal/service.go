package signal

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/egress"
	"github.com/tenure-dev/tenure/store"
)

// Settings are one tenant's signal settings (from config).
type Settings struct {
	Tenant string
	// Egress says where push endpoints and logout URIs may point.
	Egress egress.Policy
	// AllSubjects makes every stream receive events about everyone
	// (SSF default_subjects "ALL"); otherwise only about the subjects a
	// receiver added ("NONE", the default).
	AllSubjects bool
	// Deadline is the leaver clock's deadline for signals (default 15m).
	Deadline time.Duration
	// LogoutApps are the relying parties that take back-channel logouts.
	LogoutApps []LogoutApp
}

// LogoutApp is a relying party with an OIDC back-channel logout endpoint.
type LogoutApp struct {
	ID string
	// URI is the app's backchannel_logout_uri; ClientID its client id,
	// the logout token's aud.
	URI      string
	ClientID string
	// Subject picks the person's identifier for the token's sub:
	// "email" (default) or "employee_id".
	Subject string
	// Owner receives a task when the logout cannot be delivered.
	Owner string
	// Deadline is the app tier's leaver deadline (for the task's due time).
	Deadline time.Duration
}

// Delivery is one queued piece of work: a SET to push, or a logout token
// to post. The engine turns it into a queue job and calls back Push or
// Logout.
type Delivery struct {
	Kind   string `json:"kind"` // DeliverPush or DeliverLogout
	Tenant string `json:"tenant"`
	Stream string `json:"stream,omitempty"`
	JTI    string `json:"jti,omitempty"`
	// JTIs, for a push, delivers several SETs of the stream in order (a
	// leaver's events).
	JTIs []string `json:"jtis,omitempty"`
	App  string   `json:"app,omitempty"`
	// Apps, for a logout, sends to several apps at once (the first try
	// after a leave); each that fails is then retried on its own.
	Apps   []string `json:"apps,omitempty"`
	Person string   `json:"person,omitempty"`
	// Email is the person's email at the leave, the logout tokens' sub.
	Email string    `json:"email,omitempty"`
	Txn   string    `json:"txn,omitempty"`
	Since time.Time `json:"since,omitzero"`
}

// Delivery kinds.
const (
	DeliverPush   = "push"
	DeliverLogout = "logout"
)

// Service is the transmitter: stream management, the leaver flow, and the
// deliveries the queue runs.
type Service struct {
	Store store.Store
	Keys  *Keyring
	// BaseURL is the public base URL (no trailing slash); a tenant's issuer
	// is BaseURL/t/{tenant}.
	BaseURL string
	// Tenants finds a tenant's settings; false for a tenant not configured.
	Tenants func(id string) (Settings, bool)
	// Enqueue queues deliveries inside tx (the engine's EnqueueSignals); it
	// must be set before any event is signalled.
	Enqueue func(ctx context.Context, tx store.Tx, ds []Delivery) error
	Now     func() time.Time
	Log     *slog.Logger
	// Timeout bounds one outbound call (default 10s).
	Timeout time.Duration
	// PollWait bounds a long poll (default 30s).
	PollWait time.Duration

	clientsMu sync.Mutex
	clients   map[egress.Policy]*http.Client
	waiters   waiters
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Issuer is the tenant's issuer: the iss of its SETs and logout tokens.
func (s *Service) Issuer(tenant string) string { return s.BaseURL + "/t/" + tenant }

func (s *Service) settings(tenant string) (Settings, error) {
	if s.Tenants == nil {
		return Settings{}, fmt.Errorf("tenant %q is not configured", tenant)
	}
	set, ok := s.Tenants(tenant)
	if !ok {
		return Settings{}, fmt.Errorf("tenant %q is not configured", tenant)
	}
	return set, nil
}

// client is the outbound HTTP client for a policy: it checks the dialled
// address and never follows redirects.
func (s *Service) client(p egress.Policy) *http.Client {
	s.clientsMu.Lock()
	defer s.clientsMu.Unlock()
	if s.clients == nil {
		s.clients = map[egress.Policy]*http.Client{}
	}
	c, ok := s.clients[p]
	if !ok {
		t := s.Timeout
		if t <= 0 {
			t = 10 * time.Second
		}
		c = p.Client(t)
		s.clients[p] = c
	}
	return c
}

func auditEntry(at time.Time, actor, action, subject string, data any) audit.Entry {
	return audit.Entry{At: at, Actor: actor, Action: action, Subject: subject, Data: audit.Data(data)}
}

// Error is a stream-management request refused, with the HTTP status the
// SSF specification gives for it.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func badRequest(format string, args ...any) error {
	return &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &Error{Status: http.StatusNotFound, Msg: fmt.Sprintf(format, args...)}
}
