// Package googletest is a fake Google OAuth 2.0 token endpoint and Admin
// SDK Directory API (users, signOut, tokens) for tests, built from
// Google's documentation, with the same refusals. No real Google
// Workspace is reachable from CI; where the fake must guess it guesses
// strict.
//
// Followed, from developers.google.com:
//   - "Using OAuth 2.0 for Server to Server Applications": POST /token,
//     application/x-www-form-urlencoded, grant_type
//     urn:ietf:params:oauth:grant-type:jwt-bearer and assertion: a JWT
//     signed RS256 with the service account's key (kid its
//     private_key_id), iss the client_email, scope, aud the token URI, exp
//     at most an hour after iat, sub the user to impersonate. Success:
//     {access_token, expires_in: 3599, token_type: Bearer}. Refusals:
//     400 invalid_grant ("Invalid JWT Signature.", "Invalid JWT: Token must
//     be a short-lived token (60 minutes) and in a reasonable timeframe.",
//     "Invalid email or User ID"), 401 unauthorized_client ("Client is
//     unauthorized to retrieve access tokens using this method, or client
//     not authorized for any of the scopes requested.") for a scope not
//     delegated, 400 unsupported_grant_type.
//   - Directory API errors ("Directory API: Error codes" and the standard
//     error model): {"error": {"code", "message", "errors": [{"message",
//     "domain", "reason"}], "status"}}. No token: 401 "Login Required."
//     (reason required); a bad one: 401 "Invalid Credentials" (authError);
//     a token without the method's scope: 403 "Request had insufficient
//     authentication scopes." (insufficientPermissions); unknown user: 404
//     "Resource Not Found: userKey" (notFound); quota: 403
//     userRateLimitExceeded or 429 rateLimitExceeded.
//   - users.get (GET users/{userKey}: id, primary email or alias; an
//     address in a domain the customer does not own is 403 forbidden "Not
//     Authorized to access this resource/api"),
//     users.list (GET users?customer=&query=externalId:…), users.insert
//     (POST users: primaryEmail, name.givenName, name.familyName and
//     password required; a taken email is 409 duplicate), users.patch
//     (PATCH users/{userKey}), users.delete (DELETE, 204), users.signOut
//     (POST users/{userKey}/signOut, empty 204; scope
//     admin.directory.user.security), tokens.list (GET
//     users/{userKey}/tokens, admin#directory#tokenList) and tokens.delete
//     (DELETE users/{userKey}/tokens/{clientId}, 204).
//   - A body must be application/json: form-encoded input is 400 "This
//     API does not support parsing form-encoded input." (parseError).
package googletest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
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

// Scopes the Directory methods need.
const (
	scopeUser     = "https://www.googleapis.com/auth/admin.directory.user"
	scopeSecurity = "https://www.googleapis.com/auth/admin.directory.user.security"
)

// Call is one Directory API request received.
type Call struct{ Method, Path, Query string }

func (c Call) String() string { return c.Method + " " + c.Path }

// Server is a fake Google: token endpoint and Directory API.
type Server struct {
	*httptest.Server
	// Admin is the only subject the service account may act as.
	Admin       string
	clientEmail string
	keyID       string
	key         *rsa.PrivateKey
	// Delegated are the scopes domain-wide delegation grants.
	delegated []string

	mu         sync.Mutex
	next       int
	issued     map[string][]string // access token → its scopes
	tokenCalls int
	users      map[string]map[string]any
	sessions   map[string]int
	apps       map[string][]string // user id → client ids holding tokens
	calls      []Call
	quota      []int // statuses (403/429) for the next requests
	fail       []int // 5xx statuses for the next requests
}

