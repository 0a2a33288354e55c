package ldap

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
)

// Read implements connector.Connector: the entry correlated with s, its
// state per the disable mode and the groups it is a member of.
func (c *Conn) Read(ctx context.Context, s connector.Subject) (account.Account, error) {
	e, err := c.mustFind(ctx, s)
	if err != nil {
		return account.Account{}, err
	}
	return c.account(ctx, e)
}

// account turns an entry into an account with entitlements and owner.
func (c *Conn) account(ctx context.Context, e *goldap.Entry) (account.Account, error) {
	acc := c.s.toAccount(e, time.Now())
	groups, err := c.groupsOf(ctx, []*goldap.Entry{e})
	if err != nil {
		return account.Account{}, err
	}
	acc.Entitlements = groups[normDN(e.DN)]
	if err := c.resolveOwners(ctx, []*account.Account{&acc}); err != nil {
		return account.Account{}, err
	}
	return acc, nil
}

// Ensure implements connector.Connector: it adopts the entry correlated
// with s, or creates one under the users base (the disabled OU for a
// disabled subject in move mode), brings the mapped attributes up to date
// and makes the state match s.Disabled — a rehire's entry is re-enabled.
func (c *Conn) Ensure(ctx context.Context, s connector.Subject) (account.Account, error) {
	e, err := c.find(ctx, s)
	if err != nil {
		return account.Account{}, err
	}
	if e == nil {
		created, cerr := c.create(ctx, s)
		if cerr == nil {
			return c.account(ctx, created)
		}
		// Another worker may have created it between our search and our
		// add (a grant and a create of one joiner run in parallel): look
		// again, and adopt what is there if it is this person's.
		if !isCode(cerr, goldap.LDAPResultEntryAlreadyExists) {
			return account.Account{}, cerr
		}
		if e, err = c.find(ctx, s); err != nil {
			return account.Account{}, err
		}
		if e == nil {
			return account.Account{}, cerr
		}
	}
	if e, err = c.update(ctx, e, s); err != nil {
		return account.Account{}, err
	}
	switch disabled := c.s.isDisabled(e, time.Now()); {
	case s.Disabled && !disabled:
		e, err = c.markDisabled(ctx, e)
	case !s.Disabled && disabled:
		e, err = c.unmarkDisabled(ctx, e)
	}
	if err != nil {
		return account.Account{}, err
	}
	return c.account(ctx, e)
}

// create adds a new entry for s.
func (c *Conn) create(ctx context.Context, s connector.Subject) (*goldap.Entry, error) {
	attrs := c.s.desired(s, true)
	rdnValue := ""
	for _, a := range attrs {
		if strings.EqualFold(a.name, c.s.RDNAttr) {
			rdnValue = a.value
		}
	}
	if rdnValue == "" {
		return nil, connector.NewPermanent(fmt.Errorf("ldap: cannot create an entry for %s: no value for its naming attribute %s", who(s), c.s.RDNAttr), "")
	}
	parent := c.s.UserBaseDN
	classes := slices.Clone(c.s.ObjectClasses)
	d := c.s.Disable
	if s.Disabled {
		switch d.Mode {
		case DisableMove:
			parent = d.BaseDN
		case DisableExpire:
			if d.ExpireObjectClass != "-" && !containsFold(classes, d.ExpireObjectClass) {
				classes = append(classes, d.ExpireObjectClass)
			}
			attrs = append(attrs, attr{d.ExpireAttr, d.ExpireValue})
		default:
			attrs = append(attrs, attr{d.LockAttr, d.LockValue})
		}
	}
	dn := childDN(c.s.RDNAttr, rdnValue, parent)
	req := goldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", classes)
	for _, a := range attrs {
		req.Attribute(a.name, []string{a.value})
	}
	err := c.do(ctx, "add "+dn, func(l *goldap.Conn) error { return l.Add(req) })
	if err != nil {
		if isCode(err, goldap.LDAPResultEntryAlreadyExists) {
			return nil, connector.NewPermanent(fmt.Errorf("ldap: %s exists but does not match user_filter or the correlation attributes of %s: %w", dn, who(s), err), "")
		}
		return nil, err
	}
	c.s.Logger.DebugContext(ctx, "ldap: created entry", "dn", dn)
	e, err := c.entryAt(ctx, dn)
	if err == nil && e == nil {
		err = connector.NewRetryable(fmt.Errorf("ldap: %s not readable after add", dn))
	}
	return e, err
}

