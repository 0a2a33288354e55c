// Package plan compares desired access with the known actual state of every
// app and produces the ordered operations that close the gap.
//
// Order is a safety property, not cosmetics: every removal comes before any
// grant; among removals leavers come first, then people on leave, then
// movers; crown-jewel apps before standard ones. If work is cut short, what
// was left undone is access not yet given, never access not yet taken away.
package plan

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/policy"
)

// Action is what an operation does.
type Action string

// Actions. Task is an operation a human must do: the app has no API (a
// manual connector); Step then says what the human is to do.
const (
	Create Action = "create"
	// Prepare creates a pre-hire's account disabled, ready for the start
	// date (the app's provision_before_start); Enable opens it on the day.
	Prepare           Action = "prepare"
	Enable            Action = "enable"
	Update            Action = "update"
	Grant             Action = "grant"
	Revoke            Action = "revoke"
	Disable           Action = "disable"
	RevokeSessions    Action = "revoke-sessions"
	Delete            Action = "delete"
	TransferOwnership Action = "transfer-ownership"
	Task              Action = "task"
)

// SessionsClock names the leaver clock of a person's sign-out from app:
// the account's clock stops when it is disabled, this one when the live
// sessions and tokens are verified gone.
func SessionsClock(app string) string { return "sessions:" + app }

// Removal reports whether the action takes access away.
func (a Action) Removal() bool {
	switch a {
	case Revoke, Disable, RevokeSessions, Delete:
		return true
	}
	return false
}

// step orders a person's operations in one app: disable before killing
// sessions (so no new session can start), then memberships, then delete;
// create before enabling before updating before granting.
func (a Action) step() int {
	return map[Action]int{Disable: 0, RevokeSessions: 1, Revoke: 2, Delete: 3, TransferOwnership: 4,
		Create: 0, Prepare: 0, Enable: 1, Update: 2, Grant: 3}[a]
}

// Class is why a person is in the plan, in priority order.
type Class string

// Classes, highest priority first.
const (
	Leaver  Class = "leaver"
	OnLeave Class = "on-leave"
	Mover   Class = "mover"
	Joiner  Class = "joiner"
)

func (c Class) rank() int {
	return map[Class]int{Leaver: 0, OnLeave: 1, Mover: 2, Joiner: 3}[c]
}

// Operation is one step of a plan.
type Operation struct {
	Person      string `json:"person"`
	App         string `json:"app"`
	Action      Action `json:"action"`
	Entitlement string `json:"entitlement,omitempty"`
	Reason      string `json:"reason"`
	// Step is the action a human is to perform when Action is "task".
	Step  Action `json:"step,omitempty"`
	Class Class  `json:"class"`
	Tier  string `json:"tier"`
	// ExternalID is the app's id of the account acted on (empty for create).
	ExternalID string `json:"externalId,omitempty"`
	// NotBefore delays an operation (a delete after the app's delete delay).
	NotBefore time.Time `json:"notBefore,omitzero"`
	// Since is, for a leaver's operations, the termination's effective
	// time: the leaver clock runs from here.
	Since time.Time `json:"since,omitzero"`
	// Changes are the attribute changes of an update.
	Changes []person.Change `json:"changes,omitempty"`
	// NewOwner is the employeeId a transfer-ownership gives a service
	// account to (empty when nobody qualifies: the task asks the app owner
	// to name one).
	NewOwner string `json:"newOwner,omitempty"`
	// Assignee, Due and Instruction describe a task.
	Assignee    string    `json:"assignee,omitempty"`
	Due         time.Time `json:"due,omitzero"`
	Instruction string    `json:"instruction,omitempty"`
}

// Effective is the action actually performed: Step for a task.
func (o Operation) Effective() Action {
	if o.Action == Task {
		return o.Step
	}
	return o.Action
}

