// Package config reads tenure.yaml: the tenants Tenure serves, where each
// tenant's roster comes from, the apps it provisions, the roles that bundle
// app access and the birthright rules that hand roles out.
//
// A config is decoded strictly (an unknown or misspelt key is an error, not a
// silently ignored line), defaults are filled in, and then it is validated as a
// whole: every problem is reported at once, each with the file, line and
// column it comes from, so an operator fixes a broken file in one pass.
//
// Secrets never appear in the file. Connectors name an environment variable or
// a file that holds their token, and a literal token: key is rejected.
package config

import (
	"cmp"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// File is a whole tenure.yaml.
type File struct {
	// Tenants are the organisations this Tenure serves. Their data never mix;
	// at least one is required.
	Tenants []Tenant `yaml:"tenants"`

	// name and idx are set by Parse so that Validate can point at lines.
	name string
	idx  *index
}

// Tenant is one organisation: its roster source, its apps and its policy.
type Tenant struct {
	// ID names the tenant in commands, storage and audit entries. It must
	// match ^[a-z0-9][a-z0-9-]{0,62}$ (a DNS label) and be unique.
	ID string `yaml:"id"`
	// HR says how to read the tenant's roster exports.
	HR HR `yaml:"hr"`
	// Guard bounds how many people one batch may remove access from before it
	// is held for a human decision.
	Guard Guard `yaml:"guard"`
	// Tiers are named sensitivity levels of apps, each with the deadline by
	// which a leaver's access must be gone. When absent (or empty) they
	// default to DefaultTiers: crown-jewel (15m) and standard (24h).
	Tiers map[string]Tier `yaml:"tiers"`
	// Apps are the systems whose accounts Tenure manages.
	Apps []App `yaml:"apps"`
	// Roles bundle app access under a name that rules and requests refer to.
	Roles []Role `yaml:"roles"`
	// Birthright are the rules that grant roles from roster data alone.
	Birthright []Rule `yaml:"birthright"`
	// SCIM configures Tenure as a SCIM service provider for this tenant.
	SCIM SCIM `yaml:"scim"`
	// Signals configures SET and logout-token signing and delivery
	// (signals.go).
	Signals Signals `yaml:"signals"`
}

// SCIM configures how users pushed over SCIM become people.
type SCIM struct {
	// Mapping maps a roster field (employeeId, email, givenName, familyName,
	// displayName, department, title, location, employmentType) to the SCIM
	// attributes to take it from, tried in order: "userName", "externalId",
	// "id", "name.givenName", "emails.value" (the primary email, else the
	// first), or an extension attribute with its schema URN
	// ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber").
	// Fields it leaves out keep their defaults; see scimsp.DefaultMapping.
	Mapping map[string][]string `yaml:"mapping"`
}

// HR describes the tenant's roster export (a CSV file or an HRIS feed).
type HR struct {
	// Key is the source column holding the employee ID, which identifies a
	// person across imports. It defaults to the column mapped to employeeId,
	// else "employeeId" (the identity mapping). When Columns is given it must
	// be one of its columns.
	Key string `yaml:"key"`
	// Absent says what happens to a person missing from a full snapshot:
	// AbsentIgnore (the default; a truncated export must not deprovision
	// anyone) or AbsentTerminate (the export is the whole truth).
	Absent Absent `yaml:"absent"`
	// Columns maps source column names to roster fields: a name of
	// person.Fields or "attributes.NAME" for a custom attribute. Empty means
	// the source already uses the roster field names.
	Columns map[string]string `yaml:"columns"`
}

// Absent is what to do with a person missing from a full roster snapshot.
type Absent string

const (
	// AbsentIgnore keeps people missing from a snapshot as they were.
	AbsentIgnore Absent = "ignore"
	// AbsentTerminate terminates people missing from a snapshot.
	AbsentTerminate Absent = "terminate"
)

// Guard is the mass-change guard: a batch that would remove access from more
// people than either bound is held for approval instead of applied.
type Guard struct {
	// MaxRemovalsPercent is the largest share of the roster, in percent, one
	// batch may remove access from. In (0, 100]; default 10.
	MaxRemovalsPercent float64 `yaml:"max_removals_percent"`
	// MaxRemovals is the largest number of people one batch may remove access
	// from, whatever the roster size. At least 1; default 50.
	MaxRemovals int `yaml:"max_removals"`
}

// Default guard bounds, used when the keys are absent. An explicit 0 is an
// error rather than a default: a guard that silently became lax is worse than
// a config that does not load.
const (
	DefaultMaxRemovalsPercent = 10
	DefaultMaxRemovals        = 50
)

// Tier is a sensitivity level of apps.
type Tier struct {
	// LeaverDeadline is how long after a leave takes effect the leaver's
	// access to apps of this tier may survive. Must be > 0.
	LeaverDeadline Duration `yaml:"leaver_deadline"`
}

// Names of the tiers that exist when a tenant defines none.
const (
	TierCrownJewel = "crown-jewel"
	TierStandard   = "standard"
)

// DefaultTiers returns the tiers of a tenant that defines none: crown-jewel
// apps lose a leaver within 15 minutes, standard apps within a day.
func DefaultTiers() map[string]Tier {
	return map[string]Tier{
		TierCrownJewel: {LeaverDeadline: Duration{15 * time.Minute}},
		TierStandard:   {LeaverDeadline: Duration{24 * time.Hour}},
	}
}

// App is a system whose accounts Tenure manages.
type App struct {
	// ID names the app in roles, plans and audit entries; same syntax as a
	// tenant ID, unique within the tenant.
	ID string `yaml:"id"`
	// Name is an optional display name; Title falls back to ID.
	Name string `yaml:"name"`
	// Tier is a key of the tenant's Tiers; default TierStandard.
	Tier string `yaml:"tier"`
	// Owner is the mailbox (a person or a team) that receives this app's
	// manual tasks and answers for its access. Required.
	Owner string `yaml:"owner"`
	// OnLeave is what happens to a leaver's account: LeaveDisable (the
	// default; reversible) or LeaveDelete.
	OnLeave LeaveAction `yaml:"on_leave"`
	// DeleteAfter, only with OnLeave LeaveDelete, is how long the account
	// stays disabled before it is deleted. Nil (or 0) deletes at once.
	DeleteAfter *Duration `yaml:"delete_after"`
	// ProvisionBeforeStart, when set, creates a pre-hire's account this long
	// before their start date, disabled, so it is ready (and reviewable)
	// on day one; it is enabled on the start date. Zero creates the
	// account on the start date.
	ProvisionBeforeStart Duration `yaml:"provision_before_start"`
	// Connector says how Tenure reaches the app.
	Connector Connector `yaml:"connector"`
	// Sessions are extra ways to end a leaver's sessions and tokens in
	// this app, beside its connector's own (see SessionRevoker).
	Sessions []SessionRevoker `yaml:"sessions"`
	// Reconcile says how the app is read back and what is done about
	// accounts that should not be as they are (see reconcile.go).
	Reconcile Reconcile `yaml:"reconcile"`
	// ServiceAccounts marks the app's non-human accounts and their owners.
	ServiceAccounts ServiceAccounts `yaml:"service_accounts"`
	// BackchannelLogoutURI, when set, is the app's OIDC back-channel logout
	// endpoint: a leaver's (or a person on leave's) sessions there are ended
	// with a logout token addressed to BackchannelClientID (both required
	// together). BackchannelSubject picks the token's sub: "email" (the
	// default) or "employee_id".
	BackchannelLogoutURI string `yaml:"backchannel_logout_uri"`
	BackchannelClientID  string `yaml:"backchannel_client_id"`
	BackchannelSubject   string `yaml:"backchannel_subject"`
}

// Title is the app's display name, or its ID when it has none.
func (a *App) Title() string { return cmp.Or(a.Name, a.ID) }

// LeaveAction is what happens to a leaver's account in an app.
type LeaveAction string

const (
	// LeaveDisable disables the account, keeping its data and ownership.
	LeaveDisable LeaveAction = "disable"
	// LeaveDelete deletes the account (after App.DeleteAfter).
	LeaveDelete LeaveAction = "delete"
)

// Connector types. ConnectorTypes lists those the config accepts.
const (
	// ConnectorManual turns every change into a task for the app's owner.
	ConnectorManual = "manual"
	// ConnectorSCIM speaks SCIM 2.0 to URL with a bearer token.
	ConnectorSCIM = "scim"
	// ConnectorLDAP speaks LDAP to URL (ldap:// or ldaps://).
	ConnectorLDAP = "ldap"
)

// ConnectorTypes are the accepted values of Connector.Type.
var ConnectorTypes = []string{ConnectorManual, ConnectorSCIM, ConnectorLDAP}

// Connector says how Tenure reaches an app.
//
// There is deliberately no field for a literal token: secrets are given by
// reference (TokenEnv, TokenFile) so that the file can be reviewed, committed
// and printed in bug reports.
type Connector struct {
	// Type is one of ConnectorTypes. Required.
	Type string `yaml:"type"`
	// URL is the endpoint: an absolute http(s) URL for scim, an ldap:// or
	// ldaps:// URL for ldap. Required for both, not allowed for manual.
	URL string `yaml:"url"`
	// TokenEnv names the environment variable holding the credential. A scim
	// connector needs TokenEnv or TokenFile (not both).
	TokenEnv string `yaml:"token_env"`
	// TokenFile is the path of a file holding the credential (a mounted
	// secret); surrounding whitespace in the file is ignored.
	TokenFile string `yaml:"token_file"`
	// Timeout bounds one call to the app; 0 means the connector's default.
	Timeout Duration `yaml:"timeout"`
	// IdP holds the okta, msgraph and google keys (connectors_idp.go).
	IdP IdPConnector `yaml:",inline"`
	// LDAP holds the ldap keys (connectors_ldap.go).
	LDAP LDAPConnector `yaml:",inline"`
	// Auth, for scim, authenticates with OAuth 2.0 client credentials or
	// HTTP basic instead of a bearer token (connectors_scim.go). Nil (or
	// type bearer) means the bearer token of TokenEnv or TokenFile.
	Auth *ConnectorAuth `yaml:"auth"`
	// Concurrency caps the requests in flight to the app; 0 means the
	// connector's default (4). Lower it for an app that cannot take many.
	Concurrency int `yaml:"concurrency"`
	// RateLimit caps the requests per second to the app, with a burst of
	// one second's worth; 0 means no limit. Set it below the app's
	// documented limit rather than learning it from 429s.
	RateLimit float64 `yaml:"rate_limit"`
	// Mapping, for scim, maps SCIM User attributes (core names such as
	// title, sub-attributes such as name.formatted, or extension attributes
	// qualified by their schema URN) to templates over the person: either
	// person.FIELD, or text with {person.FIELD} placeholders. FIELD is one
	// of employeeId, email, userName, givenName, familyName, displayName,
	// department, title, managerId, managerRef (the manager's account id in
	// the app, for manager.value). Nil maps the built-ins only (userName,
	// externalId, name, displayName, emails, active).
	Mapping map[string]string `yaml:"mapping"`
	// AllowLoopback lets the app's URLs (a scim, okta, msgraph or google
	// connector's, and its session revokers') point at this machine (localhost,
	// 127.0.0.0/8, ::1), which is refused by default so that a config
	// cannot aim a token and requests at Tenure's own host. The quickstart's
	// sandbox apps, served by Tenure itself on loopback, set it.
	AllowLoopback bool `yaml:"allow_loopback"`
}

// Role bundles app access under one name.
type Role struct {
	// ID names the role in rules and requests; same syntax as a tenant ID,
	// unique within the tenant.
	ID string `yaml:"id"`
	// Description says what the role is for, for reviewers.
	Description string `yaml:"description"`
	// Grants are the accesses the role gives.
	Grants []Grant `yaml:"grants"`
}

// Grant is one access a role gives: an account in App, and Entitlement in it
// when Entitlement is not empty.
type Grant struct {
	// App is the ID of one of the tenant's apps.
	App string `yaml:"app"`
	// Entitlement is a group, team or permission set in the app; empty means
	// the account alone.
	Entitlement string `yaml:"entitlement"`
}

// Rule is a birthright rule: everyone for whom When holds gets Roles.
type Rule struct {
	// Name identifies the rule in plans and audit entries; unique.
	Name string `yaml:"name"`
	// When is a CEL condition over person.FIELD (see policy.Fields); it must
	// type-check to a bool within policy.CostBudget.
	When string `yaml:"when"`
	// Roles are IDs of the tenant's roles; at least one.
	Roles []string `yaml:"roles"`
}

// Tenant returns the tenant with the given ID.
func (f *File) Tenant(id string) (*Tenant, bool) {
	i := slices.IndexFunc(f.Tenants, func(t Tenant) bool { return t.ID == id })
	if i < 0 {
		return nil, false
	}
	return &f.Tenants[i], true
}

// App returns the tenant's app with the given ID.
func (t *Tenant) App(id string) (*App, bool) {
	i := slices.IndexFunc(t.Apps, func(a App) bool { return a.ID == id })
	if i < 0 {
		return nil, false
	}
	return &t.Apps[i], true
}

// Role returns the tenant's role with the given ID.
func (t *Tenant) Role(id string) (*Role, bool) {
	i := slices.IndexFunc(t.Roles, func(r Role) bool { return r.ID == id })
	if i < 0 {
		return nil, false
	}
	return &t.Roles[i], true
}

// setDefaults fills in what the file leaves out. idx, when not nil, tells
// which keys were written: an explicit guard bound of 0 is kept so that
// Validate rejects it instead of silently replacing it.
func (f *File) setDefaults(idx *index) {
	for i := range f.Tenants {
		t := &f.Tenants[i]
		p := fmt.Sprintf("tenants[%d]", i)

		if t.HR.Key == "" {
			t.HR.Key = "employeeId"
			for _, col := range sortedKeys(t.HR.Columns) {
				if t.HR.Columns[col] == "employeeId" {
					t.HR.Key = col
					break
				}
			}
		}
		t.HR.Absent = cmp.Or(t.HR.Absent, AbsentIgnore)

		if !idx.has(p + ".guard.max_removals_percent") {
			t.Guard.MaxRemovalsPercent = cmp.Or(t.Guard.MaxRemovalsPercent, DefaultMaxRemovalsPercent)
		}
		if !idx.has(p + ".guard.max_removals") {
			t.Guard.MaxRemovals = cmp.Or(t.Guard.MaxRemovals, DefaultMaxRemovals)
		}

		if len(t.Tiers) == 0 {
			t.Tiers = DefaultTiers()
		}
		for j := range t.Apps {
			a := &t.Apps[j]
			a.Tier = cmp.Or(a.Tier, TierStandard)
			a.OnLeave = cmp.Or(a.OnLeave, LeaveDisable)
		}
	}
}

//go:embed example.yaml
var example []byte

// Example returns a complete, commented tenure.yaml for a fictional tenant,
// acme, as a starting point for a new deployment. It always validates.
func Example() []byte { return slices.Clone(example) }

// Duration is a time.Duration written as in Go ("90s", "15m", "24h", "1h30m")
// or, because operators think of retention in days, with d (24h) and w
// (7 days) units: "30d", "2w", "1d12h".
type Duration struct{ time.Duration }

// UnmarshalYAML parses a duration scalar. A bad value is reported as a
// *yaml.TypeError so that decoding goes on and every problem is reported.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: column %d: expected a duration such as 15m, 24h or 30d, got %s", n.Line, n.Column, kindName(n))}}
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: column %d: %v", n.Line, n.Column, err)}}
	}
	d.Duration = v
	return nil
}

