// Package msgraphtest is a fake Microsoft identity platform token endpoint
// and Microsoft Graph users API for tests, built from Microsoft's
// documentation, with the same refusals. No real Entra ID is reachable
// from CI; where the fake must guess it guesses strict.
//
// Followed, from learn.microsoft.com:
//   - Token endpoint, client credentials grant ("Microsoft identity
//     platform and the OAuth 2.0 client credentials flow"): POST
//     /{tenant}/oauth2/v2.0/token, application/x-www-form-urlencoded, with
//     client_id, client_secret, scope and grant_type=client_credentials.
//     Success: {token_type: Bearer, expires_in, ext_expires_in,
//     access_token}. Errors are {error, error_description (AADSTS…),
//     error_codes, timestamp, trace_id, correlation_id}: unknown tenant 400
//     invalid_request AADSTS90002; unknown client 400 unauthorized_client
//     AADSTS700016; wrong secret 401 invalid_client AADSTS7000215; a scope
//     other than {resource}/.default 400 invalid_scope AADSTS1002012; other
//     grants 400 unsupported_grant_type AADSTS70003.
//   - Graph errors ("Microsoft Graph error responses and resource types"):
//     {"error": {"code", "message", "innerError": {"date", "request-id",
//     "client-request-id"}}}. No or an unknown token: 401
//     InvalidAuthenticationToken. Missing permission: 403
//     Authorization_RequestDenied "Insufficient privileges to complete the
//     operation.". Unknown user: 404 Request_ResourceNotFound. Throttling
//     ("Microsoft Graph throttling guidance"): 429 TooManyRequests with
//     Retry-After in seconds (503 likewise).
//   - GET /v1.0/users/{id | userPrincipalName}, GET /v1.0/users with
//     $filter=employeeId eq '…' or userPrincipalName eq '…' ({"value": [...]};
//     other filters 400 Request_UnsupportedQuery), POST /v1.0/users (201;
//     accountEnabled, displayName, mailNickname, userPrincipalName and
//     passwordProfile required, 400 Request_BadRequest otherwise or for a
//     taken userPrincipalName), PATCH /v1.0/users/{id} (204), DELETE
//     /v1.0/users/{id} (204).
//   - POST /v1.0/users/{id}/revokeSignInSessions ("user:
//     revokeSignInSessions"): 200 {"@odata.context": …Edm.Boolean,
//     "value": true}; resets signInSessionsValidFromDateTime, which ends
//     every refresh token and session. Needs User.RevokeSessions.All.
//   - A JSON body is sent as application/json (415 otherwise, 400
//     BadRequest when it does not parse); a wrong method is 405.
package msgraphtest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// User is a user as the fake holds it: Graph's JSON properties.
type User map[string]any

// Call is one request the fake received.
type Call struct{ Method, Path, Query string }

func (c Call) String() string {
	if c.Query != "" {
		return c.Method + " " + c.Path + "?" + c.Query
	}
	return c.Method + " " + c.Path
}

// Server is a fake directory with its token endpoint.
type Server struct {
	*httptest.Server
	// Tenant, ClientID and Secret are the credentials the token endpoint
	// accepts.
	Tenant, ClientID, Secret string

	mu          sync.Mutex
	next        int
	issued      map[string]bool // valid access tokens
	tokenCalls  int
	users       map[string]User
	sessions    map[string]int // user id → live refresh tokens/sessions
	revokedAt   map[string]time.Time
	calls       []Call
	throttle    []throttle
	fail        []int
	denyRevoke  bool
	lifetimeSec int
}

type throttle struct {
	status int
	after  int
}

// New starts a fake for the tenant and client; closed when the test ends.
func New(t interface{ Cleanup(func()) }, tenant, clientID, secret string) *Server {
	s := &Server{Tenant: tenant, ClientID: clientID, Secret: secret, issued: map[string]bool{},
		users: map[string]User{}, sessions: map[string]int{}, revokedAt: map[string]time.Time{}, lifetimeSec: 3599}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// TokenURL is the fake's token endpoint for its tenant.
func (s *Server) TokenURL() string { return s.URL + "/" + s.Tenant + "/oauth2/v2.0/token" }

// Seed adds a user with live sessions and returns its id.
func (s *Server) Seed(u User, sessions int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID()
	u = maps.Clone(u)
	u["id"] = id
	s.users[id] = u
	s.sessions[id] = sessions
	return id
}

// User returns a copy of the user.
func (s *Server) User(id string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	return maps.Clone(u), ok
}

// Sessions returns the user's live sessions and when they were last
// revoked (zero if never).
func (s *Server) Sessions(id string) (int, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id], s.revokedAt[id]
}