// App is what the plan needs to know about a connected app.
type App struct {
	ID   string
	Name string
	Tier string
	// TierRank orders tiers: lower is more urgent (shorter leaver deadline).
	TierRank int
	// Deadline is the tier's leaver deadline, for task due times.
	Deadline time.Duration
	// Delete is the leaver policy: false disables, true deletes after DeleteAfter.
	Delete      bool
	DeleteAfter time.Duration
	// Manual apps have no API: their operations become tasks for Owner.
	Manual bool
	Owner  string
	// ProvisionBeforeStart is how long before a pre-hire's start date the
	// account is prepared (created disabled); zero waits for the start date.
	ProvisionBeforeStart time.Duration
	// EndsSessions says a connector of the app ends sessions itself (an
	// identity provider, or a session revoker beside the connector): a
	// leaver's sign-out there is then timed on a clock of its own,
	// SessionsClock(ID), as the account's removal is.
	EndsSessions bool
	// ServiceSuccessor is the employeeId who takes over a service account
	// when its owner leaves and the owner's manager cannot (absent, or
	// gone too); empty falls back to a task for Owner.
	ServiceSuccessor string
}

// Input is everything a plan is computed from.
type Input struct {
	Now  time.Time
	Apps map[string]App
	// People is the roster; Only, when not empty, restricts the plan to one person.
	People []person.Person
	Only   string
	// Desired computes a person's desired access (policy.Policy.Desired
	// bound to the tenant's requests).
	Desired func(*person.Person) policy.Access
	// OnStart computes a pre-hire's access as of their start date, for
	// apps that prepare accounts early; nil prepares nothing.
	OnStart func(*person.Person) policy.Access
	// Accounts is the known actual state.
	Accounts []account.Account
	// Last is each person's most recent applied lifecycle event (other than
	// update), used to explain removals and date leavers.
	Last map[string]person.Event
}

// Plan is the ordered result.
type Plan struct {
	Operations []Operation `json:"operations"`
	// People describes each person who has operations.
	People map[string]Subject `json:"people"`
	// Warnings are rules that failed to evaluate, apps the state mentions
	// that the config does not know, and the like.
	Warnings []string `json:"warnings,omitempty"`
}

// Subject is a person as the plan presents them.
type Subject struct {
	Label  string        `json:"label"`
	Class  Class         `json:"class"`
	Status person.Status `json:"status"`
	// Why summarises the latest lifecycle event ("moved: department: Support → Engineering").
	Why string `json:"why,omitempty"`
}

// Build computes the plan.
func Build(in Input) Plan {
	pl := Plan{People: map[string]Subject{}}
	byPerson := map[string][]account.Account{}
	for _, a := range in.Accounts {
		if a.PersonID == "" {
			continue // orphans are reconciliation's business
		}
		if _, ok := in.Apps[a.App]; !ok {
			pl.Warnings = append(pl.Warnings, fmt.Sprintf("account %s in app %q: app not in config; ignored", a.ExternalID, a.App))
			continue
		}
		byPerson[a.PersonID] = append(byPerson[a.PersonID], a)
	}
	// People are independent: compute them on every core, then merge in
	// roster order so the result does not depend on scheduling.
	type result struct {
		ops      []Operation
		subj     Subject
		warnings []string
	}
	results := make([]result, len(in.People))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(in.People); i += workers {
				p := &in.People[i]
				if in.Only != "" && p.ID != in.Only {
					continue
				}
				acc := in.Desired(p)
				r := &results[i]
				for _, e := range acc.Errors {
					r.warnings = append(r.warnings, p.ID+": "+e)
				}
				r.ops, r.subj = personOps(in, p, acc, byPerson[p.ID])
			}
		})
	}
	wg.Wait()
	for i, r := range results {
		pl.Warnings = append(pl.Warnings, r.warnings...)
		if len(r.ops) > 0 {
			pl.Operations = append(pl.Operations, r.ops...)
			pl.People[in.People[i].ID] = r.subj
		}
	}
	slices.SortStableFunc(pl.Operations, func(a, b Operation) int {
		return compare(in.Apps, a, b)
	})
	return pl
}

// compare is the plan order (see package doc).
func compare(apps map[string]App, a, b Operation) int {
	ra, rb := a.Effective().Removal(), b.Effective().Removal()
	if ra != rb {
		if ra {
			return -1
		}
		return 1
	}
	return cmp.Or(
		cmp.Compare(a.Class.rank(), b.Class.rank()),
		cmp.Compare(apps[a.App].TierRank, apps[b.App].TierRank),
		cmp.Compare(a.Person, b.Person),
		cmp.Compare(a.App, b.App),
		cmp.Compare(a.Effective().step(), b.Effective().step()),
		cmp.Compare(a.Entitlement, b.Entitlement),
	)
}
