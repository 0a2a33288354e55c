// Package oktatest is a fake Okta org for tests: the parts of the Okta
// Users, Groups and Sessions APIs the okta connector calls, with the
// documented requests, responses and error bodies, and the same
// refusals. No real Okta is reachable from CI, so this is what the
// connector is proven against; where it must guess at Okta's behaviour it
// guesses strict.
//
// Followed, from developer.okta.com (Management API reference):
//   - Authentication: "Authorization: SSWS {api_token}"; anything else is
//     401 E0000011 "Invalid token provided". A read-only token's write is
//     403 E0000006.
//   - Error body: {errorCode, errorSummary, errorLink, errorId,
//     errorCauses: [{errorSummary}]} (Okta error codes reference).
//   - GET /api/v1/users/{idOrLogin}: the user in any status, or 404
//     E0000007 "Not found: Resource not found: {id} (User)".
//   - GET /api/v1/users?search=: SCIM-style expressions; only the forms
//     the connector sends are understood, anything else is 400 E0000031.
//     DEPROVISIONED users are left out unless the expression names a
//     status (the strict reading of "List all users").
//   - POST /api/v1/users?activate=: login, email, firstName, lastName
//     required (400 E0000001 with errorCauses); a taken login is 400
//     E0000001 "An object with this field already exists". Without
//     credentials an activated user is PROVISIONED, else STAGED.
//   - POST /api/v1/users/{id}: partial profile update.
//   - POST /api/v1/users/{id}/lifecycle/{activate,deactivate,suspend,
//     unsuspend}: suspend only from ACTIVE and unsuspend only from
//     SUSPENDED (400 E0000001 otherwise); activating an active user is 403
//     E0000016. Deactivation ends the user's sessions and tokens.
//   - DELETE /api/v1/users/{id}: deactivates a user that is not
//     DEPROVISIONED, deletes one that is; 204.
//   - DELETE /api/v1/users/{id}/sessions?oauthTokens=true: 204; clears the
//     sessions, and the OAuth tokens only with oauthTokens=true.
//   - DELETE /api/v1/users/{id}/grants: 204; revokes every grant.
//   - GET /api/v1/users/{id}/groups, GET /api/v1/groups?search=,
//     PUT/DELETE /api/v1/groups/{groupId}/users/{userId} (204).
//   - A JSON body must be sent as application/json (415 otherwise) and
//     parse (400 E0000003). A known path with the wrong method is 405
//     E0000022.
//   - Rate limits: 429 E0000047 with X-Rate-Limit-Limit,
//     X-Rate-Limit-Remaining and X-Rate-Limit-Reset (UTC epoch seconds).
package oktatest

