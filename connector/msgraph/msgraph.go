// Package msgraph provisions Microsoft Entra ID users through Microsoft
// Graph and ends their sessions: the core connector (read, ensure,
// disable, delete) and connector.SessionRevoker.
//
// Users are found by the id Tenure recorded, then by userPrincipalName
// (the person's email), then by employeeId, where the person id is written.
// Disable sets accountEnabled to false, which stops new sign-ins;
// RevokeSessions calls revokeSignInSessions, which invalidates every
// refresh token and browser session cookie issued to the user (Graph
// resets signInSessionsValidFromDateTime; Microsoft notes it can take a
// few minutes to reach every service).
//
// Tenure authenticates as an application with the OAuth 2.0 client
// credentials grant against the Microsoft identity platform token
// endpoint; the access token is cached until a minute before it expires,
// and dropped and fetched again once if Graph answers 401.
//
// Errors are classified for the queue: 429, and 503 with Retry-After, are
// rate-limited for the wait Graph asks; 5xx retryable; other 4xx, and a
// token endpoint's refusal (wrong secret, unknown tenant or client),
// permanent, with Graph's error body (error.code, error.message) kept as
// the detail. The client secret and access tokens never reach a log or an
// error.
package msgraph

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/internal/rest"
)

// Conn is a connector to one Entra ID tenant. It is safe for concurrent
// use.
type Conn struct {
	graph string
	rc    *rest.Client
	cache *rest.TokenCache
}

var (
	_ connector.Connector      = (*Conn)(nil)
	_ connector.SessionRevoker = (*Conn)(nil)
)

// New validates cfg and returns the connector. It makes no request: the
// first token is fetched by the first operation.
func New(cfg Config) (*Conn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, connector.NewPermanent(fmt.Errorf("msgraph connector: %w", err), "")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = cfg.Egress.Client(cmp.Or(cfg.Timeout, DefaultTimeout))
	}
	c := &Conn{graph: cfg.graph(),
		rc: &rest.Client{HC: hc, Name: "msgraph", Log: cmp.Or(cfg.Logger, slog.Default()), Secrets: []string{cfg.ClientSecret}}}
	tokenURL := cfg.tokenURL()
	c.cache = &rest.TokenCache{Now: cfg.Now, Fetch: func(ctx context.Context) (string, time.Duration, error) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cfg.ClientID},
			"client_secret": {cfg.ClientSecret}, "scope": {Scope}}
		return c.rc.RequestToken(ctx, tokenURL, form, nil)
	}}
	return c, nil
}

// call is one Graph request; path is escaped and starts with /v1.0/.
type call struct {
	method, path, op string
	query            url.Values
	body             any
}

// do sends cl with a bearer token and returns the response when its status
// is 2xx or in also. A 401 drops the cached token and tries once more.
func (c *Conn) do(ctx context.Context, cl call, also ...int) (*rest.Response, error) {
	req := rest.Request{Method: cl.method, URL: c.graph + cl.path, Op: cl.op}
	if len(cl.query) > 0 {
		req.URL += "?" + strings.ReplaceAll(cl.query.Encode(), "+", "%20")
	}
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return nil, connector.NewPermanent(fmt.Errorf("msgraph %s: encode: %w", cl.op, err), "")
		}
		req.Body, req.ContentType = b, "application/json"
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.cache.Token(ctx)
		if err != nil {
			return nil, err
		}
		req.Header = http.Header{"Authorization": {"Bearer " + tok}}
		rc := *c.rc // a copy that also redacts this access token
		rc.Secrets = append(slices.Clip(c.rc.Secrets), tok)
		resp, err := rc.Do(ctx, req)
		if err != nil {
			return nil, err
		}
		if resp.Status == http.StatusUnauthorized && attempt == 0 {
			c.cache.Invalidate(tok)
			continue
		}
		if resp.OK() || slices.Contains(also, resp.Status) {
			return resp, nil
		}
		e := decodeError(resp.Body)
		return resp, rc.StatusError(cl.op, resp, strings.TrimPrefix(e.Code+": "+e.Message, ": "), 0, false)
	}
}

