// Package okta provisions Okta users over the Okta Users API and ends their
// sessions: the core connector (read, ensure, disable, delete), groups as
// entitlements, and connector.SessionRevoker.
//
// Users are found by the id Tenure recorded, then by login (the person's
// email; GET /api/v1/users/{login} finds a user in any status), then by
// profile.employeeNumber, where the person id is written on create. A
// leaver's RevokeSessions clears every Okta session and revokes the OAuth
// 2.0 and OpenID Connect access and refresh tokens Okta issued them
// (DELETE /api/v1/users/{id}/sessions?oauthTokens=true), then revokes every
// consent grant they gave to apps (DELETE /api/v1/users/{id}/grants), so no
// app can mint them a new token from an old consent.
//
// Errors are classified for the queue: 429 is rate-limited until Okta's
// X-Rate-Limit-Reset (epoch seconds), 5xx retryable, other 4xx permanent,
// with Okta's error body (errorCode, errorSummary, errorCauses) kept as the
// detail. The API token is never logged or put into an error.
package okta

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
	"strconv"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/internal/rest"
)

// Conn is a connector to one Okta org. It is safe for concurrent use.
type Conn struct {
	base  string
	token string
	mode  DisableMode
	rc    *rest.Client
	now   func() time.Time
}

var (
	_ connector.Connector      = (*Conn)(nil)
	_ connector.SessionRevoker = (*Conn)(nil)
	_ connector.GroupManager   = (*Conn)(nil)
)

// New validates cfg and returns the connector. It makes no request:
// an unreachable Okta fails the first operation, which is retried.
func New(cfg Config) (*Conn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, connector.NewPermanent(fmt.Errorf("okta connector: %w", err), "")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = cfg.Egress.Client(cmp.Or(cfg.Timeout, DefaultTimeout))
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Conn{
		base: cfg.base(), token: cfg.Token, mode: cmp.Or(cfg.DisableMode, DisableSuspend), now: now,
		rc: &rest.Client{HC: hc, Name: "okta", Log: cmp.Or(cfg.Logger, slog.Default()), Secrets: []string{cfg.Token}},
	}, nil
}

// call is one API request. path is escaped already; op names it in errors
// without ids or personal data.
type call struct {
	method, path, op string
	query            url.Values
	body             any
}

// do sends c and returns the response when its status is 2xx or in also;
// any other status is the classified error.
func (c *Conn) do(ctx context.Context, cl call, also ...int) (*rest.Response, error) {
	req := rest.Request{Method: cl.method, URL: c.base + cl.path, Op: cl.op,
		Header: http.Header{"Authorization": {"SSWS " + c.token}}}
	if len(cl.query) > 0 {
		req.URL += "?" + cl.query.Encode()
	}
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return nil, connector.NewPermanent(fmt.Errorf("okta %s: encode: %w", cl.op, err), "")
		}
		req.Body, req.ContentType = b, "application/json"
	}
	resp, err := c.rc.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.OK() || slices.Contains(also, resp.Status) {
		return resp, nil
	}
	return resp, c.statusError(cl.op, resp)
}

// statusError classifies an Okta error response. A 429's wait comes from
// X-Rate-Limit-Reset, the epoch second at which the limit window resets
// (Okta's rate limit headers), at least one second.
func (c *Conn) statusError(op string, r *rest.Response) error {
	var wait time.Duration
	hasWait := false
	if r.Status == http.StatusTooManyRequests {
		if reset, err := strconv.ParseInt(strings.TrimSpace(r.Header.Get("X-Rate-Limit-Reset")), 10, 64); err == nil {
			wait, hasWait = min(max(time.Unix(reset, 0).Sub(c.now()), time.Second), rest.MaxWait), true
		}
	}
	return c.rc.StatusError(op, r, decodeError(r.Body).summary(), wait, hasWait)
}

// oktaError is Okta's error body (Okta error codes reference: errorCode,
// errorSummary, errorLink, errorId, errorCauses[].errorSummary).
type oktaError struct {
	ErrorCode    string `json:"errorCode"`
	ErrorSummary string `json:"errorSummary"`
	ErrorCauses  []struct {
		ErrorSummary string `json:"errorSummary"`
	} `json:"errorCauses"`
}

func decodeError(b []byte) oktaError {
	var e oktaError
	_ = json.Unmarshal(b, &e)
	return e
}

func (e oktaError) summary() string {
	s := strings.TrimPrefix(e.ErrorCode+" "+e.ErrorSummary, " ")
	var causes []string
	for _, c := range e.ErrorCauses {
		if c.ErrorSummary != "" {
			causes = append(causes, c.ErrorSummary)
		}
	}
	if len(causes) > 0 {
		s += " (" + strings.Join(causes, "; ") + ")"
	}
	return s
}