// New starts a fake whose service account has a fresh 2048-bit key and
// whose delegation grants scopes (both Directory scopes when nil).
func New(t interface{ Cleanup(func()) }, admin string, scopes []string) *Server {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	if scopes == nil {
		scopes = []string{scopeUser, scopeSecurity}
	}
	s := &Server{Admin: admin, clientEmail: "tenure@acme-idp.iam.gserviceaccount.com", keyID: "0123456789abcdef",
		key: key, delegated: scopes, issued: map[string][]string{}, users: map[string]map[string]any{},
		sessions: map[string]int{}, apps: map[string][]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// TokenURL is the fake's token endpoint.
func (s *Server) TokenURL() string { return s.URL + "/token" }

// Credentials returns a service account key file for the fake, in the
// format the Cloud console downloads.
func (s *Server) Credentials() []byte {
	der, _ := x509.MarshalPKCS8PrivateKey(s.key)
	b, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": "acme-idp",
		"private_key_id": s.keyID, "private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": s.clientEmail, "client_id": "100000000000000000001", "token_uri": s.TokenURL()})
	return b
}

// Seed adds a user (primaryEmail, suspended, externalIds …) with live
// sessions and OAuth tokens held by the given client ids; returns its id.
func (s *Server) Seed(user map[string]any, sessions int, clients ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := fmt.Sprintf("1%020d", s.next)
	u := maps.Clone(user)
	u["id"], u["kind"] = id, "admin#directory#user"
	s.users[id] = u
	s.sessions[id] = sessions
	s.apps[id] = clients
	return id
}

// User returns a copy of the user.
func (s *Server) User(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	return maps.Clone(u), ok
}

// Live returns the user's sessions and the clients still holding tokens.
func (s *Server) Live(id string) (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id], slices.Clone(s.apps[id])
}

// Calls returns the Directory requests received (after authentication).
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// TokenCalls counts the token requests.
func (s *Server) TokenCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls
}

// Quota makes the next requests fail with quota errors: 403
// userRateLimitExceeded or 429 rateLimitExceeded.
func (s *Server) Quota(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota = append(s.quota, statuses...)
}

// Fail makes the next requests answer these 5xx statuses with Google's
// backendError body.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, statuses...)
}

// IssueToken returns an access token with scopes, as if obtained
// elsewhere (for the pre-obtained token mode).
func (s *Server) IssueToken(scopes ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := "ya29." + rand.Text()
	s.issued[tok] = scopes
	return tok
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func apiError(w http.ResponseWriter, status int, reason, msg string) {
	st := map[int]string{400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
		405: "INVALID_ARGUMENT", 409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED"}[status]
	e := map[string]any{"message": msg, "domain": "global", "reason": reason}
	if status == http.StatusUnauthorized {
		e["location"], e["locationType"] = "Authorization", "header"
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": msg,
		"errors": []any{e}, "status": st}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path == "/token" {
		s.token(w, r)
		return
	}
	auth := r.Header.Get("Authorization")
	tok, isBearer := strings.CutPrefix(auth, "Bearer ")
	scopes, known := s.issued[tok]
	switch {
	case auth == "":
		apiError(w, http.StatusUnauthorized, "required", "Login Required.")
		return
	case !isBearer || !known:
		apiError(w, http.StatusUnauthorized, "authError", "Invalid Credentials")
		return
	}
	s.calls = append(s.calls, Call{r.Method, r.URL.EscapedPath(), r.URL.RawQuery})
	if len(s.quota) > 0 {
		st := s.quota[0]
		s.quota = s.quota[1:]
		if st == http.StatusTooManyRequests {
			apiError(w, st, "rateLimitExceeded", "Rate Limit Exceeded")
		} else {
			apiError(w, st, "userRateLimitExceeded", "User Rate Limit Exceeded")
		}
		return
	}
	if len(s.fail) > 0 {
		st := s.fail[0]
		s.fail = s.fail[1:]
		apiError(w, st, "backendError", "Backend Error")
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut {
		if r.ContentLength != 0 {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				apiError(w, http.StatusBadRequest, "parseError", "This API does not support parsing form-encoded input.")
				return
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				apiError(w, http.StatusBadRequest, "parseError", "Parse Error")
				return
			}
		}
	}
	s.route(w, r, body, scopes)
}

// token implements the JWT bearer grant for the service account.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.tokenCalls++
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "POST only")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Required parameter is missing: grant_type")
		return
	}
	_ = r.ParseForm()
	if g := r.PostForm.Get("grant_type"); g != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+g)
		return
	}
	claims, err := s.verify(r.PostForm.Get("assertion"))
	if err != "" {
		oauthError(w, http.StatusBadRequest, "invalid_grant", err)
		return
	}
	if sub, _ := claims["sub"].(string); sub != s.Admin {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid email or User ID")
		return
	}
	scope, _ := claims["scope"].(string)
	asked := strings.Fields(scope)
	for _, sc := range asked {
		if !slices.Contains(s.delegated, sc) {
			oauthError(w, http.StatusUnauthorized, "unauthorized_client",
				"Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.")
			return
		}
	}
	tok := "ya29." + rand.Text()
	s.issued[tok] = asked
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": 3599, "token_type": "Bearer"})
}

