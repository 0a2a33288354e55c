package config

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
)

// LDAPConnector holds the keys of the ldap connector type. It is inlined
// into Connector, so the keys sit beside type and url. Names follow
// connector/ldap.Config field by field; empty values take that package's
// defaults (uid naming, inetOrgPerson, groupOfNames, the ppolicy lock).
type LDAPConnector struct {
	// StartTLS upgrades an ldap:// connection before binding. Meaningless
	// (and refused) with ldaps://.
	StartTLS bool `yaml:"start_tls"`
	// CAFile is a PEM bundle that verifies the server's certificate; empty
	// means the system roots. Certificates are always verified.
	CAFile string `yaml:"ca_file"`
	// BindDN is the service account Tenure binds as. Required.
	BindDN string `yaml:"bind_dn"`
	// BindPasswordEnv or BindPasswordFile holds its password: one of them
	// is required. The password itself never appears in this file.
	BindPasswordEnv  string `yaml:"bind_password_env"`
	BindPasswordFile string `yaml:"bind_password_file"`
	// UserBaseDN is the subtree holding people; new entries go directly
	// under it. Required.
	UserBaseDN string `yaml:"user_base_dn"`
	// UserFilter selects user entries; empty means the last object class.
	UserFilter string `yaml:"user_filter"`
	// RDNAttr names new entries (default uid).
	RDNAttr string `yaml:"rdn_attr"`
	// ObjectClasses are written on new entries (default top, person,
	// organizationalPerson, inetOrgPerson).
	ObjectClasses []string `yaml:"object_classes"`
	// Attributes maps a person's fields to LDAP attributes.
	Attributes LDAPAttributes `yaml:"attributes"`
	// GroupBaseDN is the subtree of the groups that are entitlements; empty
	// means the app manages no groups.
	GroupBaseDN string `yaml:"group_base_dn"`
	// GroupStyle is groupOfNames (member, the default) or
	// groupOfUniqueNames (uniqueMember).
	GroupStyle string `yaml:"group_style"`
	// GroupNameAttr holds an entitlement's name on a group (default cn).
	GroupNameAttr string `yaml:"group_name_attr"`
	// MemberOfAttr reads an account's groups from its own entry (memberOf,
	// kept by OpenLDAP's memberof overlay or Active Directory): much faster
	// listings in directories with big groups.
	MemberOfAttr string `yaml:"member_of_attr"`
	// EmptyGroupMember is written when a group's last member leaves (the
	// schema requires one); empty means the group's own DN.
	EmptyGroupMember string `yaml:"empty_group_member"`
	// Disable says how a leaver's entry is disabled.
	Disable LDAPDisable `yaml:"disable"`
	// ServiceBaseDN is a subtree of service-account entries, listed with
	// their owner; empty means there are none.
	ServiceBaseDN string `yaml:"service_base_dn"`
	// OwnerAttr is the DN attribute naming a service account's owner
	// (default manager).
	OwnerAttr string `yaml:"owner_attr"`
	// PageSize is the listing's page size (default 100).
	PageSize int `yaml:"page_size"`
}

// LDAPAttributes maps a person's fields to LDAP attribute names. Empty
// fields take the defaults shown.
type LDAPAttributes struct {
	// PersonID correlates accounts to people: employeeNumber.
	PersonID string `yaml:"person_id"`
	// Email: mail.
	Email string `yaml:"email"`
	// UserName: uid.
	UserName string `yaml:"user_name"`
	// GivenName: givenName.
	GivenName string `yaml:"given_name"`
	// FamilyName: sn.
	FamilyName string `yaml:"family_name"`
	// DisplayName: displayName.
	DisplayName string `yaml:"display_name"`
	// Extra maps roster attributes (department, title, manager) to LDAP
	// attributes.
	Extra map[string]string `yaml:"extra"`
}

// LDAP disable modes.
const (
	LDAPDisableLock   = "lock"
	LDAPDisableExpire = "expire"
	LDAPDisableMove   = "move"
)