// User is the part of Okta's User object the connector uses.
type User struct {
	ID      string  `json:"id"`
	Status  string  `json:"status"`
	Profile Profile `json:"profile"`
}

// Profile holds the Okta base profile attributes Tenure writes.
type Profile struct {
	Login          string `json:"login"`
	Email          string `json:"email"`
	FirstName      string `json:"firstName"`
	LastName       string `json:"lastName"`
	DisplayName    string `json:"displayName,omitempty"`
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	Department     string `json:"department,omitempty"`
	Title          string `json:"title,omitempty"`
}

// Okta user statuses (Users API, "User status").
const (
	StatusStaged        = "STAGED"
	StatusProvisioned   = "PROVISIONED"
	StatusActive        = "ACTIVE"
	StatusRecovery      = "RECOVERY"
	StatusPasswordExp   = "PASSWORD_EXPIRED"
	StatusLockedOut     = "LOCKED_OUT"
	StatusSuspended     = "SUSPENDED"
	StatusDeprovisioned = "DEPROVISIONED"
)

// enabled reports whether a status lets the user in, now or once they
// finish activation or recovery.
func enabled(status string) bool {
	switch status {
	case StatusStaged, StatusSuspended, StatusDeprovisioned:
		return false
	}
	return true
}

func userPath(id string) string { return "/api/v1/users/" + url.PathEscape(id) }

// find returns s's user: by recorded id, by login, then by employeeNumber.
func (c *Conn) find(ctx context.Context, s connector.Subject) (*User, error) {
	for _, key := range []string{s.ExternalID, cmp.Or(s.UserName, s.Email)} {
		if key == "" {
			continue
		}
		resp, err := c.do(ctx, call{method: http.MethodGet, path: userPath(key), op: "GET /api/v1/users/{id}"}, http.StatusNotFound)
		if err != nil {
			return nil, err
		}
		if resp.Status == http.StatusNotFound {
			continue
		}
		u, err := decodeUser(resp.Body)
		if err != nil {
			return nil, err
		}
		// A login match that belongs to someone else is not this person's.
		if u.Profile.EmployeeNumber == "" || u.Profile.EmployeeNumber == s.PersonID || key == s.ExternalID {
			return u, nil
		}
	}
	if s.PersonID == "" {
		return nil, connector.ErrNotFound
	}
	q := url.Values{"search": {`profile.employeeNumber eq "` + escapeFilter(s.PersonID) + `"`}, "limit": {"2"}}
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/api/v1/users", op: "GET /api/v1/users?search", query: q})
	if err != nil {
		return nil, err
	}
	var users []User
	if err := json.Unmarshal(resp.Body, &users); err != nil {
		return nil, connector.NewRetryable(fmt.Errorf("okta GET /api/v1/users: response is not a user list"))
	}
	switch len(users) {
	case 0:
		return nil, connector.ErrNotFound
	case 1:
		return &users[0], nil
	}
	return nil, connector.NewPermanent(fmt.Errorf("okta: several users have employeeNumber %s", s.PersonID), "")
}

func decodeUser(b []byte) (*User, error) {
	var u User
	if err := json.Unmarshal(b, &u); err != nil || u.ID == "" {
		return nil, connector.NewRetryable(errors.New("okta: response is not a user"))
	}
	return &u, nil
}

