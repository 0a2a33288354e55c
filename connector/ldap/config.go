package ldap

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// Defaults for the zero values of Config.
const (
	// DefaultTimeout bounds dialing and each LDAP operation.
	DefaultTimeout = 30 * time.Second
	// DefaultPageSize is the Simple Paged Results page size of List.
	DefaultPageSize = 100
	// DefaultRDNAttr names new entries uid=<userName>,<users base>.
	DefaultRDNAttr = "uid"
	// DefaultLockAttr and DefaultLockValue are OpenLDAP ppolicy's
	// permanent lock: "000001010000Z" in pwdAccountLockedTime means locked
	// until an administrator removes it, and the server refuses binds.
	DefaultLockAttr  = "pwdAccountLockedTime"
	DefaultLockValue = "000001010000Z"
	// DefaultExpireAttr and DefaultExpireValue are the shadow password
	// expiry of RFC 2307 (days since 1970-01-01): 1 is long past, so PAM
	// and NSS clients refuse the account.
	DefaultExpireAttr  = "shadowExpire"
	DefaultExpireValue = "1"
	// DefaultExpireObjectClass is added to an entry that lacks it before
	// the expiry attribute is written (shadowExpire belongs to it).
	DefaultExpireObjectClass = "shadowAccount"
	// DefaultGroupNameAttr holds an entitlement's name on a group entry.
	DefaultGroupNameAttr = "cn"
	// DefaultOwnerAttr is the DN-valued attribute naming a service
	// account's owner: inetOrgPerson's manager.
	DefaultOwnerAttr = "manager"
)

// DefaultObjectClasses are the object classes of a new user entry.
var DefaultObjectClasses = []string{"top", "person", "organizationalPerson", "inetOrgPerson"}

// DisableMode is how an account is disabled.
type DisableMode string

// Disable modes.
const (
	// DisableLock writes Disable.LockAttr: Disable.LockValue (OpenLDAP's
	// ppolicy lock by default, which the server itself enforces on bind).
	DisableLock DisableMode = "lock"
	// DisableExpire writes Disable.ExpireAttr: Disable.ExpireValue (RFC
	// 2307 shadowExpire by default, enforced by PAM/NSS clients).
	DisableExpire DisableMode = "expire"
	// DisableMove moves the entry under Disable.BaseDN (ModifyDN), out of
	// the subtree the apps search, and moves its group memberships along.
	DisableMove DisableMode = "move"
)

// GroupStyle is the object class of the directory's groups.
type GroupStyle string

// Group styles.
const (
	// GroupOfNames groups list members in "member" (RFC 4519).
	GroupOfNames GroupStyle = "groupOfNames"
	// GroupOfUniqueNames groups list members in "uniqueMember".
	GroupOfUniqueNames GroupStyle = "groupOfUniqueNames"
)

// memberAttr is the membership attribute of the style.
func (g GroupStyle) memberAttr() string {
	if g == GroupOfUniqueNames {
		return "uniqueMember"
	}
	return "member"
}

