// Package reconcile looks at what each app really holds and deals with
// every difference from what should exist. It reads the app through the
// connector's Lister a page at a time (never the whole app in memory),
// matches each account to a person with the app's correlation rules, and
// classifies it: in sync, drifted, ghost, orphan, unmanaged, service
// account or ambiguous. The app's policy says what to do per class, and
// the result goes the way every change goes — known state, plan, queue,
// verification, audit — in one transaction, held whole by the mass-change
// guard when it would take access from too many accounts.
package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/correlate"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
)

// Options tune one run.
type Options struct {
	// DryRun classifies and plans but stores and queues nothing.
	DryRun bool
	// Progress, when set, is called after each page with the number of
	// accounts read so far.
	Progress func(seen int)
}

// Result is what one run found and did.
type Result struct {
	App string `json:"app"`
	// Seen is how many accounts the app holds; Counts how many of each
	// class (in-sync included).
	Seen     int                   `json:"seen"`
	Counts   map[account.Class]int `json:"counts"`
	Findings []account.Finding     `json:"findings"`
	lifecycle.ReconcileResult
	DryRun bool `json:"dryRun,omitempty"`
}

// Run reconciles one app of tenant t through l.
func Run(ctx context.Context, t *lifecycle.Tenant, app App, l connector.Lister, o Options) (*Result, error) {
	if err := app.Policy.Check(); err != nil {
		return nil, fmt.Errorf("reconcile %s: policy %w", app.ID, err)
	}
	pa, ok := t.App(app.ID)
	if !ok {
		return nil, fmt.Errorf("reconcile: app %q is not configured for tenant %s", app.ID, t.ID())
	}
	in, err := t.ReconcileInput(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	m, err := correlate.New(app.Correlate, in.People)
	if err != nil {
		return nil, fmt.Errorf("reconcile %s: %w", app.ID, err)
	}
	c := newClassifier(app, pa, in, m)
	cursor := ""
	for {
		page, next, err := l.List(ctx, cursor)
		if err != nil {
			return nil, fmt.Errorf("reconcile %s: list accounts after %d: %w", app.ID, c.seen, err)
		}
		for i := range page {
			if err := c.account(&page[i]); err != nil {
				return nil, fmt.Errorf("reconcile %s: %w", app.ID, err)
			}
		}
		if o.Progress != nil {
			o.Progress(c.seen)
		}
		if next == "" || next == cursor {
			break
		}
		cursor = next
	}
	r := c.finish()
	res, err := t.Reconcile(ctx, r, o.DryRun)
	if err != nil {
		return nil, err
	}
	return &Result{App: app.ID, Seen: c.seen, Counts: c.counts, Findings: r.Findings, ReconcileResult: *res, DryRun: o.DryRun}, nil
}

// classifier holds one run's state: the snapshot, and what it found.
type classifier struct {
	app  App
	pa   plan.App
	now  time.Time
	m    *correlate.Matcher
	want func(*person.Person) policy.Access
	// known are the known state's accounts of the app by external id,
	// removed as they are seen: what is left at the end is gone. Only a
	// fingerprint of each is kept, so the app's size costs little memory.
	known map[string]knownAccount
	// knownPerson maps a person to their known account's external id.
	knownPerson map[string]string
	// linked are the people an account seen so far was matched to.
	linked map[string]bool

	seen   int
	counts map[account.Class]int
	out    lifecycle.Reconciliation
	replan map[string]bool
}

func newClassifier(app App, pa plan.App, in lifecycle.ReconcileInput, m *correlate.Matcher) *classifier {
	c := &classifier{app: app, pa: pa, now: in.Now, m: m, want: in.Desired,
		known: make(map[string]knownAccount, len(in.Known)), knownPerson: map[string]string{},
		linked: map[string]bool{}, counts: map[account.Class]int{}, replan: map[string]bool{},
		out: lifecycle.Reconciliation{App: app.ID, Findings: []account.Finding{}}}
	for _, a := range in.Known {
		c.known[a.ExternalID] = knownAccount{personID: a.PersonID, userName: a.UserName, state: a.State,
			serviceOwner: a.ServiceOwner, fp: fingerprint(&a)}
		if a.PersonID != "" {
			c.knownPerson[a.PersonID] = a.ExternalID
		}
	}
	return c
}

// account classifies one account the app holds.
func (c *classifier) account(a *account.Account) error {
	c.seen++
	a.App = c.app.ID
	a.SeenAt = c.now
	known, wasKnown := c.known[a.ExternalID]
	delete(c.known, a.ExternalID)

	if owner, ok := c.serviceOwner(a, known, wasKnown); ok {
		c.service(a, owner)
		return nil
	}
	match, err := c.m.Match(a)
	if err != nil {
		return err
	}
	f := account.Finding{App: a.App, ExternalID: a.ExternalID, UserName: a.UserName, State: a.State, SeenAt: c.now}
	switch {
	case match.Ambiguous():
		f.Class, f.Candidates, f.Action = account.Ambiguous, match.Candidates, string(Report)
		f.Detail = fmt.Sprintf("rule %q matches %d people (%s): a human decides", match.Rule, len(match.Candidates), strings.Join(match.Candidates, ", "))
		c.flag(f)
		return nil
	case match.Person == nil:
		c.orphan(a, f)
		return nil
	}
	p := match.Person
	f.PersonID = p.ID
	linked := *a
	linked.PersonID = p.ID
	c.linked[p.ID] = true
	st := p.StatusAt(c.now)
	if st == person.Terminated {
		if a.State != account.Enabled {
			c.inSync(linked, known, wasKnown)
			return nil
		}
		f.Class = account.Ghost
		f.Detail = fmt.Sprintf("active account of %s, who is terminated", p.Label())
		c.out.Ghosts = append(c.out.Ghosts, p.ID)
		c.act(f, c.app.Policy.Ghost, linked)
		return nil
	}
	drift := c.drift(a, p, st, &f)
	_, personKnown := c.knownPerson[p.ID]
	switch {
	case !wasKnown && !personKnown:
		f.Class = account.Unmanaged
		f.Detail = "account Tenure did not create (first login or by hand), matched by " + match.Rule
		if drift != "" {
			f.Detail += "; " + drift
		}
		c.act(f, c.app.Policy.Unmanaged, linked)
	case drift != "":
		f.Class, f.Detail = account.Drift, drift
		c.act(f, c.app.Policy.Drift, linked)
	default:
		c.inSync(linked, known, wasKnown)
	}
	return nil
}

// drift describes how a's entitlements, attributes and state differ from
// what p's status and desired access call for ("" when they do not),
// filling f's Missing, Extra and Attributes.
func (c *classifier) drift(a *account.Account, p *person.Person, st person.Status, f *account.Finding) string {
	var why []string
	if st != person.Active {
		if a.State == account.Enabled {
			why = append(why, "enabled while "+string(st))
		}
		return strings.Join(why, "; ")
	}
	acc := c.want(p)
	wanted, ents := false, map[string]bool{}
	for _, g := range acc.Grants {
		if g.App != c.app.ID {
			continue
		}
		wanted = true
		if g.Entitlement != "" {
			ents[g.Entitlement] = true
		}
	}
	if !wanted {
		if a.State == account.Enabled {
			return "no current rule or request grants access to " + c.app.ID
		}
		return ""
	}
	if a.State != account.Enabled {
		why = append(why, "disabled, but access is granted")
	}
	for _, e := range slices.Sorted(maps.Keys(ents)) {
		if !a.Has(e) {
			f.Missing = append(f.Missing, e)
		}
	}
	for _, e := range a.Entitlements {
		if !ents[e] {
			f.Extra = append(f.Extra, e)
		}
	}
	slices.Sort(f.Extra)
	if len(f.Missing) > 0 {
		why = append(why, "missing "+strings.Join(f.Missing, ", "))
	}
	if len(f.Extra) > 0 {
		why = append(why, "extra "+strings.Join(f.Extra, ", "))
	}
	// The attributes the plan keeps in line (see plan's update).
	want := map[string]string{"email": p.Email, "displayName": p.Name()}
	for _, k := range slices.Sorted(maps.Keys(a.Attributes)) {
		if w, ok := want[k]; ok && w != "" && a.Attributes[k] != w {
			f.Attributes = append(f.Attributes, fmt.Sprintf("%s: %s → %s", k, a.Attributes[k], w))
		}
	}
	if len(f.Attributes) > 0 {
		why = append(why, "attributes "+strings.Join(f.Attributes, "; "))
	}
	return strings.Join(why, "; ")
}

// orphan handles an account no person matches.
func (c *classifier) orphan(a *account.Account, f account.Finding) {
	f.Class = account.Orphan
	f.Detail = "no person matches this account"
	if a.State != account.Enabled {
		f.Detail += " (disabled)"
	}
	acc := *a
	acc.PersonID = "" // whatever the app's link says, it leads to nobody
	act := c.app.Policy.Orphan
	f.Action = string(act)
	if act == Report {
		c.flag(f)
		return
	}
	c.out.Seen = append(c.out.Seen, acc)
	step := plan.Disable
	if act == Delete {
		step = plan.Delete
	}
	if step == plan.Delete || a.State == account.Enabled {
		c.out.Ops = append(c.out.Ops, c.accountOp(acc, step, "orphan: no person matches "+cmp.Or(a.UserName, a.ExternalID)))
	}
	c.flag(f)
}

// act applies a policy action to a person's account (linked to them).
func (c *classifier) act(f account.Finding, act Action, linked account.Account) {
	f.Action = string(act)
	c.flag(f)
	switch act {
	case Report:
		return
	case Fix:
		c.out.Seen = append(c.out.Seen, linked)
		c.replan[linked.PersonID] = true
	case Disable:
		c.out.Seen = append(c.out.Seen, linked)
		if f.Class == account.Ghost {
			c.replan[linked.PersonID] = true // the app's leaver policy: disable, sessions, memberships
			return
		}
		if linked.State == account.Enabled {
			c.out.Ops = append(c.out.Ops, c.personOp(linked, plan.Disable, string(f.Class)+": "+f.Detail))
		}
	case Delete:
		c.out.Seen = append(c.out.Seen, linked)
		if f.Class == account.Ghost {
			c.replan[linked.PersonID] = true
		}
		c.out.Ops = append(c.out.Ops, c.personOp(linked, plan.Delete, string(f.Class)+": "+f.Detail))
	}
}

// inSync counts an account that needs nothing, refreshing the known state
// when it differs from what was seen.
func (c *classifier) inSync(linked account.Account, known knownAccount, wasKnown bool) {
	c.counts[account.InSync]++
	if !wasKnown || known.fp != fingerprint(&linked) {
		c.out.Seen = append(c.out.Seen, linked)
	}
}

func (c *classifier) flag(f account.Finding) {
	c.counts[f.Class]++
	c.out.Findings = append(c.out.Findings, f)
}

// finish turns what is left of the known state into "gone" accounts and
// returns the reconciliation to apply.
func (c *classifier) finish() lifecycle.Reconciliation {
	for _, id := range slices.Sorted(maps.Keys(c.known)) {
		a := c.known[id]
		c.out.Gone = append(c.out.Gone, id)
		if a.personID == "" || c.linked[a.personID] {
			continue // an orphan gone, or a person whose account was seen under a new id
		}
		p, ok := c.m.Person(a.personID)
		if !ok || p.StatusAt(c.now) == person.Terminated {
			continue // gone is what a leaver's account should be
		}
		f := account.Finding{App: c.app.ID, ExternalID: id, UserName: a.userName, Class: account.Drift, PersonID: a.personID,
			State: a.state, SeenAt: c.now, Detail: "account missing from the app (deleted outside Tenure, or a sync skipped it)"}
		f.Action = string(c.app.Policy.Drift)
		c.flag(f)
		if c.app.Policy.Drift == Fix {
			c.replan[a.personID] = true
		}
	}
	c.out.Replan = slices.Sorted(maps.Keys(c.replan))
	return c.out
}

// accountOp is an operation on an account of no person.
func (c *classifier) accountOp(a account.Account, act plan.Action, why string) plan.Operation {
	o := plan.Operation{App: c.app.ID, Action: act, ExternalID: a.ExternalID, Reason: why, Class: plan.Leaver, Tier: c.pa.Tier}
	o.Instruction = fmt.Sprintf("%s account %s in %s: %s", act, cmp.Or(a.UserName, a.ExternalID), cmp.Or(c.pa.Name, c.pa.ID), why)
	return c.manual(o)
}

// personOp is an operation the policy asks for on a person's account.
func (c *classifier) personOp(a account.Account, act plan.Action, why string) plan.Operation {
	o := plan.Operation{Person: a.PersonID, App: c.app.ID, Action: act, ExternalID: a.ExternalID, Reason: why,
		Class: plan.Leaver, Tier: c.pa.Tier}
	if p, ok := c.m.Person(a.PersonID); ok {
		o.Instruction = plan.Instruction(act, "", p, c.pa)
	}
	return c.manual(o)
}

// manual makes o a task for the owner of an app without an API.
func (c *classifier) manual(o plan.Operation) plan.Operation {
	if c.pa.Manual {
		o.Step, o.Action, o.Assignee = o.Action, plan.Task, c.pa.Owner
		o.Due = c.now.Add(cmp.Or(c.pa.Deadline, 24*time.Hour))
	}
	return o
}

// knownAccount is what a run keeps of a known account.
type knownAccount struct {
	personID, userName, serviceOwner string
	state                            account.State
	fp                               uint64
}

// fingerprint hashes what the known state records of an account, so a seen
// account that matches it need not be written again.
func fingerprint(a *account.Account) uint64 {
	h := fnv.New64a()
	w := func(s string) { _, _ = h.Write([]byte(s)); _, _ = h.Write([]byte{0}) }
	w(a.PersonID)
	w(a.UserName)
	w(string(a.State))
	w(a.ServiceOwner)
	for _, e := range sorted(a.Entitlements) {
		w(e)
	}
	w("\x01")
	for _, k := range slices.Sorted(maps.Keys(a.Attributes)) {
		w(k)
		w(a.Attributes[k])
	}
	return h.Sum64()
}

func sorted(s []string) []string {
	if slices.IsSorted(s) {
		return s
	}
	return slices.Sorted(slices.Values(s))
}
