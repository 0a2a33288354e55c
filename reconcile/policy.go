package reconcile

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/config"
)

// Action is what an app's policy does about one class of finding.
type Action string

// Actions. Fix brings the account in line with the desired state through
// the plan (grants, revokes, attribute updates, and for a ghost the app's
// leaver policy); Disable and Delete act on the account itself; Report
// only records the finding.
const (
	Report  Action = "report"
	Fix     Action = "fix"
	Disable Action = "disable"
	Delete  Action = "delete"
)

// Policy is an app's action per class of finding.
type Policy struct {
	Ghost     Action
	Orphan    Action
	Drift     Action
	Unmanaged Action
}

// DefaultPolicy is the policy of an app that configures none: ghosts
// disabled (a leaver's access must go), orphans reported (nobody to ask
// whose they are), drift fixed, unmanaged accounts adopted and fixed.
func DefaultPolicy() Policy {
	return Policy{Ghost: Disable, Orphan: Report, Drift: Fix, Unmanaged: Fix}
}

// App is what reconciliation needs to know of one app beyond the plan's
// view of it.
type App struct {
	ID string
	// Correlate are the correlation rules, tried in order (see package
	// correlate); empty uses correlate.DefaultRules.
	Correlate []string
	Policy    Policy
	// Interval is how often tenure serve reconciles the app (0: never).
	Interval time.Duration
	Service  ServiceAccounts
}

// ServiceAccounts says which accounts of an app are non-human and who
// owns them.
type ServiceAccounts struct {
	// Match are glob patterns (path.Match) on the userName.
	Match []string
	// OwnerAttribute is where the owner's employeeId is on the account:
	// "externalId", or an attribute name. An account whose connector
	// reports an owner (account.ServiceOwner) needs none.
	OwnerAttribute string
}

// matches reports whether userName is a service account's.
func (s ServiceAccounts) matches(userName string) bool {
	for _, p := range s.Match {
		if ok, _ := path.Match(p, userName); ok {
			return true
		}
		if ok, _ := path.Match(p, strings.ToLower(userName)); ok {
			return true
		}
	}
	return false
}

// FromConfig is the reconciliation settings of a configured app, defaults
// filled in.
func FromConfig(a *config.App) App {
	p := DefaultPolicy()
	cp := a.Reconcile.Policy
	for _, f := range []struct {
		dst *Action
		src string
	}{{&p.Ghost, cp.Ghost}, {&p.Orphan, cp.Orphan}, {&p.Drift, cp.Drift}, {&p.Unmanaged, cp.Unmanaged}} {
		if f.src != "" {
			*f.dst = Action(f.src)
		}
	}
	return App{
		ID: a.ID, Correlate: a.Reconcile.Correlate, Policy: p, Interval: a.Reconcile.Interval.Duration,
		Service: ServiceAccounts{Match: a.ServiceAccounts.Match, OwnerAttribute: a.ServiceAccounts.OwnerAttribute},
	}
}

// Check reports a policy action an app cannot take on a class.
func (p Policy) Check() error {
	for _, f := range []struct {
		class string
		a     Action
		ok    []Action
	}{
		{"ghost", p.Ghost, []Action{Report, Fix, Disable, Delete}},
		{"orphan", p.Orphan, []Action{Report, Disable, Delete}},
		{"drift", p.Drift, []Action{Report, Fix, Disable, Delete}},
		{"unmanaged", p.Unmanaged, []Action{Report, Fix, Disable, Delete}},
	} {
		found := false
		for _, a := range f.ok {
			found = found || a == f.a
		}
		if !found {
			return fmt.Errorf("%s: %q is not an action for it", f.class, f.a)
		}
	}
	return nil
}
