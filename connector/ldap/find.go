package ldap

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/tenure-dev/tenure/connector"
)

// errConflict marks a correlation that found an entry, by uid or mail,
// already linked to another person: adopting it would hand one person's
// account to another, and creating a second one would collide on its name.
var errConflict = errors.New("entry belongs to another person")

// who names a subject in errors: its person id, else its login.
func who(s connector.Subject) string {
	return cmp.Or(s.PersonID, s.UserName, s.Email, s.ExternalID)
}

// peopleBases are the subtrees where people's entries live: the users
// base, and the disabled OU when it lies outside it.
func (s *settings) peopleBases() []string {
	out := []string{s.UserBaseDN}
	if s.disabledBase != nil && !s.userBase.AncestorOfFold(s.disabledBase) {
		out = append(out, s.Disable.BaseDN)
	}
	return out
}

// listBases are what List walks: the people bases, then service accounts.
func (s *settings) listBases() []string {
	out := s.peopleBases()
	if s.serviceBase != nil && !s.userBase.AncestorOfFold(s.serviceBase) && !s.userBase.EqualFold(s.serviceBase) {
		out = append(out, s.ServiceBaseDN)
	}
	return out
}

// searchUsers finds the entries matching (attr=value) within the user
// filter under bases. The value is escaped: whatever it holds, it is
// matched as a literal, never as filter syntax.
func (c *Conn) searchUsers(ctx context.Context, bases []string, a, value string) ([]*goldap.Entry, error) {
	filter := fmt.Sprintf("(&%s(%s=%s))", c.s.UserFilter, a, goldap.EscapeFilter(value))
	var out []*goldap.Entry
	for _, base := range bases {
		req := goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
			0, int(c.s.Timeout.Seconds()), false, filter, c.s.userAttrs(), nil)
		es, err := c.search(ctx, "search "+a, req)
		if err != nil {
			if isCode(err, goldap.LDAPResultNoSuchObject) && base != c.s.UserBaseDN {
				continue // an optional base not created yet holds nobody
			}
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}

// entryAt reads the entry at dn; nil when there is none.
func (c *Conn) entryAt(ctx context.Context, dn string) (*goldap.Entry, error) {
	req := goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases,
		0, int(c.s.Timeout.Seconds()), false, "(objectClass=*)", c.s.userAttrs(), nil)
	es, err := c.search(ctx, "read entry", req)
	if isCode(err, goldap.LDAPResultNoSuchObject) || err == nil && len(es) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// find correlates s with an entry: by its known id (entryUUID, or a DN),
// then by person id, then by user name, then by mail. nil when none
// matches. More than one match for a rule is an error, never a guess; so
// is an entry found by name or mail that carries another person's id.
func (c *Conn) find(ctx context.Context, sub connector.Subject) (*goldap.Entry, error) {
	m := c.s.Attributes
	if id := sub.ExternalID; id != "" {
		var es []*goldap.Entry
		var err error
		if strings.Contains(id, "=") {
			var e *goldap.Entry
			if e, err = c.entryAt(ctx, id); e != nil {
				es = append(es, e)
			}
		} else {
			bases := c.s.peopleBases()
			if c.s.serviceBase != nil {
				bases = append(bases, c.s.ServiceBaseDN)
			}
			es, err = c.searchUsers(ctx, bases, entryUUIDAttr, id)
		}
		if err != nil {
			return nil, err
		}
		if len(es) > 0 {
			return es[0], nil
		}
	}
	rules := []struct{ attr, value string }{
		{m.PersonID, sub.PersonID},
		{m.UserName, sub.UserName},
		{m.Email, sub.Email},
	}
	for i, r := range rules {
		if r.value == "" {
			continue
		}
		es, err := c.searchUsers(ctx, c.s.peopleBases(), r.attr, r.value)
		if err != nil {
			return nil, err
		}
		switch {
		case len(es) == 0:
			continue
		case len(es) > 1:
			dns := make([]string, len(es))
			for j, e := range es {
				dns[j] = e.DN
			}
			return nil, connector.NewPermanent(fmt.Errorf("ldap: %d entries have %s=%q (%s): resolve by hand",
				len(es), r.attr, r.value, strings.Join(dns, "; ")), "")
		}
		e := es[0]
		if owner := e.GetEqualFoldAttributeValue(m.PersonID); i > 0 && owner != "" && sub.PersonID != "" && owner != sub.PersonID {
			return nil, connector.NewPermanent(fmt.Errorf("ldap: %s matched by %s=%q has %s %q, not %q: %w",
				e.DN, r.attr, r.value, m.PersonID, owner, sub.PersonID, errConflict), "")
		}
		return e, nil
	}
	return nil, nil
}

// mustFind is find with a missing entry as an error matching
// connector.ErrNotFound.
func (c *Conn) mustFind(ctx context.Context, sub connector.Subject) (*goldap.Entry, error) {
	e, err := c.find(ctx, sub)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, fmt.Errorf("ldap: no entry for %s: %w", who(sub), connector.ErrNotFound)
	}
	return e, nil
}
