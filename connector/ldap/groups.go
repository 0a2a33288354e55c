package ldap

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"

	"github.com/tenure-dev/tenure/connector"
)

// errNoGroups is returned by Grant when no group_base_dn is configured.
var errNoGroups = errors.New("ldap: group_base_dn is not configured: this app manages no groups")

// groupBatch is how many member DNs one membership search asks about.
const groupBatch = 100

// Grant implements connector.GroupManager: it adds the account to the
// group named entitlement (by GroupNameAttr under GroupBaseDN). A group
// that does not exist is a Permanent error: Tenure does not create groups.
func (c *Conn) Grant(ctx context.Context, s connector.Subject, entitlement string) error {
	if c.s.groupBase == nil {
		return connector.NewPermanent(errNoGroups, "")
	}
	g, err := c.findGroup(ctx, entitlement)
	if err != nil {
		return err
	}
	if g == "" {
		return connector.NewPermanent(fmt.Errorf("ldap: no %s with %s=%q under %s", c.s.GroupStyle, c.s.GroupNameAttr, entitlement, c.s.GroupBaseDN), "")
	}
	e, err := c.mustFind(ctx, s)
	if err != nil {
		return err
	}
	return c.addMember(ctx, g, e.DN)
}

// Revoke implements connector.GroupManager: it removes the account from
// the group. An absent account or group holds nothing: success.
func (c *Conn) Revoke(ctx context.Context, s connector.Subject, entitlement string) error {
	if c.s.groupBase == nil {
		return nil
	}
	e, err := c.find(ctx, s)
	if err != nil || e == nil {
		return err
	}
	g, err := c.findGroup(ctx, entitlement)
	if err != nil || g == "" {
		return err
	}
	return c.removeMember(ctx, g, e.DN)
}

// groupFilter matches the configured style's groups with (extra).
func (c *Conn) groupFilter(extra string) string {
	return "(&(objectClass=" + string(c.s.GroupStyle) + ")" + extra + ")"
}

// memberFilter is (member=dn), escaped.
func (c *Conn) memberFilter(dn string) string {
	return "(" + c.s.GroupStyle.memberAttr() + "=" + goldap.EscapeFilter(dn) + ")"
}

// findGroup returns the DN of the group named name; "" when none.
func (c *Conn) findGroup(ctx context.Context, name string) (string, error) {
	filter := c.groupFilter("(" + c.s.GroupNameAttr + "=" + goldap.EscapeFilter(name) + ")")
	es, err := c.search(ctx, "search group", c.groupSearch(c.s.GroupBaseDN, goldap.ScopeWholeSubtree, filter, []string{"1.1"}, nil))
	switch {
	case err != nil:
		return "", err
	case len(es) > 1:
		return "", connector.NewPermanent(fmt.Errorf("ldap: %d groups have %s=%q under %s", len(es), c.s.GroupNameAttr, name, c.s.GroupBaseDN), "")
	case len(es) == 0:
		return "", nil
	}
	return es[0].DN, nil
}

func (c *Conn) groupSearch(base string, scope int, filter string, attrs []string, controls []goldap.Control) *goldap.SearchRequest {
	return goldap.NewSearchRequest(base, scope, goldap.NeverDerefAliases, 0, int(c.s.Timeout.Seconds()), false, filter, attrs, controls)
}

// groupDNsWith lists the groups that have dn as a member.
func (c *Conn) groupDNsWith(ctx context.Context, dn string) ([]string, error) {
	if c.s.groupBase == nil {
		return nil, nil
	}
	es, err := c.search(ctx, "search memberships", c.groupSearch(c.s.GroupBaseDN, goldap.ScopeWholeSubtree, c.groupFilter(c.memberFilter(dn)), []string{"1.1"}, nil))
	if err != nil {
		return nil, err
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.DN
	}
	return out, nil
}

// placeholder is the member a group keeps when its last one leaves.
func (c *Conn) placeholder(group string) string { return cmp.Or(c.s.EmptyGroupMember, group) }

// addMember adds dn to group, dropping the placeholder if the group held
// it. Already a member: success.
func (c *Conn) addMember(ctx context.Context, group, dn string) error {
	ma := c.s.GroupStyle.memberAttr()
	mod := goldap.NewModifyRequest(group, nil)
	mod.Add(ma, []string{dn})
	ph := c.placeholder(group)
	if es, err := c.search(ctx, "read group", c.groupSearch(group, goldap.ScopeBaseObject, c.memberFilter(ph), []string{"1.1"}, nil)); err != nil {
		return err
	} else if len(es) > 0 && normDN(ph) != normDN(dn) {
		mod.Delete(ma, []string{ph})
	}
	err := c.do(ctx, "add member to "+group, func(l *goldap.Conn) error { return l.Modify(mod) })
	if isCode(err, goldap.LDAPResultNoSuchAttribute) {
		// A grant to the same group ran at once and took the placeholder
		// out first: add the member alone.
		mod = goldap.NewModifyRequest(group, nil)
		mod.Add(ma, []string{dn})
		err = c.do(ctx, "add member to "+group, func(l *goldap.Conn) error { return l.Modify(mod) })
	}
	if isCode(err, goldap.LDAPResultAttributeOrValueExists) {
		return nil
	}
	return err
}