// MarshalYAML writes the duration the way ParseDuration reads it, in weeks
// or days when it is a whole number of them.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// String formats d as "2w", "30d" or as time.Duration does.
func (d Duration) String() string {
	const day = 24 * time.Hour
	switch {
	case d.Duration != 0 && d.Duration%(7*day) == 0:
		return strconv.FormatInt(int64(d.Duration/(7*day)), 10) + "w"
	case d.Duration != 0 && d.Duration%day == 0:
		return strconv.FormatInt(int64(d.Duration/day), 10) + "d"
	}
	return d.Duration.String()
}

// ParseDuration parses what Duration accepts: time.ParseDuration's syntax plus
// the units d (24 hours) and w (7 days), which may be mixed with the others.
func ParseDuration(s string) (time.Duration, error) {
	bad := func(why string) error { return fmt.Errorf("invalid duration %q: %s", s, why) }
	rest := strings.TrimSpace(s)
	neg := false
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	if rest == "" {
		return 0, bad("empty (use a number with a unit: 90s, 15m, 24h, 30d, 2w)")
	}
	if rest == "0" {
		return 0, nil
	}
	isNum := func(c byte) bool { return c == '.' || '0' <= c && c <= '9' }
	var total time.Duration
	for rest != "" {
		i := 0
		for i < len(rest) && isNum(rest[i]) {
			i++
		}
		j := i
		for j < len(rest) && !isNum(rest[j]) {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		if num == "" {
			return 0, bad("expected a number")
		}
		if unit == "" {
			return 0, bad("missing unit (use ns, us, ms, s, m, h, d or w)")
		}
		var part time.Duration
		switch unit {
		case "d", "w":
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, bad("bad number " + strconv.Quote(num))
			}
			hours := 24.0
			if unit == "w" {
				hours = 7 * 24
			}
			v := f * hours * float64(time.Hour)
			if v >= math.MaxInt64 {
				return 0, bad("too long")
			}
			part = time.Duration(v)
		case "ns", "us", "µs", "μs", "ms", "s", "m", "h":
			v, err := time.ParseDuration(num + unit)
			if err != nil {
				return 0, bad("bad number " + strconv.Quote(num))
			}
			part = v
		default:
			return 0, bad("unknown unit " + strconv.Quote(unit) + " (use ns, us, ms, s, m, h, d or w)")
		}
		if total > math.MaxInt64-part {
			return 0, bad("too long")
		}
		total += part
	}
	if neg {
		total = -total
	}
	return total, nil
}

// sortedKeys returns m's keys in order, for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
