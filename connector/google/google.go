// Package google provisions Google Workspace users through the Admin SDK
// Directory API and ends their sessions: the core connector (read, ensure,
// disable, delete) and connector.SessionRevoker.
//
// Users are found by the id Tenure recorded, then by primary email, then
// by externalIds (type organization), where the person id is written.
// Disable suspends the user (suspended: true). RevokeSessions signs the
// user out of every web and device session (POST users/{userKey}/signOut,
// which resets their sign-in cookies) and then revokes every OAuth token
// they granted to an app (users/{userKey}/tokens, listed and deleted one
// client at a time): signing out alone leaves third-party apps' refresh
// tokens working.
//
// Authentication is a service account with domain-wide delegation: the
// connector signs an RFC 7523 JWT bearer assertion (RS256, the key file's
// private key) acting as an admin, and caches the access token until a
// minute before it expires; or a pre-obtained access token. Errors are
// classified for the queue: 429, and 403 with a rate-limit reason
// (rateLimitExceeded, userRateLimitExceeded, quotaExceeded), are
// rate-limited; 5xx retryable; other 4xx and a token endpoint's refusal
// permanent, with Google's error body (error.code, error.message,
// error.errors[].reason) kept as the detail.
package google

import (
	"cmp"
	"context"
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

// quotaWait is the wait for a quota error that names none: Google asks
// for exponential backoff and sends no Retry-After with a 403.
const quotaWait = 10 * time.Second

// Conn is a connector to one Google Workspace customer. It is safe for
// concurrent use.
type Conn struct {
	base     string
	customer string
	rc       *rest.Client
	cache    *rest.TokenCache
}

var (
	_ connector.Connector      = (*Conn)(nil)
	_ connector.SessionRevoker = (*Conn)(nil)
)

// New validates cfg and returns the connector. It makes no request.
func New(cfg Config) (*Conn, error) {
	sa, err := cfg.check()
	if err != nil {
		return nil, connector.NewPermanent(fmt.Errorf("google connector: %w", err), "")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = cfg.Egress.Client(cmp.Or(cfg.Timeout, DefaultTimeout))
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	c := &Conn{base: strings.TrimRight(cmp.Or(cfg.URL, DefaultURL), "/") + "/admin/directory/v1",
		customer: cmp.Or(cfg.Customer, DefaultCustomer)}
	c.rc = &rest.Client{HC: hc, Name: "google", Log: cmp.Or(cfg.Logger, slog.Default()), Secrets: []string{cfg.Token}}
	if sa != nil {
		c.cache = &rest.TokenCache{Now: now, Fetch: fetcher(c.rc, sa, cfg.Subject, now)}
	} else {
		tok := cfg.Token
		c.cache = &rest.TokenCache{Now: now, Fetch: func(context.Context) (string, time.Duration, error) {
			return tok, 100 * 365 * 24 * time.Hour, nil
		}}
	}
	return c, nil
}

type call struct {
	method, path, op string
	query            url.Values
	body             any
}

// do sends cl with a bearer token; a 401 drops the token and tries once
// more.
func (c *Conn) do(ctx context.Context, cl call, also ...int) (*rest.Response, error) {
	req := rest.Request{Method: cl.method, URL: c.base + cl.path, Op: cl.op}
	if len(cl.query) > 0 {
		req.URL += "?" + cl.query.Encode()
	}
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return nil, connector.NewPermanent(fmt.Errorf("google %s: encode: %w", cl.op, err), "")
		}
		req.Body, req.ContentType = b, "application/json"
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.cache.Token(ctx)
		if err != nil {
			return nil, err
		}
		req.Header = http.Header{"Authorization": {"Bearer " + tok}}
		rc := *c.rc
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
		summary := e.Message
		if len(e.Errors) > 0 && e.Errors[0].Reason != "" {
			summary = e.Errors[0].Reason + ": " + summary
		}
		if resp.Status == http.StatusForbidden && e.rateLimited() {
			return resp, c.quotaError(cl.op, resp)
		}
		return resp, rc.StatusError(cl.op, resp, summary, 0, false)
	}
}

// quotaError is the RateLimited error of a 403 with a quota reason:
// Google sends no Retry-After with it and asks for backoff, so the wait is
// quotaWait unless the response names one.
func (c *Conn) quotaError(op string, resp *rest.Response) error {
	wait, ok := rest.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if !ok {
		wait = quotaWait
	}
	e := decodeError(resp.Body)
	return &connector.Error{Class: connector.RateLimited, Wait: wait,
		Err:    fmt.Errorf("google %s: 403 %s", op, c.rc.Redact(rest.Truncate(e.Message, 300))),
		Detail: c.rc.Redact(rest.Truncate(string(resp.Body), rest.MaxDetail))}
}