// verify checks an assertion as Google does, returning its claims or the
// error description.
func (s *Server) verify(a string) (map[string]any, string) {
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		return nil, "Invalid JWT: not a JWT"
	}
	enc := base64.RawURLEncoding
	hb, err1 := enc.DecodeString(parts[0])
	cb, err2 := enc.DecodeString(parts[1])
	sig, err3 := enc.DecodeString(parts[2])
	var header, claims map[string]any
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &claims) != nil {
		return nil, "Invalid JWT: malformed"
	}
	if header["alg"] != "RS256" {
		return nil, "Invalid JWT: alg must be RS256"
	}
	if header["kid"] != s.keyID {
		return nil, "Invalid JWT Signature."
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return nil, "Invalid JWT Signature."
	}
	if claims["iss"] != s.clientEmail {
		return nil, "Invalid JWT: iss is not the service account"
	}
	if claims["aud"] != s.TokenURL() {
		return nil, "Invalid JWT: audience is not the token endpoint"
	}
	iat, _ := claims["iat"].(float64)
	exp, _ := claims["exp"].(float64)
	now := float64(time.Now().Unix())
	if exp-iat > 3600 || exp < now || iat > now+300 {
		return nil, "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
	}
	return claims, ""
}

var (
	reUser    = regexp.MustCompile(`^/admin/directory/v1/users/([^/]+)$`)
	reSignOut = regexp.MustCompile(`^/admin/directory/v1/users/([^/]+)/signOut$`)
	reTokens  = regexp.MustCompile(`^/admin/directory/v1/users/([^/]+)/tokens(?:/([^/]+))?$`)
	reQuery   = regexp.MustCompile(`^externalId:(?:'((?:[^'\\]|\\.)*)'|(\S+))$`)
)

// domain is the customer's primary domain: the admin's.
func (s *Server) domain() string {
	_, d, _ := strings.Cut(s.Admin, "@")
	return d
}

