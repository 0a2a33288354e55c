package plan

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/policy"
)

// personOps computes one person's operations in every app.
func personOps(in Input, p *person.Person, acc policy.Access, held []account.Account) ([]Operation, Subject) {
	last, hasLast := in.Last[p.ID]
	subj := Subject{Label: p.Label(), Status: acc.Status}
	switch {
	case acc.Status == person.Terminated:
		subj.Class = Leaver
	case acc.Status == person.OnLeave:
		subj.Class = OnLeave
	case len(held) == 0:
		subj.Class = Joiner
	default:
		subj.Class = Mover
	}
	if hasLast {
		subj.Why = describe(last)
	}
	b := builder{in: in, p: p, class: subj.Class}
	if subj.Class == Leaver {
		b.since = in.Now
		if hasLast && last.Kind == person.Leave {
			b.since = last.EffectiveAt
		}
	}

	want := map[string][]policy.Grant{} // app → grants (entitlement "" = account only)
	for _, g := range acc.Grants {
		want[g.App] = append(want[g.App], g)
	}
	prepare := prepared(in, p, acc)
	heldApps := map[string]bool{}
	for _, a := range held {
		heldApps[a.App] = true
		grants, wanted := want[a.App]
		switch {
		case acc.Status == person.PreHire && prepare[a.App] != "":
			if a.State == account.Enabled { // ready, but not open before day one
				b.add(a.App, Disable, "", a.ExternalID, "not started yet: "+prepare[a.App])
			}
		case acc.Status == person.Terminated || acc.Status == person.PreHire:
			b.deprovision(a, leaverReason(acc.Status, last, hasLast), last)
		case acc.Status == person.OnLeave:
			if a.State == account.Enabled {
				why := "on leave of absence"
				if hasLast && last.Kind == person.LeaveOfAbsence {
					why += " since " + last.EffectiveAt.UTC().Format("2006-01-02")
				}
				b.add(a.App, Disable, "", a.ExternalID, why)
				b.add(a.App, RevokeSessions, "", a.ExternalID, why)
			}
		case !wanted:
			b.deprovision(a, "no current rule or request grants access to "+a.App+moveContext(last, hasLast), last)
		default:
			if a.State != account.Enabled {
				b.add(a.App, Enable, "", a.ExternalID, grants[0].Reason)
			}
			b.update(a, p)
			b.entitlements(a, grants, moveContext(last, hasLast))
		}
	}
	for _, app := range slices.Sorted(maps.Keys(prepare)) {
		if !heldApps[app] {
			b.add(app, Prepare, "", "", prepare[app])
		}
	}
	if acc.Status == person.Active {
		for _, app := range acc.Apps() {
			if heldApps[app] {
				continue
			}
			grants := want[app]
			b.add(app, Create, "", "", grants[0].Reason)
			b.entitlements(account.Account{App: app}, grants, "")
		}
	}
	return b.ops, subj
}

// prepared returns, for a pre-hire, the apps whose account should already
// exist (disabled) because the start date is within the app's
// provision_before_start, each with its reason.
func prepared(in Input, p *person.Person, acc policy.Access) map[string]string {
	out := map[string]string{}
	if acc.Status != person.PreHire || in.OnStart == nil || p.StartDate.IsZero() {
		return out
	}
	for _, g := range in.OnStart(p).Grants {
		a := in.Apps[g.App]
		if _, done := out[g.App]; done || a.ProvisionBeforeStart <= 0 || in.Now.Before(p.StartDate.Add(-a.ProvisionBeforeStart)) {
			continue
		}
		out[g.App] = "ready for the start on " + p.StartDate.Format("2006-01-02") + " (" + g.Reason + ")"
	}
	return out
}

// builder accumulates one person's operations.
type builder struct {
	in    Input
	p     *person.Person
	class Class
	since time.Time
	ops   []Operation
}

func (b *builder) add(app string, act Action, ent, extID, reason string) *Operation {
	a := b.in.Apps[app]
	op := Operation{Person: b.p.ID, App: app, Action: act, Entitlement: ent, Reason: reason,
		Class: b.class, Tier: a.Tier, ExternalID: extID, Since: b.since}
	if a.Manual {
		op.Action, op.Step = Task, act
		op.Assignee = a.Owner
		op.Instruction = Instruction(act, ent, b.p, a)
		if act.Removal() {
			op.Due = b.in.Now.Add(a.Deadline)
		} else {
			op.Due = b.in.Now.Add(24 * time.Hour)
		}
	}
	b.ops = append(b.ops, op)
	return &b.ops[len(b.ops)-1]
}