// removeMember removes dn from group. Not a member: success. The last
// member is swapped for the placeholder, in one modification, because
// both group styles require at least one member.
func (c *Conn) removeMember(ctx context.Context, group, dn string) error {
	ma := c.s.GroupStyle.memberAttr()
	mod := goldap.NewModifyRequest(group, nil)
	mod.Delete(ma, []string{dn})
	err := c.do(ctx, "remove member from "+group, func(l *goldap.Conn) error { return l.Modify(mod) })
	if isCode(err, goldap.LDAPResultObjectClassViolation) {
		mod = goldap.NewModifyRequest(group, nil)
		mod.Add(ma, []string{c.placeholder(group)})
		mod.Delete(ma, []string{dn})
		err = c.do(ctx, "remove last member from "+group, func(l *goldap.Conn) error { return l.Modify(mod) })
		if isCode(err, goldap.LDAPResultAttributeOrValueExists) {
			// A concurrent removal put the placeholder back already.
			mod = goldap.NewModifyRequest(group, nil)
			mod.Delete(ma, []string{dn})
			err = c.do(ctx, "remove member from "+group, func(l *goldap.Conn) error { return l.Modify(mod) })
		}
	}
	if isCode(err, goldap.LDAPResultNoSuchAttribute) {
		return nil
	}
	return err
}

// moveMemberships points every group that lists from at to instead.
func (c *Conn) moveMemberships(ctx context.Context, from, to string) error {
	groups, err := c.groupDNsWith(ctx, from)
	if err != nil {
		return err
	}
	ma := c.s.GroupStyle.memberAttr()
	for _, g := range groups {
		mod := goldap.NewModifyRequest(g, nil)
		mod.Add(ma, []string{to})
		mod.Delete(ma, []string{from})
		err := c.do(ctx, "move member in "+g, func(l *goldap.Conn) error { return l.Modify(mod) })
		if isCode(err, goldap.LDAPResultAttributeOrValueExists) {
			// Already listed under the new DN (a refint overlay did it).
			err = c.removeMember(ctx, g, from)
		}
		if err != nil && !isCode(err, goldap.LDAPResultNoSuchAttribute) {
			return err
		}
	}
	return nil
}

// groupsOf returns the names of the groups each of dns is a member of,
// keyed by normDN. One search per groupBatch DNs; a values-return control
// (RFC 3876) asks the server to send only the matching member values, not
// every member of every large group. Servers that ignore it send them all
// and the result is the same, only slower.
func (c *Conn) groupsOf(ctx context.Context, entries []*goldap.Entry) (map[string][]string, error) {
	out := map[string][]string{}
	if c.s.groupBase == nil || len(entries) == 0 {
		return out, nil
	}
	if c.s.MemberOfAttr != "" {
		for _, e := range entries {
			out[normDN(e.DN)] = c.s.memberOf(e)
		}
		return out, nil
	}
	dns := make([]string, len(entries))
	for i, e := range entries {
		dns[i] = e.DN
	}
	ma := c.s.GroupStyle.memberAttr()
	for chunk := range slices.Chunk(dns, groupBatch) {
		want := make(map[string]bool, len(chunk))
		var ors strings.Builder
		// The control filters every attribute it names and drops the rest,
		// so the group name is asked for too.
		namePresent, err := goldap.CompileFilter("(" + c.s.GroupNameAttr + "=*)")
		if err != nil {
			return nil, connector.NewPermanent(fmt.Errorf("ldap: group name filter: %w", err), "")
		}
		vr := &valuesReturn{items: []*ber.Packet{namePresent}}
		for _, dn := range chunk {
			want[normDN(dn)] = true
			f := c.memberFilter(dn)
			ors.WriteString(f)
			p, err := goldap.CompileFilter(f)
			if err != nil {
				return nil, connector.NewPermanent(fmt.Errorf("ldap: member filter for %s: %w", dn, err), "")
			}
			vr.items = append(vr.items, p)
		}
		req := c.groupSearch(c.s.GroupBaseDN, goldap.ScopeWholeSubtree, c.groupFilter("(|"+ors.String()+")"),
			[]string{c.s.GroupNameAttr, ma}, []goldap.Control{vr})
		es, err := c.search(ctx, "search memberships", req)
		if err != nil {
			return nil, err
		}
		for _, g := range es {
			name := g.GetEqualFoldAttributeValue(c.s.GroupNameAttr)
			for _, v := range g.GetEqualFoldAttributeValues(ma) {
				if k := normDN(v); want[k] && !slices.Contains(out[k], name) {
					out[k] = append(out[k], name)
				}
			}
		}
	}
	for _, names := range out {
		slices.Sort(names)
	}
	return out, nil
}

// oidValuesReturn is the matched-values control of RFC 3876.
const oidValuesReturn = "1.2.826.0.1.3344810.2.3"

// valuesReturn is the RFC 3876 control: ValuesReturnFilter ::= SEQUENCE
// OF SimpleFilterItem, whose equalityMatch items are encoded exactly as
// the search filter's. Not critical: a server without it returns every
// value.
type valuesReturn struct{ items []*ber.Packet }

func (v *valuesReturn) GetControlType() string { return oidValuesReturn }

func (v *valuesReturn) Encode() *ber.Packet {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Control")
	p.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, oidValuesReturn, "Control Type (Values Return)"))
	val := ber.Encode(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, nil, "Control Value")
	seq := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "ValuesReturnFilter")
	for _, it := range v.items {
		seq.AppendChild(it)
	}
	val.AppendChild(seq)
	p.AppendChild(val)
	return p
}

func (v *valuesReturn) String() string {
	return fmt.Sprintf("Control Type: Values Return (%q) Items: %d", oidValuesReturn, len(v.items))
}