func (s *Server) lookup(key string) map[string]any {
	if u, ok := s.users[key]; ok {
		return u
	}
	for _, u := range s.users {
		if e, _ := u["primaryEmail"].(string); strings.EqualFold(e, key) {
			return u
		}
	}
	return nil
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, body map[string]any, scopes []string) {
	p := r.URL.Path
	need := scopeUser
	if reSignOut.MatchString(p) || reTokens.MatchString(p) {
		need = scopeSecurity
	}
	if !slices.Contains(scopes, need) {
		apiError(w, http.StatusForbidden, "insufficientPermissions", "Request had insufficient authentication scopes.")
		return
	}
	notFound := func() { apiError(w, http.StatusNotFound, "notFound", "Resource Not Found: userKey") }
	switch {
	case p == "/admin/directory/v1/users" && r.Method == http.MethodGet:
		q := r.URL.Query()
		if q.Get("customer") == "" && q.Get("domain") == "" {
			apiError(w, http.StatusBadRequest, "badRequest", "Bad Request")
			return
		}
		m := reQuery.FindStringSubmatch(q.Get("query"))
		if m == nil {
			apiError(w, http.StatusBadRequest, "invalid", "Invalid Input: query")
			return
		}
		want := strings.ReplaceAll(m[1]+m[2], `\'`, `'`)
		var out []any
		for _, id := range slices.Sorted(maps.Keys(s.users)) {
			ext, _ := s.users[id]["externalIds"].([]any)
			for _, e := range ext {
				if em, _ := e.(map[string]any); em["value"] == want {
					out = append(out, s.users[id])
					break
				}
			}
		}
		res := map[string]any{"kind": "admin#directory#users"}
		if len(out) > 0 {
			res["users"] = out // omitted when empty, as the API does
		}
		writeJSON(w, http.StatusOK, res)
	case p == "/admin/directory/v1/users" && r.Method == http.MethodPost:
		email, _ := body["primaryEmail"].(string)
		name, _ := body["name"].(map[string]any)
		pw, _ := body["password"].(string)
		switch {
		case email == "":
			apiError(w, http.StatusBadRequest, "required", "Invalid Input: primary_user_email")
		case name == nil || name["givenName"] == "" || name["familyName"] == "" || name["givenName"] == nil || name["familyName"] == nil:
			apiError(w, http.StatusBadRequest, "required", "Invalid Given/Family Name")
		case len(pw) < 8:
			apiError(w, http.StatusBadRequest, "invalid", "Invalid Password")
		case s.lookup(email) != nil:
			apiError(w, http.StatusConflict, "duplicate", "Entity already exists.")
		default:
			s.next++
			id := fmt.Sprintf("1%020d", s.next)
			delete(body, "password")
			body["id"], body["kind"] = id, "admin#directory#user"
			if _, ok := body["suspended"]; !ok {
				body["suspended"] = false
			}
			s.users[id] = body
			writeJSON(w, http.StatusOK, body)
		}
	case p == "/admin/directory/v1/users":
		apiError(w, http.StatusMethodNotAllowed, "badRequest", "Method not allowed")
	case reSignOut.MatchString(p):
		u := s.lookup(reSignOut.FindStringSubmatch(p)[1])
		switch {
		case r.Method != http.MethodPost:
			apiError(w, http.StatusMethodNotAllowed, "badRequest", "Method not allowed")
		case u == nil:
			notFound()
		default:
			s.sessions[u["id"].(string)] = 0
			w.WriteHeader(http.StatusNoContent)
		}
	case reTokens.MatchString(p):
		m := reTokens.FindStringSubmatch(p)
		u := s.lookup(m[1])
		switch {
		case u == nil:
			notFound()
		case m[2] == "" && r.Method == http.MethodGet:
			items := []any{}
			for _, c := range s.apps[u["id"].(string)] {
				items = append(items, map[string]any{"kind": "admin#directory#token", "clientId": c, "displayText": c,
					"scopes": []string{"openid", "email"}, "userKey": u["id"]})
			}
			writeJSON(w, http.StatusOK, map[string]any{"kind": "admin#directory#tokenList", "items": items})
		case m[2] != "" && r.Method == http.MethodDelete:
			id := u["id"].(string)
			i := slices.Index(s.apps[id], m[2])
			if i < 0 {
				apiError(w, http.StatusNotFound, "notFound", "Resource Not Found: clientId")
				return
			}
			s.apps[id] = slices.Delete(s.apps[id], i, i+1)
			w.WriteHeader(http.StatusNoContent)
		default:
			apiError(w, http.StatusMethodNotAllowed, "badRequest", "Method not allowed")
		}
	case reUser.MatchString(p):
		key := reUser.FindStringSubmatch(p)[1]
		if _, domain, ok := strings.Cut(key, "@"); ok && !strings.EqualFold(domain, s.domain()) {
			apiError(w, http.StatusForbidden, "forbidden", "Not Authorized to access this resource/api")
			return
		}
		u := s.lookup(key)
		switch {
		case r.Method != http.MethodGet && r.Method != http.MethodPatch && r.Method != http.MethodDelete:
			apiError(w, http.StatusMethodNotAllowed, "badRequest", "Method not allowed")
		case u == nil:
			notFound()
		case r.Method == http.MethodGet:
			writeJSON(w, http.StatusOK, u)
		case r.Method == http.MethodPatch:
			for k, v := range body {
				u[k] = v
			}
			writeJSON(w, http.StatusOK, u)
		default:
			delete(s.users, u["id"].(string))
			w.WriteHeader(http.StatusNoContent)
		}
	default:
		apiError(w, http.StatusNotFound, "notFound", "Not Found: "+strconv.Quote(p))
	}
}
