package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tenure-dev/tenure/person"
)

// Role is a business role: a bundle of entitlements across apps.
type Role struct {
	ID     string      `json:"id"`
	Grants []RoleGrant `json:"grants"`
}

// RoleGrant is one app (and optionally one entitlement in it) of a role.
// An empty Entitlement means "an account in the app", nothing more.
type RoleGrant struct {
	App         string `json:"app"`
	Entitlement string `json:"entitlement,omitempty"`
}

// Rule is a birthright rule: people for whom When is true get Roles, with no
// ticket and no approval.
type Rule struct {
	Name  string   `json:"name"`
	When  string   `json:"when"`
	Roles []string `json:"roles"`
}

// Document is the policy as data: what is stored as the accepted policy and
// compared to tell a policy change.
type Document struct {
	Roles []Role `json:"roles"`
	Rules []Rule `json:"rules"`
}

// Fingerprint identifies a policy document's content.
func (d Document) Fingerprint() string {
	b, _ := json.Marshal(d)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Policy is a compiled document, ready to evaluate.
type Policy struct {
	doc   Document
	roles map[string]Role
	exprs []*Expr
	// reasons[i][j] is the reason text of rule i's j-th role, built once.
	reasons [][]string
	// reads is every person field any rule reads: a change of one is a move.
	reads []string
	// groups partition the rules by the exact set of fields they read.
	groups []*group
}

// group is the rules that read the same fields. Their results depend only
// on those fields' values, which take few distinct values across a roster
// (40 departments × 25 titles, not 100,000 people), so they are memoised
// per group on those values.
type group struct {
	reads []string
	rules []int

	mu   sync.Mutex
	memo map[string][]int // values of reads → indexes of matching rules
}

// New compiles a policy document. Every rule must compile and every role it
// names must exist; config validation reports the same problems with their
// locations, so this failing means the caller skipped validation.
func New(d Document) (*Policy, error) {
	p := &Policy{doc: d, roles: make(map[string]Role, len(d.Roles))}
	byReads := map[string]*group{}
	for _, r := range d.Roles {
		p.roles[r.ID] = r
	}
	for _, r := range d.Rules {
		x, err := Compile(r.When)
		if err != nil {
			return nil, fmt.Errorf("birthright rule %q: %w", r.Name, err)
		}
		for _, id := range r.Roles {
			if _, ok := p.roles[id]; !ok {
				return nil, fmt.Errorf("birthright rule %q: unknown role %q", r.Name, id)
			}
		}
		p.exprs = append(p.exprs, x)
		rs := make([]string, len(r.Roles))
		for j, id := range r.Roles {
			rs[j] = "rule " + r.Name + " → role " + id
		}
		p.reasons = append(p.reasons, rs)
		gk := strings.Join(x.Reads, ",")
		g, ok := byReads[gk]
		if !ok {
			g = &group{reads: x.Reads, memo: map[string][]int{}}
			byReads[gk] = g
			p.groups = append(p.groups, g)
		}
		g.rules = append(g.rules, len(p.exprs)-1)
		for _, f := range x.Reads {
			if !slices.Contains(p.reads, f) {
				p.reads = append(p.reads, f)
			}
		}
	}
	slices.Sort(p.reads)
	return p, nil
}

// Document returns the policy's source document.
func (p *Policy) Document() Document { return p.doc }

// Reads lists the person fields the rules read; a change of one is a move.
func (p *Policy) Reads() []string { return slices.Clone(p.reads) }

// Access is a person's desired access at one moment.
type Access struct {
	Status person.Status
	// Grants are sorted by app then entitlement, one per (app, entitlement),
	// each app also present with an empty entitlement when some role grants
	// the bare account.
	Grants []Grant
	// Errors are rules that failed to evaluate for this person (for example
	// a custom attribute the person lacks); a failing rule grants nothing.
	Errors []string
}

// Apps returns the distinct apps of the grants, sorted.
func (a Access) Apps() []string {
	var apps []string
	for _, g := range a.Grants {
		if len(apps) == 0 || apps[len(apps)-1] != g.App {
			apps = append(apps, g.App)
		}
	}
	return apps
}

// Desired computes what p should hold at now. Only the person's current
// attributes count — never what they held before — so a move subtracts.
// Terminated and pre-hire people get nothing; on-leave people keep their
// grants on paper but the plan disables their accounts.
func (p *Policy) Desired(per *person.Person, now time.Time, reqs []Request) Access {
	cur := *per
	cur.Status = per.StatusAt(now)
	acc := Access{Status: cur.Status}
	if cur.Status == person.Terminated || cur.Status == person.PreHire {
		return acc
	}
	// A person holds a dozen grants or so: a linear scan beats a map.
	add := func(app, ent, reason string) {
		for i := range acc.Grants {
			if g := &acc.Grants[i]; g.App == app && g.Entitlement == ent {
				g.Reason += "; " + reason
				return
			}
		}
		acc.Grants = append(acc.Grants, Grant{PersonID: cur.ID, App: app, Entitlement: ent, Reason: reason})
	}
	matched, errs := p.match(&cur)
	acc.Errors = errs
	for _, i := range matched {
		for j, rid := range p.doc.Rules[i].Roles {
			for _, g := range p.roles[rid].Grants {
				add(g.App, g.Entitlement, p.reasons[i][j])
			}
		}
	}
	for _, rq := range reqs {
		if rq.PersonID == cur.ID && rq.Active(now) {
			add(rq.App, rq.Entitlement, fmt.Sprintf("request %s approved by %s until %s", rq.ID, rq.Approver, rq.ExpiresAt.UTC().Format("2006-01-02")))
		}
	}
	slices.SortFunc(acc.Grants, func(a, b Grant) int {
		return cmpStrings(a.App, b.App, a.Entitlement, b.Entitlement)
	})
	return acc
}

// match evaluates the rules for a person, group by group, each memoised on
// the values of the fields its rules read; most people cost one map lookup
// per group. Evaluation errors are not memoised. Indexes come back sorted,
// so reasons list rules in document order.
func (p *Policy) match(per *person.Person) ([]int, []string) {
	var matched []int
	var errs []string
	var kb strings.Builder
	for _, g := range p.groups {
		kb.Reset()
		for _, f := range g.reads {
			kb.WriteString(per.String(f))
			kb.WriteByte(0)
		}
		key := kb.String()
		g.mu.Lock()
		m, ok := g.memo[key]
		g.mu.Unlock()
		if !ok {
			m = []int{}
			failed := false
			for _, i := range g.rules {
				ok, err := p.exprs[i].Eval(per)
				if err != nil {
					errs = append(errs, fmt.Sprintf("rule %s: %v", p.doc.Rules[i].Name, err))
					failed = true
					continue
				}
				if ok {
					m = append(m, i)
				}
			}
			if !failed {
				g.mu.Lock()
				g.memo[key] = m
				g.mu.Unlock()
			}
		}
		matched = append(matched, m...)
	}
	slices.Sort(matched)
	return matched, errs
}

func cmpStrings(a1, b1, a2, b2 string) int {
	if c := strings.Compare(a1, b1); c != 0 {
		return c
	}
	return strings.Compare(a2, b2)
}