// deprovision removes an account per the app's leaver policy: disable (so
// no new login), kill live sessions, strip memberships, delete when due.
func (b *builder) deprovision(a account.Account, why string, last person.Event) {
	app := b.in.Apps[a.App]
	if a.State == account.Enabled {
		b.add(a.App, Disable, "", a.ExternalID, why)
		b.add(a.App, RevokeSessions, "", a.ExternalID, why)
	}
	for _, e := range a.Entitlements {
		b.add(a.App, Revoke, e, a.ExternalID, why)
	}
	if app.Delete {
		from := b.in.Now
		if !last.EffectiveAt.IsZero() && last.Kind == person.Leave && last.EffectiveAt.Before(from) {
			from = last.EffectiveAt
		}
		op := b.add(a.App, Delete, "", a.ExternalID, why)
		if app.DeleteAfter > 0 {
			op.NotBefore = from.Add(app.DeleteAfter)
		}
	}
}

// entitlements grants what is wanted and not held, revokes what is held
// and no longer wanted.
func (b *builder) entitlements(a account.Account, grants []policy.Grant, ctx string) {
	wanted := map[string]bool{}
	for _, g := range grants {
		if g.Entitlement == "" {
			continue
		}
		wanted[g.Entitlement] = true
		if !a.Has(g.Entitlement) {
			b.add(a.App, Grant, g.Entitlement, a.ExternalID, g.Reason)
		}
	}
	ents := slices.Clone(a.Entitlements)
	slices.Sort(ents)
	for _, e := range ents {
		if !wanted[e] {
			b.add(a.App, Revoke, e, a.ExternalID, "no current rule or request grants "+e+ctx)
		}
	}
}

// update brings attributes the app holds in line with the roster. Only the
// attributes the known state records are compared.
func (b *builder) update(a account.Account, p *person.Person) {
	want := map[string]string{"email": p.Email, "displayName": p.Name(), "userName": p.Email}
	var cs []person.Change
	keys := make([]string, 0, len(a.Attributes))
	for k := range a.Attributes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if w, ok := want[k]; ok && w != "" && a.Attributes[k] != w {
			cs = append(cs, person.Change{Field: k, From: a.Attributes[k], To: w})
		}
	}
	if len(cs) > 0 {
		op := b.add(a.App, Update, "", a.ExternalID, "roster changed: "+person.ChangeSummary(cs))
		op.Changes = cs
	}
}

func leaverReason(s person.Status, last person.Event, ok bool) string {
	if s == person.PreHire {
		return "not started yet (pre-hire)"
	}
	if ok && last.Kind == person.Leave {
		return "terminated " + last.EffectiveAt.UTC().Format("2006-01-02")
	}
	return "terminated"
}

func moveContext(last person.Event, ok bool) string {
	if ok && last.Kind == person.Move {
		return " (moved: " + person.ChangeSummary(last.Changes) + ")"
	}
	return ""
}

func describe(e person.Event) string {
	d := e.EffectiveAt.UTC().Format("2006-01-02")
	switch e.Kind {
	case person.Move:
		return "moved " + d + ": " + person.ChangeSummary(e.Changes)
	case person.Leave:
		return "terminated " + d
	case person.Join:
		return "joined " + d
	case person.Rehire:
		return "rehired " + d
	case person.LeaveOfAbsence:
		return "on leave since " + d
	case person.Return:
		return "returned " + d
	}
	return string(e.Kind) + " " + d
}

// Instruction is what a human must do to perform an action by hand, in
// words an app owner can follow: "disable account of Jane Doe <jane@…> in Payroll".
func Instruction(act Action, ent string, p *person.Person, a App) string {
	name := a.Name
	if name == "" {
		name = a.ID
	}
	who := p.Label()
	switch act {
	case Create:
		return fmt.Sprintf("create an account for %s in %s", who, name)
	case Prepare:
		return fmt.Sprintf("create a disabled account for %s in %s, to be enabled on %s", who, name, p.StartDate.Format("2006-01-02"))
	case Enable:
		return fmt.Sprintf("re-enable the account of %s in %s", who, name)
	case Update:
		return fmt.Sprintf("update the account of %s in %s", who, name)
	case Grant:
		return fmt.Sprintf("give %s %q in %s", who, ent, name)
	case Revoke:
		return fmt.Sprintf("remove %q from %s in %s", ent, who, name)
	case Disable:
		return fmt.Sprintf("disable account of %s in %s", who, name)
	case RevokeSessions:
		return fmt.Sprintf("sign %s out of every session in %s", who, name)
	case Delete:
		return fmt.Sprintf("delete account of %s in %s", who, name)
	}
	return fmt.Sprintf("%s for %s in %s", act, who, name)
}
