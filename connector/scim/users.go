package scimconn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/scim"
)

const usersEndpoint = "/Users"

var userNamePath = scim.AttrPath{Name: "userName"}

// errTaken marks a userName held by an account linked to another person.
var errTaken = errors.New("userName belongs to another person's account")

// errVanished marks an account found by correlation that was gone by the
// time it was written to (404).
var errVanished = errors.New("account deleted while being updated")

// loginName is the userName a subject's account has.
func loginName(s connector.Subject) string { return cmp.Or(s.UserName, s.Email) }

// who names a subject in errors.
func who(s connector.Subject) string { return cmp.Or(s.PersonID, loginName(s), s.ExternalID) }

// find correlates s with an account (see the package documentation):
// by its known id, then by person id, then by userName. The error matches
// connector.ErrNotFound when nothing matches and errTaken when the
// userName is another person's.
func (c *Conn) find(ctx context.Context, s connector.Subject) (scim.Resource, error) {
	if s.ExternalID != "" {
		u, err := c.getUser(ctx, s.ExternalID)
		if err != nil {
			return nil, err
		}
		if u != nil && c.owner(u, s) == "" {
			return u, nil
		}
	}
	name := c.loginName(s)
	if s.PersonID == "" && name == "" {
		return nil, connector.NewPermanent(fmt.Errorf("scim: subject %q has no person id, userName or email to look up", s.ExternalID), "")
	}
	if s.PersonID != "" {
		u, err := c.one(ctx, c.idAttr, s.PersonID, false)
		if u != nil || err != nil {
			return u, err
		}
	}
	if name != "" {
		u, err := c.one(ctx, userNamePath, name, true)
		if err != nil {
			return nil, err
		}
		if u != nil {
			if other := c.owner(u, s); other != "" {
				return nil, fmt.Errorf("%w: %q is account %s of person %s", errTaken, name, u.ID(), other)
			}
			return u, nil
		}
	}
	return nil, fmt.Errorf("scim: no account for %s: %w", who(s), connector.ErrNotFound)
}

// owner returns the person id on u when it is another person's than s's,
// else "".
func (c *Conn) owner(u scim.Resource, s connector.Subject) string {
	if p := attrString(u, c.idAttr); p != "" && s.PersonID != "" && p != s.PersonID {
		return p
	}
	return ""
}

// one returns the single user whose attribute p is value, nil if none. Two
// or more is a Permanent error: duplicates a human must merge.
func (c *Conn) one(ctx context.Context, p scim.AttrPath, value string, fold bool) (scim.Resource, error) {
	users, err := c.where(ctx, usersEndpoint, p, value, fold, "")
	if err != nil || len(users) == 0 {
		return nil, err
	}
	if len(users) > 1 && fold {
		// userName is unique folding case, but a server may keep variants:
		// the exact spelling wins.
		if i := slices.IndexFunc(users, func(u scim.Resource) bool { return attrString(u, p) == value }); i >= 0 {
			return users[i], nil
		}
	}
	if len(users) > 1 {
		ids := make([]string, len(users))
		for i, u := range users {
			ids[i] = u.ID()
		}
		return nil, connector.NewPermanent(fmt.Errorf("scim: %d accounts have %s %q (%s): merge them",
			len(users), p, value, strings.Join(ids, ", ")), "")
	}
	return users[0], nil
}

// getUser returns the user with id, or nil if there is none.
func (c *Conn) getUser(ctx context.Context, id string) (scim.Resource, error) {
	req := request{method: http.MethodGet, path: resourcePath(usersEndpoint, id)}
	resp, err := c.send(ctx, req, http.StatusNotFound)
	if err != nil || resp.status == http.StatusNotFound {
		return nil, err
	}
	return c.decodeResource(req.op(), resp)
}

// Read implements connector.Connector. A userName held by another
// person's account reads as no account.
func (c *Conn) Read(ctx context.Context, s connector.Subject) (account.Account, error) {
	if err := c.ready(ctx); err != nil {
		return account.Account{}, err
	}
	u, err := c.find(ctx, s)
	if errors.Is(err, errTaken) {
		return account.Account{}, fmt.Errorf("scim: no account for %s (%v): %w", who(s), err, connector.ErrNotFound)
	}
	if err != nil {
		return account.Account{}, err
	}
	return c.account(ctx, u)
}