import (
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

// User is a user as the fake holds it.
type User struct {
	ID      string            `json:"id"`
	Status  string            `json:"status"`
	Created time.Time         `json:"created"`
	Profile map[string]string `json:"profile"`
}

// Call is one request the fake received (after authentication).
type Call struct {
	Method, Path string
	Query        string
}

func (c Call) String() string {
	s := c.Method + " " + c.Path
	if c.Query != "" {
		s += "?" + c.Query
	}
	return s
}

// Server is a fake Okta org.
type Server struct {
	*httptest.Server
	token, readOnly string

	mu       sync.Mutex
	next     int
	users    map[string]*User
	groups   map[string]string          // id → name
	members  map[string]map[string]bool // group id → user ids
	sessions map[string]int             // user id → live sessions
	tokens   map[string]int             // user id → OAuth tokens
	grants   map[string]int             // user id → consent grants
	calls    []Call
	limited  int            // the next limited requests get 429
	served   int            // 429s answered so far
	reset    time.Time      // their X-Rate-Limit-Reset
	fail     []int          // statuses for the next requests
	failPath map[string]int // path suffix → status, once
}

// New starts a fake org that accepts token (full access) and readOnly
// (reads only; "" for none). It is closed when the test ends.
func New(t interface{ Cleanup(func()) }, token, readOnly string) *Server {
	s := &Server{token: token, readOnly: readOnly, users: map[string]*User{}, groups: map[string]string{},
		members: map[string]map[string]bool{}, sessions: map[string]int{}, tokens: map[string]int{}, grants: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	s.groups["00gEVERYONE"] = "Everyone"
	return s
}

// Seed adds a user with live sessions, OAuth tokens and grants, and
// returns its id. profile must hold login.
func (s *Server) Seed(status string, profile map[string]string, sessions, tokens, grants int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.id("00u")
	s.users[id] = &User{ID: id, Status: status, Created: time.Now().UTC(), Profile: profile}
	s.sessions[id], s.tokens[id], s.grants[id] = sessions, tokens, grants
	return id
}

// AddGroup adds an OKTA_GROUP and returns its id.
func (s *Server) AddGroup(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.id("00g")
	s.groups[id] = name
	return id
}

// User returns a copy of the user with the given id.
func (s *Server) User(id string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// UserByLogin returns the id of the user with the given login.
func (s *Server) UserByLogin(login string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.byLogin(login)
	if u == nil {
		return "", false
	}
	return u.ID, true
}

// Live returns the user's live sessions, OAuth tokens and grants.
func (s *Server) Live(id string) (sessions, tokens, grants int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id], s.tokens[id], s.grants[id]
}

// Member reports whether the user is in the group.
func (s *Server) Member(groupID, userID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.members[groupID][userID]
}

// Calls returns the authenticated requests received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// RateLimit makes the next n requests 429 with X-Rate-Limit-Reset reset.
func (s *Server) RateLimit(n int, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limited, s.reset = n, reset
}

// Served429 counts the 429 answers given so far.
func (s *Server) Served429() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served
}

// Fail makes the next requests answer these statuses, in order, with an
// Okta error body (500 E0000009 and so on).
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, statuses...)
}

// FailPath makes the next request whose path ends with suffix answer
// status, once: a user deleted between two calls, say.
func (s *Server) FailPath(suffix string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failPath == nil {
		s.failPath = map[string]int{}
	}
	s.failPath[suffix] = status
}

func (s *Server) id(prefix string) string {
	s.next++
	return fmt.Sprintf("%s%017d", prefix, s.next)
}

// oktaError writes an Okta error body.
func oktaError(w http.ResponseWriter, status int, code, summary string, causes ...string) {
	cs := make([]map[string]string, 0, len(causes))
	for _, c := range causes {
		cs = append(cs, map[string]string{"errorSummary": c})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errorCode": code, "errorSummary": summary, "errorLink": code,
		"errorId": "oae" + strconv.FormatInt(time.Now().UnixNano(), 36), "errorCauses": cs})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var (
	reUser      = regexp.MustCompile(`^/api/v1/users/([^/]+)$`)
	reLifecycle = regexp.MustCompile(`^/api/v1/users/([^/]+)/lifecycle/([a-z]+)$`)
	reSub       = regexp.MustCompile(`^/api/v1/users/([^/]+)/(sessions|grants|groups)$`)
	reMember    = regexp.MustCompile(`^/api/v1/groups/([^/]+)/users/([^/]+)$`)
	reEmpNo     = regexp.MustCompile(`^profile\.employeeNumber eq "((?:[^"\\]|\\.)*)"$`)
	reGroup     = regexp.MustCompile(`^type eq "OKTA_GROUP" and profile\.name eq "((?:[^"\\]|\\.)*)"$`)
)

