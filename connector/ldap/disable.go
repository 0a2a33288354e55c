package ldap

import (
	"context"

	goldap "github.com/go-ldap/ldap/v3"
)

// markDisabled applies the disable mode to an enabled entry and returns
// the entry as it is now.
func (c *Conn) markDisabled(ctx context.Context, e *goldap.Entry) (*goldap.Entry, error) {
	d := c.s.Disable
	switch d.Mode {
	case DisableMove:
		return c.moveEntry(ctx, e, d.BaseDN)
	case DisableExpire:
		mod := goldap.NewModifyRequest(e.DN, nil)
		if d.ExpireObjectClass != "-" && !containsFold(e.GetEqualFoldAttributeValues("objectClass"), d.ExpireObjectClass) {
			mod.Add("objectClass", []string{d.ExpireObjectClass})
		}
		mod.Replace(d.ExpireAttr, []string{d.ExpireValue})
		return c.modifyEntry(ctx, "disable (expire) "+e.DN, mod)
	default:
		// Replace, not add: a single-valued lock attribute may hold a
		// temporary lockout, which the permanent lock supersedes.
		mod := goldap.NewModifyRequest(e.DN, nil)
		mod.Replace(d.LockAttr, []string{d.LockValue})
		return c.modifyEntry(ctx, "disable (lock) "+e.DN, mod)
	}
}

// unmarkDisabled undoes the disable mode on a disabled entry (a rehire,
// or a pre-hire's start) and returns the entry as it is now.
func (c *Conn) unmarkDisabled(ctx context.Context, e *goldap.Entry) (*goldap.Entry, error) {
	d := c.s.Disable
	switch d.Mode {
	case DisableMove:
		return c.moveEntry(ctx, e, c.s.UserBaseDN)
	case DisableExpire:
		mod := goldap.NewModifyRequest(e.DN, nil)
		mod.Delete(d.ExpireAttr, nil)
		return c.modifyEntry(ctx, "enable (expire) "+e.DN, mod)
	default:
		mod := goldap.NewModifyRequest(e.DN, nil)
		mod.Delete(d.LockAttr, []string{d.LockValue})
		return c.modifyEntry(ctx, "enable (lock) "+e.DN, mod)
	}
}

// modifyEntry applies mod, treating "already so" as success, and rereads
// the entry.
func (c *Conn) modifyEntry(ctx context.Context, op string, mod *goldap.ModifyRequest) (*goldap.Entry, error) {
	err := c.do(ctx, op, func(l *goldap.Conn) error { return l.Modify(mod) })
	if err != nil && !isCode(err, goldap.LDAPResultNoSuchAttribute) && !isCode(err, goldap.LDAPResultAttributeOrValueExists) {
		return nil, err
	}
	c.s.Logger.DebugContext(ctx, "ldap: "+op)
	return c.reread(ctx, mod.DN)
}

// moveEntry moves the entry under parent, keeping its RDN, and moves its
// group memberships to the new DN (a directory without the refint overlay
// would otherwise keep members that point nowhere).
func (c *Conn) moveEntry(ctx context.Context, e *goldap.Entry, parent string) (*goldap.Entry, error) {
	rdn, _ := rdnOf(e.DN, c.s.RDNAttr)
	newDN := rdn + "," + parent
	req := goldap.NewModifyDNRequest(e.DN, rdn, true, parent)
	err := c.do(ctx, "move "+e.DN+" under "+parent, func(l *goldap.Conn) error { return l.ModifyDN(req) })
	if err != nil && !isCode(err, goldap.LDAPResultEntryAlreadyExists) {
		return nil, err
	}
	if err != nil {
		// The target exists: a move that landed before its reply was lost
		// leaves no source; anything else is a real collision.
		if src, rerr := c.entryAt(ctx, e.DN); rerr != nil || src != nil {
			return nil, err
		}
	}
	if err := c.moveMemberships(ctx, e.DN, newDN); err != nil {
		return nil, err
	}
	c.s.Logger.DebugContext(ctx, "ldap: moved entry", "from", e.DN, "to", newDN)
	return c.reread(ctx, newDN)
}