// escapeFilter escapes a value for a double-quoted Okta search literal.
func escapeFilter(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// Read implements connector.Connector.
func (c *Conn) Read(ctx context.Context, s connector.Subject) (account.Account, error) {
	u, err := c.find(ctx, s)
	if err != nil {
		return account.Account{}, err
	}
	groups, err := c.userGroups(ctx, u.ID)
	if err != nil {
		return account.Account{}, err
	}
	return toAccount(u, s.PersonID, groups), nil
}

func toAccount(u *User, person string, groups []string) account.Account {
	st := account.Disabled
	if enabled(u.Status) {
		st = account.Enabled
	}
	return account.Account{ExternalID: u.ID, PersonID: cmp.Or(u.Profile.EmployeeNumber, person), UserName: u.Profile.Login,
		State: st, Entitlements: groups, Attributes: map[string]string{"status": u.Status, "email": u.Profile.Email}}
}

func profileOf(s connector.Subject) Profile {
	return Profile{
		Login: cmp.Or(s.UserName, s.Email), Email: cmp.Or(s.Email, s.UserName),
		// Okta requires both names; a mononym repeats the one it has.
		FirstName: cmp.Or(s.GivenName, s.FamilyName, s.DisplayName), LastName: cmp.Or(s.FamilyName, s.GivenName, s.DisplayName),
		DisplayName: s.DisplayName, EmployeeNumber: s.PersonID,
		Department: s.Attributes["department"], Title: s.Attributes["title"],
	}
}

// Ensure implements connector.Connector: create (activated unless
// s.Disabled, without sending an activation email), or adopt, update the
// profile, and re-enable a suspended or deactivated user.
func (c *Conn) Ensure(ctx context.Context, s connector.Subject) (account.Account, error) {
	want := profileOf(s)
	if want.Login == "" {
		return account.Account{}, connector.NewPermanent(errors.New("okta: person has no email to use as login"), "")
	}
	u, err := c.find(ctx, s)
	switch {
	case errors.Is(err, connector.ErrNotFound):
		q := url.Values{"activate": {strconv.FormatBool(!s.Disabled)}}
		resp, err := c.do(ctx, call{method: http.MethodPost, path: "/api/v1/users", op: "POST /api/v1/users", query: q,
			body: map[string]any{"profile": want}})
		if err != nil {
			return account.Account{}, err
		}
		if u, err = decodeUser(resp.Body); err != nil {
			return account.Account{}, err
		}
		return toAccount(u, s.PersonID, nil), nil
	case err != nil:
		return account.Account{}, err
	}
	if u.Profile != want {
		// POST is Okta's partial update: only the attributes sent change.
		resp, err := c.do(ctx, call{method: http.MethodPost, path: userPath(u.ID), op: "POST /api/v1/users/{id}",
			body: map[string]any{"profile": want}})
		if err != nil {
			return account.Account{}, err
		}
		if u, err = decodeUser(resp.Body); err != nil {
			return account.Account{}, err
		}
	}
	if !s.Disabled {
		var lc string
		switch u.Status {
		case StatusSuspended:
			lc = "unsuspend"
		case StatusStaged, StatusDeprovisioned:
			lc = "activate"
		}
		if lc != "" {
			if err := c.lifecycle(ctx, u.ID, lc); err != nil {
				return account.Account{}, err
			}
		}
	}
	return c.Read(ctx, connector.Subject{ExternalID: u.ID, PersonID: s.PersonID})
}

// lifecycle runs POST /api/v1/users/{id}/lifecycle/{op}, never emailing
// the user.
func (c *Conn) lifecycle(ctx context.Context, id, op string) error {
	q := url.Values{}
	if op == "activate" || op == "deactivate" {
		q.Set("sendEmail", "false")
	}
	_, err := c.do(ctx, call{method: http.MethodPost, path: userPath(id) + "/lifecycle/" + op,
		op: "POST /api/v1/users/{id}/lifecycle/" + op, query: q})
	return err
}

// Disable implements connector.Connector per the DisableMode.
func (c *Conn) Disable(ctx context.Context, s connector.Subject) error {
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case !enabled(u.Status):
		return nil
	case c.mode == DisableSuspend && u.Status == StatusActive:
		return c.lifecycle(ctx, u.ID, "suspend")
	}
	return c.lifecycle(ctx, u.ID, "deactivate")
}

// Delete implements connector.Connector. Okta deletes only DEPROVISIONED
// users (a DELETE on any other deactivates it), so the user is deactivated
// first, then deleted.
func (c *Conn) Delete(ctx context.Context, s connector.Subject) error {
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.Status != StatusDeprovisioned {
		if err := c.lifecycle(ctx, u.ID, "deactivate"); err != nil {
			return err
		}
	}
	_, err = c.do(ctx, call{method: http.MethodDelete, path: userPath(u.ID), op: "DELETE /api/v1/users/{id}",
		query: url.Values{"sendEmail": {"false"}}}, http.StatusNotFound)
	return err
}

// RevokeSessions implements connector.SessionRevoker: clears every session
// and revokes the user's OAuth tokens, then their consent grants. A person
// without an Okta user has nothing to revoke.
func (c *Conn) RevokeSessions(ctx context.Context, s connector.Subject) error {
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := c.do(ctx, call{method: http.MethodDelete, path: userPath(u.ID) + "/sessions",
		op: "DELETE /api/v1/users/{id}/sessions", query: url.Values{"oauthTokens": {"true"}}}); err != nil {
		return err
	}
	_, err = c.do(ctx, call{method: http.MethodDelete, path: userPath(u.ID) + "/grants", op: "DELETE /api/v1/users/{id}/grants"})
	return err
}
