package ldap

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
)

// entryUUIDAttr is the stable id of an entry (RFC 4530): unlike the DN it
// survives renames and moves to the disabled OU.
const entryUUIDAttr = "entryUUID"

// attr is one LDAP attribute value the subject asks for.
type attr struct{ name, value string }

// userAttrs are the attributes user searches ask for.
func (s *settings) userAttrs() []string {
	m := s.Attributes
	out := []string{entryUUIDAttr, "objectClass", "cn", m.PersonID, m.Email, m.UserName, m.GivenName, m.FamilyName, m.DisplayName,
		s.Disable.LockAttr, s.Disable.ExpireAttr, s.OwnerAttr}
	for _, a := range m.Extra {
		out = append(out, a)
	}
	if s.MemberOfAttr != "" {
		out = append(out, s.MemberOfAttr)
	}
	return out
}

// memberOf reads an entry's groups from MemberOfAttr: the names of the
// groups under the groups base, sorted.
func (s *settings) memberOf(e *goldap.Entry) []string {
	var out []string
	for _, v := range e.GetEqualFoldAttributeValues(s.MemberOfAttr) {
		dn, err := goldap.ParseDN(v)
		if err != nil || len(dn.RDNs) == 0 || !s.groupBase.AncestorOfFold(dn) {
			continue
		}
		for _, tv := range dn.RDNs[0].Attributes {
			if strings.EqualFold(tv.Type, s.GroupNameAttr) && !slices.Contains(out, tv.Value) {
				out = append(out, tv.Value)
			}
		}
	}
	slices.Sort(out)
	return out
}

// desired lists the attributes s maps to, in a stable order, one value
// each. For a new entry (create) the schema's required cn and sn get a
// fallback when the subject lacks the field they come from; an update
// leaves what it has no value for alone.
func (s *settings) desired(sub connector.Subject, create bool) []attr {
	m := s.Attributes
	cn := sub.DisplayName
	if cn == "" && (sub.GivenName != "" || sub.FamilyName != "") {
		cn = strings.TrimSpace(sub.GivenName + " " + sub.FamilyName)
	}
	sn := sub.FamilyName
	if create {
		cn = cmp.Or(cn, sub.UserName, sub.Email, sub.PersonID)
		sn = cmp.Or(sn, sub.UserName, sub.Email, sub.PersonID)
	}
	var out []attr
	add := func(name, v string) {
		if v == "" {
			return
		}
		for _, a := range out {
			if strings.EqualFold(a.name, name) {
				return
			}
		}
		out = append(out, attr{name, v})
	}
	add(m.PersonID, sub.PersonID)
	add(m.UserName, sub.UserName)
	add(m.Email, sub.Email)
	add(m.GivenName, sub.GivenName)
	add(m.FamilyName, sn)
	add(m.DisplayName, sub.DisplayName)
	add("cn", cn)
	keys := make([]string, 0, len(m.Extra))
	for k := range m.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		add(m.Extra[k], sub.Attributes[k])
	}
	return out
}

// isDisabled reports whether the entry carries the disable mode's mark.
func (s *settings) isDisabled(e *goldap.Entry, now time.Time) bool {
	d := s.Disable
	switch d.Mode {
	case DisableExpire:
		for _, v := range e.GetEqualFoldAttributeValues(d.ExpireAttr) {
			if strings.EqualFold(v, d.ExpireValue) {
				return true
			}
			// A shadowExpire-style day number: expired once that day has come.
			if days, err := strconv.ParseInt(v, 10, 64); err == nil && days >= 0 && days <= now.Unix()/86400 {
				return true
			}
		}
		return false
	case DisableMove:
		dn, err := goldap.ParseDN(e.DN)
		return err == nil && s.disabledBase.AncestorOfFold(dn)
	default:
		for _, v := range e.GetEqualFoldAttributeValues(d.LockAttr) {
			if strings.EqualFold(v, d.LockValue) {
				return true
			}
		}
		return false
	}
}

// toAccount reads an entry into an account (without entitlements).
func (s *settings) toAccount(e *goldap.Entry, now time.Time) account.Account {
	m := s.Attributes
	acc := account.Account{
		ExternalID: cmp.Or(e.GetEqualFoldAttributeValue(entryUUIDAttr), e.DN),
		PersonID:   e.GetEqualFoldAttributeValue(m.PersonID),
		UserName:   e.GetEqualFoldAttributeValue(m.UserName),
		State:      account.Enabled,
		SeenAt:     now,
	}
	if s.isDisabled(e, now) {
		acc.State = account.Disabled
	}
	attrs := map[string]string{"dn": e.DN}
	set := func(k, ldapAttr string) {
		if v := e.GetEqualFoldAttributeValue(ldapAttr); v != "" {
			attrs[k] = v
		}
	}
	set("email", m.Email)
	set("userName", m.UserName)
	set("givenName", m.GivenName)
	set("familyName", m.FamilyName)
	set("displayName", m.DisplayName)
	if attrs["displayName"] == "" {
		set("displayName", "cn")
	}
	for k, a := range m.Extra {
		set(k, a)
	}
	if s.serviceBase != nil {
		if dn, err := goldap.ParseDN(e.DN); err == nil && s.serviceBase.AncestorOfFold(dn) {
			set("owner", s.OwnerAttr)
		}
	}
	acc.Attributes = attrs
	return acc
}

// normDN is a DN's comparison key: types and values folded to lower case
// (the naming attributes of people and groups match case-insensitively),
// escapes and spacing normalised. "" when s is not a DN.
func normDN(s string) string {
	d, err := goldap.ParseDN(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(d.String())
}

// rdnOf returns the first RDN of dn as a string ("uid=ann") and its value
// for attribute a ("" when the RDN is not on a).
func rdnOf(dn, a string) (rdn, value string) {
	d, err := goldap.ParseDN(dn)
	if err != nil || len(d.RDNs) == 0 {
		return "", ""
	}
	r := d.RDNs[0]
	for _, tv := range r.Attributes {
		if strings.EqualFold(tv.Type, a) {
			value = tv.Value
		}
	}
	return r.String(), value
}

// childDN is attr=value,parent with the value escaped (RFC 4514).
func childDN(a, value, parent string) string {
	return a + "=" + goldap.EscapeDN(value) + "," + parent
}

// parentOf is dn without its first RDN, normalised ("" for a one-RDN DN).
func parentOf(dn string) string {
	d, err := goldap.ParseDN(dn)
	if err != nil || len(d.RDNs) < 2 {
		return ""
	}
	return (&goldap.DN{RDNs: d.RDNs[1:]}).String()
}
