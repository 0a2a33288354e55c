package ldap

import (
	"context"
	"fmt"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
)

// Service accounts are the entries under ServiceBaseDN. Their owner is the
// DN in OwnerAttr (inetOrgPerson's manager by default): a person's entry,
// whose person id becomes Account.ServiceOwner. An owner DN that names no
// entry leaves ServiceOwner empty, so the account shows as ownerless.

// resolveOwners fills ServiceOwner on the service accounts among accs and
// marks them with the attribute serviceAccount=true.
func (c *Conn) resolveOwners(ctx context.Context, accs []*account.Account) error {
	if c.s.serviceBase == nil {
		return nil
	}
	known := map[string]string{}
	for _, a := range accs {
		dn, err := goldap.ParseDN(a.Attributes["dn"])
		if err != nil || !c.s.serviceBase.AncestorOfFold(dn) {
			continue
		}
		a.Attributes[account.ServiceAttribute] = "true"
		owner := a.Attributes["owner"]
		if owner == "" {
			continue
		}
		key := normDN(owner)
		id, ok := known[key]
		if !ok {
			e, err := c.entryAt(ctx, owner)
			if err != nil {
				return err
			}
			if e != nil {
				id = e.GetEqualFoldAttributeValue(c.s.Attributes.PersonID)
			}
			known[key] = id
		}
		a.ServiceOwner = id
	}
	return nil
}

// TransferOwnership implements connector.OwnershipTransferer: it points
// the service account's OwnerAttr at the new owner's entry. Already owned
// by them: success. A new owner without an entry is Permanent (and
// matches connector.ErrNotFound): the engine hands the transfer to a human.
func (c *Conn) TransferOwnership(ctx context.Context, sa account.Account, newOwner connector.Subject) error {
	if c.s.serviceBase == nil {
		return connector.NewPermanent(fmt.Errorf("ldap: service_base_dn is not configured: no service accounts to transfer"), "")
	}
	e, err := c.find(ctx, connector.Subject{ExternalID: sa.ExternalID})
	if err == nil && e == nil && sa.Attributes["dn"] != "" {
		e, err = c.entryAt(ctx, sa.Attributes["dn"])
	}
	if err != nil {
		return err
	}
	if e == nil {
		return connector.NewPermanent(fmt.Errorf("ldap: service account %s: %w", sa.ExternalID, connector.ErrNotFound), "")
	}
	o, err := c.find(ctx, newOwner)
	if err != nil {
		return err
	}
	if o == nil {
		return connector.NewPermanent(fmt.Errorf("ldap: new owner %s of %s has no entry: %w", who(newOwner), e.DN, connector.ErrNotFound), "")
	}
	if cur := e.GetEqualFoldAttributeValues(c.s.OwnerAttr); len(cur) == 1 && normDN(cur[0]) == normDN(o.DN) {
		return nil
	}
	mod := goldap.NewModifyRequest(e.DN, nil)
	mod.Replace(c.s.OwnerAttr, []string{o.DN})
	if err := c.do(ctx, "transfer ownership of "+e.DN, func(l *goldap.Conn) error { return l.Modify(mod) }); err != nil {
		return err
	}
	c.s.Logger.InfoContext(ctx, "ldap: service account owner changed", "dn", e.DN, "owner", o.DN)
	return nil
}
