// Package httpapi is Tenure's HTTP surface: health and metrics, and the
// tenant APIs under /t/{tenant}/…. It is thin: it authenticates, decodes,
// calls the lifecycle service and encodes; it never touches the store.
//
// Every tenant route checks a bearer token bound to that tenant and a
// scope. A token of another tenant gets 401, exactly like a wrong token, so
// a caller learns nothing about tenants that are not theirs.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/signal"
	"github.com/tenure-dev/tenure/token"
)

// Tenants resolves a configured tenant by id.
type Tenants func(id string) (*lifecycle.Tenant, bool)

// Server holds what the handlers need.
type Server struct {
	Service *lifecycle.Service
	Tenants Tenants
	Log     *slog.Logger
	// Ready reports whether the process can serve (store reachable, workers
	// running); nil means always ready.
	Ready func(context.Context) error
	// Metrics serves /metrics; nil serves 404.
	Metrics http.Handler
	// MaxBody bounds request bodies (default 8 MiB).
	MaxBody int64
	// Signals serves the signing keys, the SSF transmitter and the poll
	// endpoint (ssf.go); nil serves none of them.
	Signals *signal.Service

	scimH scimHandlers
}

// Handler returns the routed handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics)
	}
	mux.Handle("POST /t/{tenant}/api/v1/hr/events", s.tenant("hr:write", s.postHREvents))
	mux.Handle("GET /t/{tenant}/api/v1/plan", s.tenant("plan:read", s.getPlan))
	mux.Handle("GET /t/{tenant}/api/v1/hr/pending", s.tenant("hr:read", s.getPending))
	mux.Handle("/t/{tenant}/scim/v2/", s.tenant("scim", s.scim))
	s.ssfRoutes(mux)
	return s.recoverer(mux)
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// tenantHandler serves one tenant's route once the caller is authenticated.
type tenantHandler func(w http.ResponseWriter, r *http.Request, t *lifecycle.Tenant, tok token.Token)

// tenant authenticates the bearer token for the path's tenant and scope.
func (s *Server) tenant(scope string, h tenantHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("tenant")
		presented, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || presented == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tenure"`)
			writeError(w, http.StatusUnauthorized, "a bearer token is required", nil)
			return
		}
		t, known := s.Tenants(id)
		tok, err := s.Service.Authenticate(r.Context(), id, strings.TrimSpace(presented), scope)
		switch {
		case errors.Is(err, token.ErrForbidden) && known:
			writeError(w, http.StatusForbidden, "this token lacks the scope "+scope, nil)
			return
		case err != nil || !known:
			// Unknown tenant, token of another tenant, wrong or revoked
			// token: one answer, so nothing is learned about other tenants.
			if err != nil && !errors.Is(err, token.ErrInvalid) && !errors.Is(err, token.ErrForbidden) {
				s.log().Warn("authenticate", "tenant", id, "err", err)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="tenure", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "invalid token for this tenant", nil)
			return
		}
		h(w, r, t, tok)
	})
}

// recoverer turns a handler panic into a logged 500 rather than a dropped
// connection; the panic is a bug, never the client's fault.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log().Error("handler panic", "path", r.URL.Path, "panic", v)
				writeError(w, http.StatusInternalServerError, "internal error", nil)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// errorBody is every error answer: a message and, for bad input, the list
// of problems with their locations.
type errorBody struct {
	Error   string   `json:"error"`
	Details []string `json:"details,omitempty"`
}

func writeError(w http.ResponseWriter, status int, msg string, details []string) {
	writeJSON(w, status, errorBody{Error: msg, Details: details})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