// Ensure implements connector.Connector: it adopts the account
// correlation finds, updating what differs, or creates one.
func (c *Conn) Ensure(ctx context.Context, s connector.Subject) (account.Account, error) {
	if err := c.ready(ctx); err != nil {
		return account.Account{}, err
	}
	if c.loginName(s) == "" {
		return account.Account{}, connector.NewPermanent(fmt.Errorf("scim: %s has no userName or email to create an account with", who(s)), "")
	}
	s, err := c.withManagerRef(ctx, s)
	if err != nil {
		return account.Account{}, err
	}
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) {
		var created bool
		if u, created, err = c.create(ctx, s); created {
			return c.toAccount(u, nil), nil
		}
	}
	if errors.Is(err, errTaken) {
		return account.Account{}, connector.NewPermanent(fmt.Errorf("scim: cannot provision %s: %w", who(s), err), "")
	}
	if err != nil {
		return account.Account{}, err
	}
	if u, err = c.update(ctx, u, c.changes(s, u)); err != nil {
		return account.Account{}, err
	}
	return c.account(ctx, u)
}

// create POSTs a new user. On 409 (the account appeared since the lookup)
// it runs correlation again and returns what it finds, created false.
func (c *Conn) create(ctx context.Context, s connector.Subject) (u scim.Resource, created bool, err error) {
	body := scim.Resource{"schemas": []any{scim.UserURN}}
	for _, ch := range c.changes(s, nil) {
		c.apply(body, ch)
	}
	req := request{method: http.MethodPost, path: usersEndpoint, body: body}
	resp, err := c.send(ctx, req, http.StatusConflict)
	if err != nil {
		return nil, false, err
	}
	if resp.status != http.StatusConflict {
		u, err := c.decodeResource(req.op(), resp)
		if err == nil {
			c.log.Info("scim: created account", "url", c.base, "person", s.PersonID, "id", u.ID())
		}
		return u, err == nil, err
	}
	u, err = c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) || errors.Is(err, errTaken) {
		// The conflict is on something correlation cannot see (another
		// unique attribute, or a person's userName): a human decides.
		conflict := c.statusError(req.op(), resp).(*connector.Error)
		return nil, false, connector.NewPermanent(fmt.Errorf("%w; %v", conflict.Err, err), conflict.Detail)
	}
	return u, false, err
}

// change is one attribute to set: a PATCH replace operation, or an edit
// of the resource for PUT and POST.
type change struct {
	// path is the attribute path: "active", "name.givenName",
	// "urn:…:User:employeeNumber".
	path  string
	value any
}

// changes returns the attributes of s that cur does not already have;
// every attribute of s when cur is nil. Attributes s leaves empty are left
// alone, and comparisons of userName and emails fold case, as the server
// does.
func (c *Conn) changes(s connector.Subject, cur scim.Resource) []change {
	fresh := cur == nil
	var out []change
	set := func(path string, v any, same bool) {
		if fresh || !same {
			out = append(out, change{path, v})
		}
	}
	name := c.loginName(s)
	set("userName", name, strings.EqualFold(str(cur, "userName"), name))
	if s.PersonID != "" {
		set(c.idAttr.String(), s.PersonID, attrString(cur, c.idAttr) == s.PersonID)
	}
	if v := c.builtin(s, "name.givenName", s.GivenName); v != "" {
		set("name.givenName", v, str(object(cur, "name"), "givenName") == v)
	}
	if v := c.builtin(s, "name.familyName", s.FamilyName); v != "" {
		set("name.familyName", v, str(object(cur, "name"), "familyName") == v)
	}
	if v := c.builtin(s, "displayName", s.DisplayName); v != "" {
		set("displayName", v, str(cur, "displayName") == v)
	}
	if s.Email != "" {
		set("emails", withPrimaryEmail(cur, s.Email), hasPrimary(cur, s.Email))
	}
	out = append(out, c.mappedChanges(s, cur, fresh)...)
	set("active", !s.Disabled, active(cur) == !s.Disabled)
	return out
}

// hasPrimary reports whether email is u's primary email (or its only
// one).
func hasPrimary(u scim.Resource, email string) bool {
	emails := objects(u, "emails")
	for _, e := range emails {
		if p, _ := lookup(e, "primary"); strings.EqualFold(str(e, "value"), email) && (truthy(p) || len(emails) == 1) {
			return true
		}
	}
	return false
}