// graphError is Graph's error body: {"error": {"code", "message",
// "innerError": {"date", "request-id", "client-request-id"}}}.
type graphError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func decodeError(b []byte) graphError {
	var e struct {
		Error graphError `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return e.Error
}

// User is the part of Graph's user resource the connector uses.
type User struct {
	ID                string `json:"id,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	AccountEnabled    *bool  `json:"accountEnabled,omitempty"`
	DisplayName       string `json:"displayName,omitempty"`
	GivenName         string `json:"givenName,omitempty"`
	Surname           string `json:"surname,omitempty"`
	Mail              string `json:"mail,omitempty"`
	MailNickname      string `json:"mailNickname,omitempty"`
	EmployeeID        string `json:"employeeId,omitempty"`
	Department        string `json:"department,omitempty"`
	JobTitle          string `json:"jobTitle,omitempty"`
}

// selectFields is $select: Graph returns only a default set otherwise,
// which leaves out employeeId and department.
const selectFields = "id,userPrincipalName,accountEnabled,displayName,givenName,surname,mail,employeeId,department,jobTitle"

func userPath(id string) string { return "/v1.0/users/" + url.PathEscape(id) }

// find returns s's user: by recorded id, by userPrincipalName, then by
// employeeId.
func (c *Conn) find(ctx context.Context, s connector.Subject) (*User, error) {
	sel := url.Values{"$select": {selectFields}}
	for _, key := range []string{s.ExternalID, cmp.Or(s.UserName, s.Email)} {
		if key == "" {
			continue
		}
		resp, err := c.do(ctx, call{method: http.MethodGet, path: userPath(key), op: "GET /v1.0/users/{id}", query: sel}, http.StatusNotFound)
		if err != nil {
			return nil, err
		}
		if resp.Status == http.StatusNotFound {
			continue
		}
		var u User
		if err := json.Unmarshal(resp.Body, &u); err != nil || u.ID == "" {
			return nil, connector.NewRetryable(errors.New("msgraph GET /v1.0/users/{id}: response is not a user"))
		}
		if u.EmployeeID == "" || u.EmployeeID == s.PersonID || key == s.ExternalID {
			return &u, nil
		}
	}
	if s.PersonID == "" {
		return nil, connector.ErrNotFound
	}
	q := url.Values{"$filter": {"employeeId eq '" + strings.ReplaceAll(s.PersonID, "'", "''") + "'"}, "$select": {selectFields}}
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/v1.0/users", op: "GET /v1.0/users?$filter", query: q})
	if err != nil {
		return nil, err
	}
	var list struct {
		Value []User `json:"value"`
	}
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		return nil, connector.NewRetryable(errors.New("msgraph GET /v1.0/users: response is not a user collection"))
	}
	switch len(list.Value) {
	case 0:
		return nil, connector.ErrNotFound
	case 1:
		return &list.Value[0], nil
	}
	return nil, connector.NewPermanent(fmt.Errorf("msgraph: several users have employeeId %s", s.PersonID), "")
}

func toAccount(u *User, person string) account.Account {
	st := account.Disabled
	if u.AccountEnabled != nil && *u.AccountEnabled {
		st = account.Enabled
	}
	return account.Account{ExternalID: u.ID, PersonID: cmp.Or(u.EmployeeID, person), UserName: u.UserPrincipalName, State: st,
		Attributes: map[string]string{"mail": u.Mail, "department": u.Department, "jobTitle": u.JobTitle}}
}

// Read implements connector.Connector.
func (c *Conn) Read(ctx context.Context, s connector.Subject) (account.Account, error) {
	u, err := c.find(ctx, s)
	if err != nil {
		return account.Account{}, err
	}
	return toAccount(u, s.PersonID), nil
}

// profile is what Tenure writes on every user.
func profile(s connector.Subject) User {
	return User{DisplayName: cmp.Or(s.DisplayName, strings.TrimSpace(s.GivenName+" "+s.FamilyName), s.Email),
		GivenName: s.GivenName, Surname: s.FamilyName, EmployeeID: s.PersonID,
		Department: s.Attributes["department"], JobTitle: s.Attributes["title"]}
}

func same(a, b *User) bool {
	return a.DisplayName == b.DisplayName && a.GivenName == b.GivenName && a.Surname == b.Surname &&
		a.EmployeeID == b.EmployeeID && a.Department == b.Department && a.JobTitle == b.JobTitle
}

