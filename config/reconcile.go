package config

import (
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tenure-dev/tenure/correlate"
)

// Reconcile configures how an app is read back and compared with what
// should exist (see package reconcile).
type Reconcile struct {
	// Interval is how often tenure serve reconciles the app; absent or 0
	// means only on demand (tenure reconcile). At least 1m when set.
	Interval Duration `yaml:"interval"`
	// Correlate are the rules matching an account to a person, tried in
	// order: "ACCOUNT == person.FIELD", where ACCOUNT is id, externalId,
	// userName, email, attributes.NAME or a CEL expression over account
	// (account.userName, account.attributes["x"], …). Default:
	// externalId == person.employeeId, then userName == person.email.
	Correlate []string `yaml:"correlate"`
	// Policy is what is done about each class of finding.
	Policy ReconcilePolicy `yaml:"policy"`
}

// ReconcilePolicy is an app's action per class of finding: report, fix,
// disable or delete. Every action goes through the plan, the queue and
// the mass-change guard.
type ReconcilePolicy struct {
	// Ghost is an active account of a terminated person; default disable
	// (fix applies the app's on_leave).
	Ghost string `yaml:"ghost"`
	// Orphan is an account no person matches; default report (disable or
	// delete also allowed; there is nothing to fix it to).
	Orphan string `yaml:"orphan"`
	// Drift is a person's account whose entitlements, attributes or state
	// differ from the desired state; default fix.
	Drift string `yaml:"drift"`
	// Unmanaged is an active person's account Tenure did not create (made
	// on first login, or by hand); default fix: adopted into the known
	// state, then brought in line.
	Unmanaged string `yaml:"unmanaged"`
}

// ServiceAccounts marks an app's non-human accounts and says who owns
// them. A service account is never disabled with its owner: when the owner
// leaves it moves to the owner's manager, else to Successor, else the app
// owner gets a task to name one.
type ServiceAccounts struct {
	// Match are glob patterns on the userName ("svc-*"); a single pattern
	// may be written as a string.
	Match Patterns `yaml:"match"`
	// OwnerAttribute is where the owner's employeeId is on the account:
	// "externalId" or an attribute the connector reports. Not needed when
	// the connector reports owners itself.
	OwnerAttribute string `yaml:"owner_attribute"`
	// Successor is the employeeId who takes over when an owner's manager
	// cannot.
	Successor string `yaml:"successor"`
}

// Patterns is a list of glob patterns, or one written as a string.
type Patterns []string

// UnmarshalYAML accepts a string or a list of strings.
func (p *Patterns) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*p = Patterns{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*p = list
	return nil
}

// reconcileActions are the accepted policy values per class.
var reconcileActions = map[string][]string{
	"ghost":     {"report", "fix", "disable", "delete"},
	"orphan":    {"report", "disable", "delete"},
	"drift":     {"report", "fix", "disable", "delete"},
	"unmanaged": {"report", "fix", "disable", "delete"},
}

// reconcile checks an app's reconcile and service_accounts keys.
func (v *validator) reconcile(a *App, p string) {
	r := &a.Reconcile
	if d := r.Interval.Duration; d != 0 && d < 60e9 {
		v.at(p+".reconcile.interval", "must be at least 1m (or absent for on-demand runs only), got %s", r.Interval)
	}
	for i, src := range r.Correlate {
		if _, err := correlate.Compile(src); err != nil {
			v.at(fmt.Sprintf("%s.reconcile.correlate[%d]", p, i), "%v", err)
		}
	}
	for _, f := range []struct{ class, val string }{
		{"ghost", r.Policy.Ghost}, {"orphan", r.Policy.Orphan}, {"drift", r.Policy.Drift}, {"unmanaged", r.Policy.Unmanaged},
	} {
		ok := reconcileActions[f.class]
		if f.val == "" {
			continue
		}
		found := false
		for _, a := range ok {
			found = found || a == f.val
		}
		if !found {
			v.at(p+".reconcile.policy."+f.class, "unknown action %q for %s accounts (known: %s)", f.val, f.class, strings.Join(ok, ", "))
		}
	}
	s := &a.ServiceAccounts
	for i, pat := range s.Match {
		if _, err := path.Match(pat, ""); err != nil || strings.TrimSpace(pat) == "" {
			v.at(fmt.Sprintf("%s.service_accounts.match[%d]", p, i), "%q is not a glob pattern such as svc-*", pat)
		}
	}
	if (s.OwnerAttribute != "" || s.Successor != "") && len(s.Match) == 0 {
		v.at(p+".service_accounts.match", "required with owner_attribute or successor: the userName patterns of service accounts")
	}
	if s.Successor != "" && strings.TrimSpace(s.Successor) != s.Successor {
		v.at(p+".service_accounts.successor", "%q: an employeeId without surrounding spaces", s.Successor)
	}
}