// Calls returns the Graph requests (not the token requests) received.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// TokenCalls counts the token requests received.
func (s *Server) TokenCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls
}

// ExpireTokens invalidates every access token issued so far, as their
// expiry or a key rollover would.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.issued)
}

// Throttle makes the next Graph request answer status (429 or 503) with
// Retry-After: after.
func (s *Server) Throttle(status, after int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = append(s.throttle, throttle{status, after})
}

// Fail makes the next Graph requests answer these statuses (5xx) with
// Graph's error body and no Retry-After.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, statuses...)
}

// DenyRevoke withholds User.RevokeSessions.All from the app.
func (s *Server) DenyRevoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denyRevoke = true
}

func (s *Server) newID() string {
	s.next++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.next)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") {
		s.token(w, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/v1.0/") {
		graphError(w, http.StatusBadRequest, "BadRequest", "Invalid version: "+r.URL.Path)
		return
	}
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case r.Header.Get("Authorization") == "":
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return
	case !ok || !s.issued[auth]:
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
		return
	}
	s.calls = append(s.calls, Call{r.Method, r.URL.EscapedPath(), r.URL.RawQuery})
	if len(s.throttle) > 0 {
		th := s.throttle[0]
		s.throttle = s.throttle[1:]
		w.Header().Set("Retry-After", strconv.Itoa(th.after))
		code := "TooManyRequests"
		if th.status == http.StatusServiceUnavailable {
			code = "serviceNotAvailable"
		}
		graphError(w, th.status, code, "Too many requests. Please retry after "+strconv.Itoa(th.after)+" seconds.")
		return
	}
	if len(s.fail) > 0 {
		st := s.fail[0]
		s.fail = s.fail[1:]
		graphError(w, st, "generalException", "An unspecified error has occurred.")
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if r.ContentLength != 0 {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				graphError(w, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Content-Type must be application/json.")
				return
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				graphError(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
				return
			}
		}
	}
	s.route(w, r, body)
}

// token implements the client credentials grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.tokenCalls++
	tenant := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/oauth2/v2.0/token")
	if r.Method != http.MethodPost {
		aadError(w, http.StatusMethodNotAllowed, "invalid_request", 900561, "The endpoint only accepts POST requests.")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		aadError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	_ = r.ParseForm()
	f := r.PostForm
	switch {
	case tenant != s.Tenant:
		aadError(w, http.StatusBadRequest, "invalid_request", 90002, "Tenant '"+tenant+"' not found.")
	case f.Get("grant_type") != "client_credentials":
		aadError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
	case f.Get("client_id") != s.ClientID:
		aadError(w, http.StatusBadRequest, "unauthorized_client", 700016, "Application with identifier '"+f.Get("client_id")+"' was not found in the directory.")
	case subtle.ConstantTimeCompare([]byte(f.Get("client_secret")), []byte(s.Secret)) != 1:
		aadError(w, http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
	case f.Get("scope") != "https://graph.microsoft.com/.default":
		aadError(w, http.StatusBadRequest, "invalid_scope", 1002012, "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.")
	default:
		tok := "eyJ0eXAiOiJKV1Qi." + rand.Text()
		s.issued[tok] = true
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": s.lifetimeSec,
			"ext_expires_in": s.lifetimeSec, "access_token": tok})
	}
}

func aadError(w http.ResponseWriter, status int, code string, aadsts int, msg string) {
	writeJSON(w, status, map[string]any{"error": code,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: 0000 Correlation ID: 0000 Timestamp: %s", aadsts, msg, time.Now().UTC().Format(time.DateTime)),
		"error_codes":       []int{aadsts}, "timestamp": time.Now().UTC().Format(time.DateTime),
		"trace_id": "00000000-0000-0000-0000-000000000000", "correlation_id": "00000000-0000-0000-0000-000000000000"})
}

func graphError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg,
		"innerError": map[string]string{"date": time.Now().UTC().Format(time.RFC3339), "request-id": rand.Text(), "client-request-id": rand.Text()}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var (
	reUser   = regexp.MustCompile(`^/v1\.0/users/([^/]+)$`)
	reRevoke = regexp.MustCompile(`^/v1\.0/users/([^/]+)/revokeSignInSessions$`)
	reFilter = regexp.MustCompile(`^(employeeId|userPrincipalName) eq '((?:[^']|'')*)'$`)
)