// Config configures New. Field comments name the YAML keys the CLI maps
// onto them.
type Config struct {
	// URL is the server, ldap://host[:port] or ldaps://host[:port] (url),
	// with no path, credentials or query.
	URL string
	// StartTLS upgrades an ldap:// connection with the StartTLS extended
	// operation before binding (start_tls). Meaningless with ldaps://.
	StartTLS bool
	// CAFile is a PEM bundle that verifies the server's certificate
	// (ca_file); empty means the system roots. Certificates are always
	// verified: there is no switch to skip it.
	CAFile string
	// BindDN is the service account Tenure binds as (bind_dn).
	BindDN string
	// BindPassword is its password, already read by the caller from
	// bind_password_env or bind_password_file. It is sent in the bind
	// request only and never logged or put into errors.
	BindPassword string

	// UserBaseDN is the subtree holding the people (user_base_dn). New
	// entries are created directly under it.
	UserBaseDN string
	// UserFilter selects user entries in searches and listings
	// (user_filter); empty means (objectClass=<last of ObjectClasses>).
	UserFilter string
	// RDNAttr is the naming attribute of new entries (rdn_attr); empty
	// means DefaultRDNAttr. It must be one of the mapped attributes.
	RDNAttr string
	// ObjectClasses are written on new entries (object_classes); empty
	// means DefaultObjectClasses.
	ObjectClasses []string
	// Attributes maps the subject's fields to LDAP attributes
	// (attributes); empty fields take the defaults of AttributeMap.
	Attributes AttributeMap

	// GroupBaseDN is the subtree holding the groups that are entitlements
	// (group_base_dn). Empty disables group management.
	GroupBaseDN string
	// GroupStyle is the groups' object class (group_style); empty means
	// GroupOfNames.
	GroupStyle GroupStyle
	// GroupNameAttr holds an entitlement's name on a group (group_name_attr);
	// empty means DefaultGroupNameAttr.
	GroupNameAttr string
	// MemberOfAttr, when set, reads an account's groups from this
	// attribute of its own entry (member_of_attr: "memberOf", kept by
	// OpenLDAP's memberof overlay or Active Directory) instead of
	// searching the groups: a listing then costs one search per page
	// however big the groups are. Only values under GroupBaseDN whose RDN
	// is GroupNameAttr count. Grant and Revoke still write the groups.
	MemberOfAttr string
	// EmptyGroupMember is written when the last member leaves a group,
	// whose schema requires at least one (empty_group_member); empty means
	// the group's own DN. It is never reported as an account.
	EmptyGroupMember string

	// Disable chooses and tunes the disable mode (disable).
	Disable DisableConfig

	// ServiceBaseDN is a subtree of service-account entries
	// (service_base_dn); empty means there are none. Its entries are
	// listed too, with their owner.
	ServiceBaseDN string
	// OwnerAttr is the DN-valued attribute naming a service account's
	// owner (owner_attr); empty means DefaultOwnerAttr.
	OwnerAttr string

	// Timeout bounds dialing and each operation (timeout); zero means
	// DefaultTimeout.
	Timeout time.Duration
	// PageSize is the listing's page size (page_size); zero means
	// DefaultPageSize.
	PageSize int
	// Logger receives debug lines per operation (never attribute values or
	// the password); nil means slog.Default().
	Logger *slog.Logger
}

// AttributeMap names the LDAP attribute of each subject field. Empty
// fields take the default shown.
type AttributeMap struct {
	// PersonID correlates and links accounts to people: "employeeNumber".
	PersonID string `yaml:"person_id"`
	// Email: "mail".
	Email string `yaml:"email"`
	// UserName: "uid".
	UserName string `yaml:"user_name"`
	// GivenName: "givenName".
	GivenName string `yaml:"given_name"`
	// FamilyName: "sn". person requires sn; when the subject has no
	// family name the user name is written there.
	FamilyName string `yaml:"family_name"`
	// DisplayName: "displayName". cn, which person requires, is written
	// with the display name too (or "given family", or the user name).
	DisplayName string `yaml:"display_name"`
	// Extra maps Subject.Attributes keys (department, title …) to LDAP
	// attributes.
	Extra map[string]string `yaml:"extra"`
}

// DisableConfig chooses how Disable marks an entry.
type DisableConfig struct {
	// Mode is lock, expire or move (mode); empty means DisableLock.
	Mode DisableMode
	// LockAttr and LockValue are the lock mode's attribute and value
	// (lock_attr, lock_value); empty means DefaultLockAttr and
	// DefaultLockValue. The entry is disabled while the attribute holds
	// the value; other values (a ppolicy lockout after failed binds) are
	// left alone.
	LockAttr, LockValue string
	// ExpireAttr and ExpireValue are the expire mode's attribute and value
	// (expire_attr, expire_value); empty means DefaultExpireAttr and
	// DefaultExpireValue.
	ExpireAttr, ExpireValue string
	// ExpireObjectClass is added to entries without it before ExpireAttr
	// is written (expire_object_class); empty means
	// DefaultExpireObjectClass. "-" adds none.
	ExpireObjectClass string
	// BaseDN is the move mode's disabled OU (base_dn): it must exist, and
	// must not be the users base itself.
	BaseDN string
}

// settings is a validated Config with defaults applied.
type settings struct {
	Config
	userBase, groupBase, disabledBase, serviceBase *goldap.DN
	caPEM                                          []byte
	host                                           string
}

// Validate reports every problem with the configuration at once. It never
// includes the password.
func (cfg *Config) Validate() error {
	_, err := cfg.settings()
	return err
}