// apiError is Google's JSON error body: {"error": {"code", "message",
// "errors": [{"message", "domain", "reason"}], "status"}}.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Errors  []struct {
		Reason string `json:"reason"`
	} `json:"errors"`
}

func (e apiError) rateLimited() bool {
	for _, x := range e.Errors {
		switch x.Reason {
		case "rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded":
			return true
		}
	}
	return false
}

func decodeError(b []byte) apiError {
	var e struct {
		Error apiError `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return e.Error
}

// User is the part of the Directory API's user resource the connector uses.
type User struct {
	ID           string       `json:"id,omitempty"`
	PrimaryEmail string       `json:"primaryEmail,omitempty"`
	Name         *Name        `json:"name,omitempty"`
	Suspended    *bool        `json:"suspended,omitempty"`
	ExternalIDs  []ExternalID `json:"externalIds,omitempty"`
	Orgs         []Org        `json:"organizations,omitempty"`
	Password     string       `json:"password,omitempty"`
	ChangePass   *bool        `json:"changePasswordAtNextLogin,omitempty"`
}

// Name is a user's name.
type Name struct {
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
}

// ExternalID is one of a user's external ids.
type ExternalID struct {
	Value string `json:"value"`
	Type  string `json:"type"`
}

// Org is one of a user's organizations.
type Org struct {
	Department string `json:"department,omitempty"`
	Title      string `json:"title,omitempty"`
	Primary    bool   `json:"primary,omitempty"`
}

func (u *User) employeeID() string {
	for _, x := range u.ExternalIDs {
		if x.Type == "organization" {
			return x.Value
		}
	}
	return ""
}

func userPath(key string) string { return "/users/" + url.PathEscape(key) }

// find returns s's user: by recorded id, primary email, then external id.
func (c *Conn) find(ctx context.Context, s connector.Subject) (*User, error) {
	for _, key := range []string{s.ExternalID, cmp.Or(s.Email, s.UserName)} {
		if key == "" {
			continue
		}
		// 403 (not a rate limit) is what users.get answers for an address
		// in a domain the customer does not own: not this customer's user.
		// A real lack of permission fails the search below all the same.
		resp, err := c.do(ctx, call{method: http.MethodGet, path: userPath(key), op: "GET users/{userKey}"},
			http.StatusNotFound, http.StatusForbidden)
		if err != nil {
			return nil, err
		}
		if resp.Status == http.StatusForbidden && decodeError(resp.Body).rateLimited() {
			return nil, c.quotaError("GET users/{userKey}", resp)
		}
		if resp.Status == http.StatusNotFound || resp.Status == http.StatusForbidden {
			continue
		}
		var u User
		if err := json.Unmarshal(resp.Body, &u); err != nil || u.ID == "" {
			return nil, connector.NewRetryable(errors.New("google GET users/{userKey}: response is not a user"))
		}
		if id := u.employeeID(); id == "" || id == s.PersonID || key == s.ExternalID {
			return &u, nil
		}
	}
	if s.PersonID == "" {
		return nil, connector.ErrNotFound
	}
	q := url.Values{"customer": {c.customer}, "query": {"externalId:'" + queryQuote.Replace(s.PersonID) + "'"}, "maxResults": {"2"}}
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/users", op: "GET users?query", query: q})
	if err != nil {
		return nil, err
	}
	var list struct {
		Users []User `json:"users"`
	}
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		return nil, connector.NewRetryable(errors.New("google GET users: response is not a user list"))
	}
	switch len(list.Users) {
	case 0:
		return nil, connector.ErrNotFound
	case 1:
		return &list.Users[0], nil
	}
	return nil, connector.NewPermanent(fmt.Errorf("google: several users have external id %s", s.PersonID), "")
}

func toAccount(u *User, person string) account.Account {
	st := account.Enabled
	if u.Suspended != nil && *u.Suspended {
		st = account.Disabled
	}
	return account.Account{ExternalID: u.ID, PersonID: cmp.Or(u.employeeID(), person), UserName: u.PrimaryEmail, State: st}
}

// Read implements connector.Connector.
func (c *Conn) Read(ctx context.Context, s connector.Subject) (account.Account, error) {
	u, err := c.find(ctx, s)
	if err != nil {
		return account.Account{}, err
	}
	return toAccount(u, s.PersonID), nil
}

// Ensure implements connector.Connector: create (with a random password to
// be changed at first login, which nobody learns), or adopt, update and
// unsuspend unless s.Disabled.
func (c *Conn) Ensure(ctx context.Context, s connector.Subject) (account.Account, error) {
	name := &Name{GivenName: cmp.Or(s.GivenName, s.DisplayName, s.FamilyName), FamilyName: cmp.Or(s.FamilyName, s.GivenName, s.DisplayName)}
	ext := []ExternalID{{Value: s.PersonID, Type: "organization"}}
	var orgs []Org
	if d, t := s.Attributes["department"], s.Attributes["title"]; d != "" || t != "" {
		orgs = []Org{{Department: d, Title: t, Primary: true}}
	}
	u, err := c.find(ctx, s)
	switch {
	case errors.Is(err, connector.ErrNotFound):
		email := cmp.Or(s.Email, s.UserName)
		if email == "" {
			return account.Account{}, connector.NewPermanent(errors.New("google: person has no email to use as primaryEmail"), "")
		}
		t, susp := true, s.Disabled
		body := User{PrimaryEmail: email, Name: name, ExternalIDs: ext, Orgs: orgs, Suspended: &susp,
			Password: randomPassword(), ChangePass: &t}
		resp, err := c.do(ctx, call{method: http.MethodPost, path: "/users", op: "POST users", body: body})
		if err != nil {
			return account.Account{}, err
		}
		var nu User
		if err := json.Unmarshal(resp.Body, &nu); err != nil || nu.ID == "" {
			return account.Account{}, connector.NewRetryable(errors.New("google POST users: response is not a user"))
		}
		return toAccount(&nu, s.PersonID), nil
	case err != nil:
		return account.Account{}, err
	}
	patch := User{Name: name, ExternalIDs: ext, Orgs: orgs}
	if !s.Disabled {
		f := false
		patch.Suspended = &f
	}
	resp, err := c.do(ctx, call{method: http.MethodPatch, path: userPath(u.ID), op: "PATCH users/{userKey}", body: patch})
	if err != nil {
		return account.Account{}, err
	}
	var nu User
	if err := json.Unmarshal(resp.Body, &nu); err != nil || nu.ID == "" {
		return c.Read(ctx, connector.Subject{ExternalID: u.ID, PersonID: s.PersonID})
	}
	return toAccount(&nu, s.PersonID), nil
}

// Disable implements connector.Connector: suspended true.
func (c *Conn) Disable(ctx context.Context, s connector.Subject) error {
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.Suspended != nil && *u.Suspended {
		return nil
	}
	t := true
	_, err = c.do(ctx, call{method: http.MethodPatch, path: userPath(u.ID), op: "PATCH users/{userKey}", body: User{Suspended: &t}})
	return err
}

// Delete implements connector.Connector. Google keeps a deleted user
// restorable for 20 days; Tenure sees it as gone.
func (c *Conn) Delete(ctx context.Context, s connector.Subject) error {
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{method: http.MethodDelete, path: userPath(u.ID), op: "DELETE users/{userKey}"}, http.StatusNotFound)
	return err
}

// RevokeSessions implements connector.SessionRevoker: sign out, then revoke
// every app's OAuth token. A person without a user has nothing to revoke.
func (c *Conn) RevokeSessions(ctx context.Context, s connector.Subject) error {
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := c.do(ctx, call{method: http.MethodPost, path: userPath(u.ID) + "/signOut", op: "POST users/{userKey}/signOut"}); err != nil {
		return err
	}
	resp, err := c.do(ctx, call{method: http.MethodGet, path: userPath(u.ID) + "/tokens", op: "GET users/{userKey}/tokens"})
	if err != nil {
		return err
	}
	var list struct {
		Items []struct {
			ClientID string `json:"clientId"`
		} `json:"items"`
	}
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		return connector.NewRetryable(errors.New("google GET users/{userKey}/tokens: response is not a token list"))
	}
	for _, tk := range list.Items {
		// 404: revoked meanwhile (by the user, or an earlier attempt).
		if _, err := c.do(ctx, call{method: http.MethodDelete, path: userPath(u.ID) + "/tokens/" + url.PathEscape(tk.ClientID),
			op: "DELETE users/{userKey}/tokens/{clientId}"}, http.StatusNotFound); err != nil {
			return err
		}
	}
	return nil
}

// queryQuote escapes a value for a quoted Directory API search term: the
// backslash first, then the quote, so a value ending in \ cannot end the
// term early.
var queryQuote = strings.NewReplacer(`\`, `\\`, `'`, `\'`)