func (s *Server) lookup(key string) User {
	if u, ok := s.users[key]; ok {
		return u
	}
	for _, u := range s.users {
		if upn, _ := u["userPrincipalName"].(string); strings.EqualFold(upn, key) {
			return u
		}
	}
	return nil
}

func notFound(w http.ResponseWriter, key string) {
	graphError(w, http.StatusNotFound, "Request_ResourceNotFound",
		"Resource '"+key+"' does not exist or one of its queried reference-property objects are not present.")
}

func methodNotAllowed(w http.ResponseWriter) {
	graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.")
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, body map[string]any) {
	p := r.URL.Path
	switch {
	case p == "/v1.0/users" && r.Method == http.MethodGet:
		m := reFilter.FindStringSubmatch(r.URL.Query().Get("$filter"))
		if m == nil {
			graphError(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified.")
			return
		}
		want := strings.ReplaceAll(m[2], "''", "'")
		out := []User{}
		for _, id := range slices.Sorted(maps.Keys(s.users)) {
			if v, _ := s.users[id][m[1]].(string); strings.EqualFold(v, want) {
				out = append(out, s.users[id])
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": out})
	case p == "/v1.0/users" && r.Method == http.MethodPost:
		s.create(w, body)
	case p == "/v1.0/users":
		methodNotAllowed(w)
	case reRevoke.MatchString(p):
		key := reRevoke.FindStringSubmatch(p)[1]
		u := s.lookup(key)
		switch {
		case r.Method != http.MethodPost:
			methodNotAllowed(w)
		case s.denyRevoke:
			graphError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		case u == nil:
			notFound(w, key)
		default:
			id := u["id"].(string)
			s.sessions[id] = 0
			s.revokedAt[id] = time.Now().UTC()
			u["signInSessionsValidFromDateTime"] = s.revokedAt[id].Format(time.RFC3339)
			writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean", "value": true})
		}
	case reUser.MatchString(p):
		key := reUser.FindStringSubmatch(p)[1]
		u := s.lookup(key)
		switch {
		case r.Method != http.MethodGet && r.Method != http.MethodPatch && r.Method != http.MethodDelete:
			methodNotAllowed(w)
		case u == nil:
			notFound(w, key)
		case r.Method == http.MethodGet:
			writeJSON(w, http.StatusOK, selected(u, r.URL.Query().Get("$select")))
		case r.Method == http.MethodPatch:
			for k, v := range body {
				if k == "id" {
					graphError(w, http.StatusBadRequest, "Request_BadRequest", "Property 'id' is read-only and cannot be set.")
					return
				}
				u[k] = v
			}
			w.WriteHeader(http.StatusNoContent)
		default:
			delete(s.users, u["id"].(string))
			w.WriteHeader(http.StatusNoContent)
		}
	default:
		graphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+p+"'.")
	}
}

// selected applies $select: only those properties (and id) come back.
func selected(u User, sel string) User {
	if sel == "" {
		return u
	}
	out := User{"id": u["id"]}
	for f := range strings.SplitSeq(sel, ",") {
		if v, ok := u[f]; ok {
			out[f] = v
		} else {
			out[f] = nil
		}
	}
	return out
}

func (s *Server) create(w http.ResponseWriter, body map[string]any) {
	for _, k := range []string{"accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile"} {
		if v, ok := body[k]; !ok || v == "" || v == nil {
			graphError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property '"+k+"' of resource 'User'.")
			return
		}
	}
	pp, _ := body["passwordProfile"].(map[string]any)
	if pw, _ := pp["password"].(string); len(pw) < 8 {
		graphError(w, http.StatusBadRequest, "Request_BadRequest", "The specified password does not comply with password complexity requirements. Please provide a different password.")
		return
	}
	upn, _ := body["userPrincipalName"].(string)
	if s.lookup(upn) != nil {
		graphError(w, http.StatusBadRequest, "Request_BadRequest", "Another object with the same value for property userPrincipalName already exists.")
		return
	}
	delete(body, "passwordProfile") // never returned
	id := s.newID()
	body["id"] = id
	s.users[id] = body
	writeJSON(w, http.StatusCreated, body)
}