// apply makes ch in res, for a PUT or POST body. An extension
// attribute goes into its schema's object, and the schema into schemas.
func (c *Conn) apply(res scim.Resource, ch change) {
	p, err := parseAttr(ch.path)
	if err != nil {
		setKey(res, ch.path, ch.value)
		return
	}
	m := res
	if p.URN != "" {
		m = child(res, p.URN)
		schemas, _ := lookup(res, "schemas")
		list, _ := schemas.([]any)
		if !slices.ContainsFunc(list, func(v any) bool { s, _ := v.(string); return strings.EqualFold(s, p.URN) }) {
			setKey(res, "schemas", append(slices.Clone(list), p.URN))
		}
	}
	if p.Sub != "" {
		setKey(child(m, p.Name), p.Sub, ch.value)
		return
	}
	setKey(m, p.Name, ch.value)
}

// update writes changes to u: one PATCH of replace operations, or a PUT of
// the whole resource when the server has no PATCH. It returns the user as
// the server now holds it; u when there is nothing to change.
func (c *Conn) update(ctx context.Context, u scim.Resource, changes []change) (scim.Resource, error) {
	if len(changes) == 0 {
		return u, nil
	}
	req := request{path: resourcePath(usersEndpoint, u.ID())}
	if c.capabilities().patch {
		ops := make([]any, len(changes))
		for i, ch := range changes {
			ops[i] = map[string]any{"op": "replace", "path": ch.path, "value": ch.value}
		}
		req.method, req.body = http.MethodPatch, map[string]any{"schemas": []any{scim.PatchOpURN}, "Operations": ops}
	} else {
		body := maps.Clone(u)
		maps.DeleteFunc(body, func(k string, _ any) bool {
			return strings.EqualFold(k, "meta") || strings.EqualFold(k, "groups") // readOnly
		})
		for _, ch := range changes {
			c.apply(body, ch)
		}
		req.method, req.body, req.ifMatch = http.MethodPut, body, c.version(u)
	}
	resp, err := c.send(ctx, req, http.StatusNotFound)
	switch {
	case err != nil:
		return nil, err
	case resp.status == http.StatusNotFound:
		return nil, connector.NewRetryable(fmt.Errorf("%s: %w", req.op(), errVanished))
	case resp.status == http.StatusNoContent || len(resp.body) == 0:
		got, err := c.getUser(ctx, u.ID())
		if err == nil && got == nil {
			err = connector.NewRetryable(fmt.Errorf("%s: %w", req.op(), errVanished))
		}
		return got, err
	}
	return c.decodeResource(req.op(), resp)
}

// version is the ETag to send with a PUT, when the server honours them.
func (c *Conn) version(res scim.Resource) string {
	if !c.capabilities().etag {
		return ""
	}
	return str(object(res, "meta"), "version")
}

// Disable implements connector.Connector: active becomes false. Nothing is
// sent when it is false already or the account is absent.
func (c *Conn) Disable(ctx context.Context, s connector.Subject) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) || errors.Is(err, errTaken) {
		return nil
	}
	if err != nil {
		return err
	}
	if !active(u) {
		return nil
	}
	_, err = c.update(ctx, u, []change{{"active", false}})
	if errors.Is(err, errVanished) {
		return nil // deleted is disabled enough
	}
	return err
}

// Delete implements connector.Connector. An absent account, or one that
// is gone by the time of the DELETE, is success.
func (c *Conn) Delete(ctx context.Context, s connector.Subject) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) || errors.Is(err, errTaken) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = c.send(ctx, request{method: http.MethodDelete, path: resourcePath(usersEndpoint, u.ID())}, http.StatusNotFound)
	if err == nil {
		c.log.Info("scim: deleted account", "url", c.base, "person", s.PersonID, "id", u.ID())
	}
	return err
}

// account maps a user to an account with its entitlements.
func (c *Conn) account(ctx context.Context, u scim.Resource) (account.Account, error) {
	ents, err := c.entitlements(ctx, []scim.Resource{u})
	if err != nil {
		return account.Account{}, err
	}
	return c.toAccount(u, ents[u.ID()]), nil
}

// toAccount maps a user. App is left for the engine to set.
func (c *Conn) toAccount(u scim.Resource, entitlements []string) account.Account {
	acc := account.Account{
		ExternalID:   u.ID(),
		PersonID:     attrString(u, c.idAttr),
		UserName:     str(u, "userName"),
		State:        account.Enabled,
		Entitlements: entitlements,
	}
	if !active(u) {
		acc.State = account.Disabled
	}
	attrs := map[string]string{}
	if e := primaryEmail(u); e != "" {
		attrs["email"] = e
	}
	if d := str(u, "displayName"); d != "" {
		attrs["displayName"] = d
	}
	if len(attrs) > 0 {
		acc.Attributes = attrs
	}
	return acc
}