// settings validates cfg and applies the defaults.
func (cfg *Config) settings() (*settings, error) {
	s := &settings{Config: *cfg}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	u, perr := url.Parse(cfg.URL)
	switch {
	case cfg.URL == "":
		bad("url is empty")
	case perr != nil:
		bad("url does not parse")
	case u.Scheme != "ldap" && u.Scheme != "ldaps":
		bad("url %q: scheme must be ldap or ldaps", u.Redacted())
	case u.User != nil:
		bad("url %q: credentials belong in bind_dn and the password reference, not the URL", u.Redacted())
	case u.Hostname() == "":
		bad("url %q has no host", u.Redacted())
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		bad("url %q: want ldap[s]://host[:port] with no DN, query or fragment", u.Redacted())
	default:
		s.host = u.Hostname()
		if cfg.StartTLS && u.Scheme == "ldaps" {
			bad("start_tls with an ldaps:// url: the connection is already TLS")
		}
		if u.Scheme == "ldap" && !cfg.StartTLS && !loopbackHost(u.Hostname()) {
			bad("url %q: plain ldap:// would send the bind password in clear: use ldaps:// or start_tls: true (plain ldap only to this machine)", u.Redacted())
		}
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		switch {
		case err != nil:
			bad("ca_file: %v", err)
		case !strings.Contains(string(pem), "-----BEGIN CERTIFICATE-----"):
			bad("ca_file %s holds no PEM certificate", cfg.CAFile)
		default:
			s.caPEM = pem
		}
	}
	if cfg.BindDN == "" {
		bad("bind_dn is empty")
	} else if _, err := goldap.ParseDN(cfg.BindDN); err != nil {
		bad("bind_dn %q: %v", cfg.BindDN, err)
	}
	if cfg.BindPassword == "" {
		bad("bind password is empty (set bind_password_env or bind_password_file)")
	}
	dn := func(key, v string, required bool) *goldap.DN {
		if v == "" {
			if required {
				bad("%s is empty", key)
			}
			return nil
		}
		d, err := goldap.ParseDN(v)
		if err != nil || len(d.RDNs) == 0 {
			bad("%s %q is not a DN", key, v)
			return nil
		}
		return d
	}
	s.userBase = dn("user_base_dn", cfg.UserBaseDN, true)
	s.groupBase = dn("group_base_dn", cfg.GroupBaseDN, false)
	s.serviceBase = dn("service_base_dn", cfg.ServiceBaseDN, false)
	if cfg.EmptyGroupMember != "" {
		dn("empty_group_member", cfg.EmptyGroupMember, false)
	}

	if len(s.ObjectClasses) == 0 {
		s.ObjectClasses = DefaultObjectClasses
	}
	for _, oc := range s.ObjectClasses {
		if !validAttr(oc) {
			bad("object_classes: %q is not an object class name", oc)
		}
	}
	if s.UserFilter == "" {
		s.UserFilter = "(objectClass=" + goldap.EscapeFilter(s.ObjectClasses[len(s.ObjectClasses)-1]) + ")"
	} else if _, err := goldap.CompileFilter(s.UserFilter); err != nil {
		bad("user_filter %q: %v", s.UserFilter, err)
	}

	m := &s.Attributes
	m.PersonID = or(m.PersonID, "employeeNumber")
	m.Email = or(m.Email, "mail")
	m.UserName = or(m.UserName, "uid")
	m.GivenName = or(m.GivenName, "givenName")
	m.FamilyName = or(m.FamilyName, "sn")
	m.DisplayName = or(m.DisplayName, "displayName")
	for key, a := range map[string]string{
		"person_id": m.PersonID, "email": m.Email, "user_name": m.UserName,
		"given_name": m.GivenName, "family_name": m.FamilyName, "display_name": m.DisplayName,
	} {
		if !validAttr(a) {
			bad("attributes.%s: %q is not an attribute name", key, a)
		}
	}
	for k, a := range m.Extra {
		if !validAttr(a) {
			bad("attributes.extra.%s: %q is not an attribute name", k, a)
		}
	}
	s.RDNAttr = or(s.RDNAttr, DefaultRDNAttr)
	if !s.mapped(s.RDNAttr) {
		bad("rdn_attr %q is not one of the mapped attributes", s.RDNAttr)
	}

	switch s.GroupStyle {
	case "":
		s.GroupStyle = GroupOfNames
	case GroupOfNames, GroupOfUniqueNames:
	default:
		bad("group_style %q: want groupOfNames or groupOfUniqueNames", s.GroupStyle)
	}
	s.GroupNameAttr = or(s.GroupNameAttr, DefaultGroupNameAttr)
	if !validAttr(s.GroupNameAttr) {
		bad("group_name_attr %q is not an attribute name", s.GroupNameAttr)
	}
	if s.MemberOfAttr != "" && !validAttr(s.MemberOfAttr) {
		bad("member_of_attr %q is not an attribute name", s.MemberOfAttr)
	}
	s.OwnerAttr = or(s.OwnerAttr, DefaultOwnerAttr)
	if !validAttr(s.OwnerAttr) {
		bad("owner_attr %q is not an attribute name", s.OwnerAttr)
	}

	d := &s.Disable
	switch d.Mode {
	case "":
		d.Mode = DisableLock
	case DisableLock, DisableExpire, DisableMove:
	default:
		bad("disable.mode %q: want lock, expire or move", d.Mode)
	}
	d.LockAttr = or(d.LockAttr, DefaultLockAttr)
	d.LockValue = or(d.LockValue, DefaultLockValue)
	d.ExpireAttr = or(d.ExpireAttr, DefaultExpireAttr)
	d.ExpireValue = or(d.ExpireValue, DefaultExpireValue)
	d.ExpireObjectClass = or(d.ExpireObjectClass, DefaultExpireObjectClass)
	for key, a := range map[string]string{"lock_attr": d.LockAttr, "expire_attr": d.ExpireAttr} {
		if !validAttr(a) {
			bad("disable.%s %q is not an attribute name", key, a)
		}
	}
	if d.ExpireObjectClass != "-" && !validAttr(d.ExpireObjectClass) {
		bad("disable.expire_object_class %q is not an object class name", d.ExpireObjectClass)
	}
	if d.Mode == DisableMove {
		s.disabledBase = dn("disable.base_dn", d.BaseDN, true)
		if s.disabledBase != nil && s.userBase != nil && s.disabledBase.EqualFold(s.userBase) {
			bad("disable.base_dn is the users base: a moved entry would still be found there")
		}
	} else if d.BaseDN != "" {
		bad("disable.base_dn is set but disable.mode is %s, not move", d.Mode)
	}
	if s.mapped(d.LockAttr) && d.Mode == DisableLock || s.mapped(d.ExpireAttr) && d.Mode == DisableExpire {
		bad("disable mode %s writes an attribute that is also mapped from the subject", d.Mode)
	}

	switch {
	case s.Timeout < 0:
		bad("timeout %s is negative", s.Timeout)
	case s.Timeout == 0:
		s.Timeout = DefaultTimeout
	}
	switch {
	case s.PageSize < 0:
		bad("page_size %d is negative", s.PageSize)
	case s.PageSize == 0:
		s.PageSize = DefaultPageSize
	case s.PageSize > 10000:
		bad("page_size %d is over 10000", s.PageSize)
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("ldap connector config: %w", err)
	}
	return s, nil
}

// mapped reports whether attr is one the subject's fields are written to.
func (s *settings) mapped(attr string) bool {
	m := s.Attributes
	for _, a := range []string{m.PersonID, m.Email, m.UserName, m.GivenName, m.FamilyName, m.DisplayName, "cn"} {
		if strings.EqualFold(a, attr) {
			return true
		}
	}
	for _, a := range m.Extra {
		if strings.EqualFold(a, attr) {
			return true
		}
	}
	return false
}

// validAttr reports whether s is an attribute description's descr (RFC
// 4512 §1.4): a letter, then letters, digits or hyphens; or a numeric OID.
func validAttr(s string) bool {
	if s == "" {
		return false
	}
	if s[0] >= '0' && s[0] <= '9' {
		for _, r := range s {
			if r != '.' && (r < '0' || r > '9') {
				return false
			}
		}
		return true
	}
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (i == 0 || !(r >= '0' && r <= '9' || r == '-')) {
			return false
		}
	}
	return true
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// loopbackHost reports whether host names this machine (localhost or a
// loopback address), the one place a clear-text bind cannot be overheard.
func loopbackHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.Unmap().IsLoopback()
}