// LDAPDisable chooses how an LDAP entry is disabled.
type LDAPDisable struct {
	// Mode is lock (the default: a lock attribute the server enforces),
	// expire (an expiry attribute, RFC 2307 shadowExpire by default) or
	// move (a move to the disabled OU BaseDN).
	Mode string `yaml:"mode"`
	// LockAttr and LockValue tune the lock mode (pwdAccountLockedTime:
	// 000001010000Z by default).
	LockAttr  string `yaml:"lock_attr"`
	LockValue string `yaml:"lock_value"`
	// ExpireAttr and ExpireValue tune the expire mode (shadowExpire: 1).
	ExpireAttr  string `yaml:"expire_attr"`
	ExpireValue string `yaml:"expire_value"`
	// ExpireObjectClass is added before ExpireAttr is written (default
	// shadowAccount; "-" adds none).
	ExpireObjectClass string `yaml:"expire_object_class"`
	// BaseDN is the disabled OU of the move mode; required for it.
	BaseDN string `yaml:"base_dn"`
}

// ldap checks an ldap connector's own keys (its url is checked with scim's).
func (v *validator) ldap(c *Connector, p string) {
	x := &c.LDAP
	if c.TokenEnv != "" || c.TokenFile != "" {
		v.at(p+".token_env", "not used by an ldap connector: give bind_dn and bind_password_env (or bind_password_file)")
	}
	if strings.TrimSpace(x.BindDN) == "" {
		v.at(p+".bind_dn", "required for ldap: the DN Tenure binds as")
	}
	v.secretRef(p, "bind_password_env", x.BindPasswordEnv, "bind_password_file", x.BindPasswordFile, true, "the bind password")
	if strings.TrimSpace(x.UserBaseDN) == "" {
		v.at(p+".user_base_dn", "required for ldap: the subtree holding people")
	}
	if x.StartTLS && strings.HasPrefix(strings.ToLower(c.URL), "ldaps://") {
		v.at(p+".start_tls", "meaningless with ldaps://, which is TLS from the start")
	}
	if u, err := url.Parse(c.URL); err == nil && u.Scheme == "ldap" && !x.StartTLS && !loopbackHost(u.Hostname()) {
		v.at(p+".url", "plain ldap:// would send the bind password in clear: use ldaps:// or start_tls: true (plain ldap only to this machine)")
	}
	if x.GroupStyle != "" && x.GroupStyle != "groupOfNames" && x.GroupStyle != "groupOfUniqueNames" {
		v.at(p+".group_style", "unknown group style %q (known: groupOfNames, groupOfUniqueNames)", x.GroupStyle)
	}
	if x.PageSize < 0 {
		v.at(p+".page_size", "must not be negative, got %d", x.PageSize)
	}
	modes := []string{LDAPDisableLock, LDAPDisableExpire, LDAPDisableMove}
	switch m := x.Disable.Mode; {
	case m != "" && !slices.Contains(modes, m):
		v.at(p+".disable.mode", "unknown disable mode %q (known: %s)", m, strings.Join(modes, ", "))
	case m == LDAPDisableMove && strings.TrimSpace(x.Disable.BaseDN) == "":
		v.at(p+".disable.base_dn", "required for disable mode move: the disabled OU entries are moved to")
	case m != LDAPDisableMove && x.Disable.BaseDN != "":
		v.at(p+".disable.base_dn", "only used by disable mode move")
	}
}

// ldapUnused rejects ldap keys on connectors of other types: a key that
// does nothing would let an operator believe it did.
func (v *validator) ldapUnused(c *Connector, p string) {
	if reflect.ValueOf(c.LDAP).IsZero() {
		return
	}
	rt := reflect.TypeOf(c.LDAP)
	rv := reflect.ValueOf(c.LDAP)
	for i := range rt.NumField() {
		if !rv.Field(i).IsZero() {
			key, _, _ := strings.Cut(rt.Field(i).Tag.Get("yaml"), ",")
			v.at(p+"."+key, "only used by the ldap connector")
		}
	}
}