func unescape(s string) string { return strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(s) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	full := subtle.ConstantTimeCompare([]byte(auth), []byte("SSWS "+s.token)) == 1
	ro := s.readOnly != "" && subtle.ConstantTimeCompare([]byte(auth), []byte("SSWS "+s.readOnly)) == 1
	if !full && !ro {
		oktaError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery})
	if s.limited > 0 {
		s.limited--
		s.served++
		w.Header().Set("X-Rate-Limit-Limit", "600")
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(s.reset.Unix(), 10))
		oktaError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
		return
	}
	st := 0
	for suffix, code := range s.failPath {
		if strings.HasSuffix(r.URL.Path, suffix) {
			st = code
			delete(s.failPath, suffix)
			break
		}
	}
	if st == 0 && len(s.fail) > 0 {
		st = s.fail[0]
		s.fail = s.fail[1:]
	}
	if st != 0 {
		switch st {
		case http.StatusNotFound:
			s.notFound(w, r.URL.Path, "User")
		case http.StatusForbidden:
			oktaError(w, st, "E0000006", "You do not have permission to perform the requested action")
		default:
			oktaError(w, st, "E0000009", "Internal Server Error")
		}
		return
	}
	if ro && r.Method != http.MethodGet {
		oktaError(w, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost && r.ContentLength != 0 {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			oktaError(w, http.StatusUnsupportedMediaType, "E0000003", "The request body was not well-formed.")
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			oktaError(w, http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
			return
		}
	}
	s.route(w, r, body)
}

func methodNotAllowed(w http.ResponseWriter) {
	oktaError(w, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
}

func (s *Server) notFound(w http.ResponseWriter, id, kind string) {
	oktaError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+id+" ("+kind+")")
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, body map[string]any) {
	p := r.URL.Path
	switch {
	case p == "/api/v1/users":
		switch r.Method {
		case http.MethodGet:
			s.search(w, r)
		case http.MethodPost:
			s.create(w, r, body)
		default:
			methodNotAllowed(w)
		}
	case reLifecycle.MatchString(p):
		m := reLifecycle.FindStringSubmatch(p)
		if r.Method != http.MethodPost {
			methodNotAllowed(w)
			return
		}
		s.lifecycle(w, m[1], m[2])
	case reSub.MatchString(p):
		m := reSub.FindStringSubmatch(p)
		u := s.users[m[1]]
		want := http.MethodDelete
		if m[2] == "groups" {
			want = http.MethodGet
		}
		switch {
		case r.Method != want:
			methodNotAllowed(w)
		case u == nil:
			s.notFound(w, m[1], "User")
		case m[2] == "sessions":
			s.sessions[u.ID] = 0
			if r.URL.Query().Get("oauthTokens") == "true" {
				s.tokens[u.ID] = 0
			}
			w.WriteHeader(http.StatusNoContent)
		case m[2] == "grants":
			s.grants[u.ID] = 0
			w.WriteHeader(http.StatusNoContent)
		default:
			out := []map[string]any{{"id": "00gEVERYONE", "type": "BUILT_IN", "profile": map[string]string{"name": "Everyone"}}}
			for _, gid := range slices.Sorted(maps.Keys(s.members)) {
				if s.members[gid][u.ID] {
					out = append(out, map[string]any{"id": gid, "type": "OKTA_GROUP", "profile": map[string]string{"name": s.groups[gid]}})
				}
			}
			writeJSON(w, http.StatusOK, out)
		}
	case reUser.MatchString(p):
		key := reUser.FindStringSubmatch(p)[1]
		u := s.users[key]
		if u == nil {
			u = s.byLogin(key)
		}
		switch {
		case r.Method != http.MethodGet && r.Method != http.MethodPost && r.Method != http.MethodDelete:
			methodNotAllowed(w)
		case u == nil:
			s.notFound(w, key, "User")
		case r.Method == http.MethodGet:
			writeJSON(w, http.StatusOK, u)
		case r.Method == http.MethodPost:
			prof, _ := body["profile"].(map[string]any)
			for k, v := range prof {
				if sv, ok := v.(string); ok {
					u.Profile[k] = sv
				}
			}
			writeJSON(w, http.StatusOK, u)
		case u.Status != "DEPROVISIONED":
			s.deactivate(u)
			w.WriteHeader(http.StatusNoContent)
		default:
			delete(s.users, u.ID)
			for _, m := range s.members {
				delete(m, u.ID)
			}
			w.WriteHeader(http.StatusNoContent)
		}
	case p == "/api/v1/groups":
		if r.Method != http.MethodGet {
			methodNotAllowed(w)
			return
		}
		m := reGroup.FindStringSubmatch(r.URL.Query().Get("search"))
		if m == nil {
			oktaError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.")
			return
		}
		out := []map[string]any{}
		for _, gid := range slices.Sorted(maps.Keys(s.groups)) {
			if s.groups[gid] == unescape(m[1]) && gid != "00gEVERYONE" {
				out = append(out, map[string]any{"id": gid, "type": "OKTA_GROUP", "profile": map[string]string{"name": s.groups[gid]}})
			}
		}
		writeJSON(w, http.StatusOK, out)
	case reMember.MatchString(p):
		m := reMember.FindStringSubmatch(p)
		switch _, gok := s.groups[m[1]]; {
		case r.Method != http.MethodPut && r.Method != http.MethodDelete:
			methodNotAllowed(w)
		case !gok:
			s.notFound(w, m[1], "UserGroup")
		case s.users[m[2]] == nil:
			s.notFound(w, m[2], "User")
		case r.Method == http.MethodPut:
			if s.members[m[1]] == nil {
				s.members[m[1]] = map[string]bool{}
			}
			s.members[m[1]][m[2]] = true
			w.WriteHeader(http.StatusNoContent)
		default:
			delete(s.members[m[1]], m[2])
			w.WriteHeader(http.StatusNoContent)
		}
	default:
		s.notFound(w, p, "Resource")
	}
}

func (s *Server) byLogin(login string) *User {
	for _, u := range s.users {
		if strings.EqualFold(u.Profile["login"], login) {
			return u
		}
	}
	return nil
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	m := reEmpNo.FindStringSubmatch(r.URL.Query().Get("search"))
	if m == nil {
		oktaError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.")
		return
	}
	out := []*User{}
	for _, id := range slices.Sorted(maps.Keys(s.users)) {
		u := s.users[id]
		if u.Profile["employeeNumber"] == unescape(m[1]) && u.Status != "DEPROVISIONED" {
			out = append(out, u)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, body map[string]any) {
	prof, _ := body["profile"].(map[string]any)
	p := map[string]string{}
	for k, v := range prof {
		if sv, ok := v.(string); ok {
			p[k] = sv
		}
	}
	var causes []string
	for _, k := range []string{"login", "email", "firstName", "lastName"} {
		if strings.TrimSpace(p[k]) == "" {
			causes = append(causes, k+": The field cannot be left blank")
		}
	}
	if p["login"] != "" && s.byLogin(p["login"]) != nil {
		causes = append(causes, "login: An object with this field already exists in the current organization")
	}
	if len(causes) > 0 {
		oktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: "+strings.SplitN(causes[0], ":", 2)[0], causes...)
		return
	}
	st := "STAGED"
	if a := r.URL.Query().Get("activate"); a == "" || a == "true" {
		st = "PROVISIONED" // activated without credentials: waits for the user to set a password
	}
	id := s.id("00u")
	u := &User{ID: id, Status: st, Created: time.Now().UTC(), Profile: p}
	s.users[id] = u
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) deactivate(u *User) {
	u.Status = "DEPROVISIONED"
	s.sessions[u.ID], s.tokens[u.ID] = 0, 0
}

func (s *Server) lifecycle(w http.ResponseWriter, id, op string) {
	u := s.users[id]
	if u == nil {
		s.notFound(w, id, "User")
		return
	}
	switch op {
	case "activate":
		if u.Status != "STAGED" && u.Status != "DEPROVISIONED" {
			oktaError(w, http.StatusForbidden, "E0000016", "Activation failed because the user is already active")
			return
		}
		u.Status = "PROVISIONED"
	case "deactivate":
		s.deactivate(u)
	case "suspend":
		if u.Status != "ACTIVE" {
			oktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: status", "status: Cannot suspend a user that is not active")
			return
		}
		u.Status = "SUSPENDED"
	case "unsuspend":
		if u.Status != "SUSPENDED" {
			oktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: status", "status: Cannot unsuspend a user that is not suspended")
			return
		}
		u.Status = "ACTIVE"
	default:
		s.notFound(w, op, "Resource")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}