// update renames the entry when its naming attribute changed and replaces
// every mapped attribute whose value differs. It returns the entry as it
// is now.
func (c *Conn) update(ctx context.Context, e *goldap.Entry, s connector.Subject) (*goldap.Entry, error) {
	attrs := c.s.desired(s, false)
	dn := e.DN
	for _, a := range attrs {
		if !strings.EqualFold(a.name, c.s.RDNAttr) {
			continue
		}
		if _, cur := rdnOf(dn, c.s.RDNAttr); cur != "" && cur != a.value {
			parent := parentOf(dn)
			newRDN := c.s.RDNAttr + "=" + goldap.EscapeDN(a.value)
			req := goldap.NewModifyDNRequest(dn, newRDN, true, "")
			if err := c.do(ctx, "rename "+dn, func(l *goldap.Conn) error { return l.ModifyDN(req) }); err != nil {
				return nil, err
			}
			newDN := newRDN + "," + parent
			if err := c.moveMemberships(ctx, dn, newDN); err != nil {
				return nil, err
			}
			dn = newDN
		}
	}
	mod := goldap.NewModifyRequest(dn, nil)
	for _, a := range attrs {
		if strings.EqualFold(a.name, c.s.RDNAttr) {
			continue // set by the rename
		}
		if !slices.Contains(e.GetEqualFoldAttributeValues(a.name), a.value) {
			mod.Replace(a.name, []string{a.value})
		}
	}
	if len(mod.Changes) > 0 {
		if err := c.do(ctx, "modify "+dn, func(l *goldap.Conn) error { return l.Modify(mod) }); err != nil {
			return nil, err
		}
		c.s.Logger.DebugContext(ctx, "ldap: updated entry", "dn", dn, "attributes", len(mod.Changes))
	}
	if dn == e.DN && len(mod.Changes) == 0 {
		return e, nil
	}
	return c.reread(ctx, dn)
}

// reread reads an entry the connector just changed.
func (c *Conn) reread(ctx context.Context, dn string) (*goldap.Entry, error) {
	e, err := c.entryAt(ctx, dn)
	if err == nil && e == nil {
		err = connector.NewRetryable(fmt.Errorf("ldap: %s vanished while being changed", dn))
	}
	return e, err
}

// Disable implements connector.Connector with the configured mode.
// Disabling a disabled or absent account succeeds.
func (c *Conn) Disable(ctx context.Context, s connector.Subject) error {
	e, err := c.find(ctx, s)
	if err != nil || e == nil {
		return err
	}
	if c.s.isDisabled(e, time.Now()) {
		return nil
	}
	_, err = c.markDisabled(ctx, e)
	return err
}

// Delete implements connector.Connector: it removes the entry's group
// memberships, then the entry. Deleting an absent account succeeds.
func (c *Conn) Delete(ctx context.Context, s connector.Subject) error {
	e, err := c.find(ctx, s)
	if err != nil || e == nil {
		return err
	}
	groups, err := c.groupDNsWith(ctx, e.DN)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := c.removeMember(ctx, g, e.DN); err != nil {
			return err
		}
	}
	req := goldap.NewDelRequest(e.DN, nil)
	err = c.do(ctx, "delete "+e.DN, func(l *goldap.Conn) error { return l.Del(req) })
	if isCode(err, goldap.LDAPResultNoSuchObject) {
		return nil
	}
	if err == nil {
		c.s.Logger.DebugContext(ctx, "ldap: deleted entry", "dn", e.DN, "groups", len(groups))
	}
	return err
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
}