// Ensure implements connector.Connector: create with a random password the
// user must change (nobody learns it; they reset it through self-service
// or an admin), or adopt and update, and enable unless s.Disabled.
func (c *Conn) Ensure(ctx context.Context, s connector.Subject) (account.Account, error) {
	want := profile(s)
	u, err := c.find(ctx, s)
	switch {
	case errors.Is(err, connector.ErrNotFound):
		upn := cmp.Or(s.UserName, s.Email)
		if upn == "" {
			return account.Account{}, connector.NewPermanent(errors.New("msgraph: person has no email to use as userPrincipalName"), "")
		}
		enabled := !s.Disabled
		body := struct {
			User
			PasswordProfile map[string]any `json:"passwordProfile"`
		}{User: want, PasswordProfile: map[string]any{"forceChangePasswordNextSignIn": true, "password": randomPassword()}}
		body.UserPrincipalName, body.MailNickname, body.AccountEnabled = upn, nickname(upn), &enabled
		resp, err := c.do(ctx, call{method: http.MethodPost, path: "/v1.0/users", op: "POST /v1.0/users", body: body})
		if err != nil {
			return account.Account{}, err
		}
		var nu User
		if err := json.Unmarshal(resp.Body, &nu); err != nil || nu.ID == "" {
			return account.Account{}, connector.NewRetryable(errors.New("msgraph POST /v1.0/users: response is not a user"))
		}
		return toAccount(&nu, s.PersonID), nil
	case err != nil:
		return account.Account{}, err
	}
	patch := User{}
	if !same(u, &want) {
		patch = want
	}
	if !s.Disabled && (u.AccountEnabled == nil || !*u.AccountEnabled) {
		t := true
		patch.AccountEnabled = &t
	}
	if patch != (User{}) {
		if _, err := c.do(ctx, call{method: http.MethodPatch, path: userPath(u.ID), op: "PATCH /v1.0/users/{id}", body: patch}); err != nil {
			return account.Account{}, err
		}
	}
	return c.Read(ctx, connector.Subject{ExternalID: u.ID, PersonID: s.PersonID})
}

// Disable implements connector.Connector: accountEnabled false.
func (c *Conn) Disable(ctx context.Context, s connector.Subject) error {
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.AccountEnabled != nil && !*u.AccountEnabled {
		return nil
	}
	f := false
	_, err = c.do(ctx, call{method: http.MethodPatch, path: userPath(u.ID), op: "PATCH /v1.0/users/{id}", body: User{AccountEnabled: &f}})
	return err
}

// Delete implements connector.Connector. Entra ID keeps a deleted user
// restorable for 30 days (deletedItems); Tenure sees it as gone.
func (c *Conn) Delete(ctx context.Context, s connector.Subject) error {
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{method: http.MethodDelete, path: userPath(u.ID), op: "DELETE /v1.0/users/{id}"}, http.StatusNotFound)
	return err
}

// RevokeSessions implements connector.SessionRevoker with
// revokeSignInSessions. A person without a user has nothing to revoke.
func (c *Conn) RevokeSessions(ctx context.Context, s connector.Subject) error {
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	const op = "POST /v1.0/users/{id}/revokeSignInSessions"
	resp, err := c.do(ctx, call{method: http.MethodPost, path: userPath(u.ID) + "/revokeSignInSessions", op: op})
	if err != nil {
		return err
	}
	// 200 {"value": true}; 204 is accepted too (the beta endpoint's answer).
	if resp.Status == http.StatusOK {
		var r struct {
			Value *bool `json:"value"`
		}
		if json.Unmarshal(resp.Body, &r) == nil && r.Value != nil && !*r.Value {
			return connector.NewRetryable(fmt.Errorf("msgraph %s: Graph answered value false", op))
		}
	}
	return nil
}

// nickname derives mailNickname from a UPN's local part: Graph allows
// ASCII letters, digits and a few symbols there, at most 64 characters.
func nickname(upn string) string {
	local, _, _ := strings.Cut(upn, "@")
	var b strings.Builder
	for _, r := range local {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_", r)) {
			b.WriteRune(r)
		}
	}
	return cmp.Or(rest.Truncate(b.String(), 64), "user")
}

// randomPassword returns 26 random base32 characters (130 bits) and one of
// each class Entra ID's complexity rule counts.
func randomPassword() string { return rand.Text() + "aA3!" }
