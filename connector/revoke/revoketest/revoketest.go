// Package revoketest is a strict OAuth 2.0 token revocation endpoint (RFC
// 7009) for tests, with a by-user admin endpoint of the same shape beside
// it (see package revoke for why).
//
// Followed:
//   - RFC 7009 §2.1: POST, application/x-www-form-urlencoded, "token"
//     REQUIRED, "token_type_hint" OPTIONAL; the client authenticates (RFC
//     6749 §2.3.1: HTTP Basic with form-urlencoded id and secret, or
//     client_id and client_secret in the body; more than one method is
//     400 invalid_request, RFC 6749 §2.3).
//   - §2.2: 200 on success, and for a token that is invalid or unknown:
//     "invalid tokens do not cause an error response".
//   - §2.2.1: RFC 6749 §5.2 error bodies: 400 invalid_request (missing
//     token, wrong content type), 401 invalid_client with WWW-Authenticate
//     (RFC 6749 §5.2), 400 unsupported_token_type for a type this server
//     does not revoke, 503 with Retry-After when temporarily unable.
//   - RFC 9110: another method is 405 with Allow: POST.
//
// The admin endpoint, POST /admin/revoke, takes "sub" instead of "token"
// and revokes every token of that user; everything else is the same.
package revoketest

import (
	"crypto/subtle"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Token is a token the server issued.
type Token struct {
	Sub, Type string
	Revoked   bool
}

// Server is a fake authorization server's revocation endpoints.
type Server struct {
	*httptest.Server
	ClientID, Secret string
	// AccessNotRevocable makes access tokens unsupported_token_type, as a
	// server with self-contained access tokens answers.
	AccessNotRevocable bool

	mu     sync.Mutex
	tokens map[string]*Token
	calls  []url.Values
	busy   []int // Retry-After seconds for the next requests (503)
}

// New starts the endpoints; closed when the test ends.
func New(t interface{ Cleanup(func()) }, clientID, secret string) *Server {
	s := &Server{ClientID: clientID, Secret: secret, tokens: map[string]*Token{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// RevokeURL is the RFC 7009 endpoint; AdminURL the by-user one.
func (s *Server) RevokeURL() string { return s.URL + "/oauth2/revoke" }

// AdminURL is the by-user endpoint.
func (s *Server) AdminURL() string { return s.URL + "/admin/revoke" }

// Issue records a token of typ ("access_token" or "refresh_token") for sub.
func (s *Server) Issue(token, sub, typ string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = &Token{Sub: sub, Type: typ}
}

// Live returns the tokens of sub not yet revoked.
func (s *Server) Live(sub string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k, t := range s.tokens {
		if t.Sub == sub && !t.Revoked {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Calls returns the accepted requests' forms, client credentials removed.
func (s *Server) Calls() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Busy makes the next request 503 with Retry-After: after.
func (s *Server) Busy(after int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy = append(s.busy, after)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="revoke"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	admin := r.URL.Path == "/admin/revoke"
	if r.URL.Path != "/oauth2/revoke" && !admin {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body does not parse")
		return
	}
	f := r.PostForm
	if len(r.URL.RawQuery) > 0 {
		oauthError(w, http.StatusBadRequest, "invalid_request", "parameters belong in the body")
		return
	}
	// Client authentication: exactly one method.
	id, secret, basic := r.BasicAuth()
	inBody := f.Has("client_secret")
	switch {
	case basic && inBody:
		oauthError(w, http.StatusBadRequest, "invalid_request", "more than one client authentication method")
		return
	case basic:
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	case inBody:
		id, secret = f.Get("client_id"), f.Get("client_secret")
	default:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication required")
		return
	}
	if id != s.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.Secret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if len(s.busy) > 0 {
		after := s.busy[0]
		s.busy = s.busy[1:]
		w.Header().Set("Retry-After", strconv.Itoa(after))
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try later")
		return
	}
	param := "token"
	if admin {
		param = "sub"
	}
	v := f.Get(param)
	if v == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "missing "+param)
		return
	}
	rec := url.Values{}
	for k, vs := range f {
		if k != "client_id" && k != "client_secret" {
			rec[k] = vs
		}
	}
	s.calls = append(s.calls, rec)
	if admin {
		for _, t := range s.tokens {
			if strings.EqualFold(t.Sub, v) {
				t.Revoked = true
			}
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	t := s.tokens[v]
	switch {
	case t == nil:
		// Unknown or invalid: success all the same (§2.2).
	case t.Type == "access_token" && s.AccessNotRevocable:
		oauthError(w, http.StatusBadRequest, "unsupported_token_type", "access tokens are not revocable here")
		return
	default:
		t.Revoked = true
	}
	w.WriteHeader(http.StatusOK)
}
