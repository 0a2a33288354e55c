package person

import (
	"slices"
	"time"
)

// DiffOptions tune how a snapshot becomes events.
type DiffOptions struct {
	// Now is the import time: it decides which dates have passed.
	Now time.Time
	// Full says the snapshot is the whole roster, so someone missing from it
	// is absent (and handled per AbsentTerminate). A partial feed (HR events)
	// sets it false.
	Full bool
	// AbsentTerminate terminates people missing from a full snapshot; when
	// false they are left as they are (the safe default: a missing row is
	// more often an export bug than a departure).
	AbsentTerminate bool
	// MoveFields are fields whose change is a move: MoveFields plus every
	// field a birthright rule reads. "attributes" covers all custom ones.
	MoveFields []string
	// Source is recorded on every event ("import roster.csv").
	Source string
}

// DiffResult is what a snapshot changes.
type DiffResult struct {
	// People are the new records to store (only those that changed).
	People []Person
	// Events are the lifecycle events, in roster order.
	Events []Event
}

// Diff compares a snapshot with the current roster and derives the
// lifecycle events that turn one into the other. It is pure: the caller
// stores the result. Re-diffing the same snapshot against its own result
// yields nothing, which makes re-imports no-ops.
func Diff(current map[string]*Person, snapshot []Person, o DiffOptions) DiffResult {
	var r DiffResult
	now := o.Now.UTC()
	seen := make(map[string]struct{}, len(snapshot))
	for i := range snapshot {
		p := snapshot[i]
		seen[p.ID] = struct{}{}
		p.Status = p.StatusAt(now)
		old, ok := current[p.ID]
		if ok && p.Groups == nil {
			p.Groups = old.Groups // only the identity provider's feed carries groups
		}
		if ok && p.SourceGroups == nil {
			p.SourceGroups = old.SourceGroups
		}
		if ok && old.Equal(p) {
			continue
		}
		r.People = append(r.People, p)
		mk := func(k Kind, at time.Time, cs []Change) {
			st := Applied
			if at.After(now) {
				st = Scheduled
			}
			r.Events = append(r.Events, Event{PersonID: p.ID, Kind: k, EffectiveAt: at, State: st, Changes: cs, Source: o.Source})
		}
		if !ok {
			joinEvents(p, now, mk)
			continue
		}
		lifecycleEvents(old, &p, now, o.MoveFields, mk)
	}
	if o.Full && o.AbsentTerminate {
		ids := make([]string, 0)
		for id, old := range current {
			if _, ok := seen[id]; !ok && old.Status != Terminated {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			p := *current[id]
			p.Terminated, p.Status = true, Terminated
			r.People = append(r.People, p)
			r.Events = append(r.Events, Event{
				PersonID: id, Kind: Leave, EffectiveAt: now, State: Applied, Source: o.Source,
				Changes: []Change{{Field: "roster", From: "present", To: "absent"}},
			})
		}
	}
	return r
}

// joinEvents handles someone the roster has never seen.
func joinEvents(p Person, now time.Time, mk func(Kind, time.Time, []Change)) {
	switch p.Status {
	case Terminated:
		// Already gone before we first heard of them: remembered (so a later
		// account in some app is recognised as a ghost), but no event.
	case PreHire:
		mk(Join, p.StartDate, nil)
	default:
		mk(Join, cmpDate(p.StartDate, now), nil)
		if p.Status == OnLeave {
			mk(LeaveOfAbsence, now, nil)
		}
	}
	if p.Status != Terminated && !p.EndDate.IsZero() && p.EndDate.After(now) {
		mk(Leave, p.EndDate, nil) // hired with a known end (a fixed-term contract)
	}
}

// lifecycleEvents handles a changed record of someone already on the roster.
func lifecycleEvents(old, p *Person, now time.Time, moveFields []string, mk func(Kind, time.Time, []Change)) {
	changes := p.Changes(old)
	var moves, updates, dates []Change
	for _, c := range changes {
		switch {
		case c.Field == "onLeave" || c.Field == "terminated":
			// Expressed by the status transition below.
		case c.Field == "startDate" || c.Field == "endDate":
			dates = append(dates, c)
		case c.Field == "sourceGroups":
			// "groups" reports the change; by source it is a move only
			// when a rule reads it, and a leaver has nothing to move.
			if isMoveField(c.Field, moveFields) && p.Status != Terminated {
				moves = append(moves, c)
			}
		case isMoveField(c.Field, moveFields):
			moves = append(moves, c)
		default:
			updates = append(updates, c)
		}
	}
	status := append([]Change{{Field: "status", From: string(old.Status), To: string(p.Status)}}, dates...)
	lifecycle := true
	switch {
	case old.Status != Terminated && p.Status == Terminated:
		mk(Leave, cmpDate(p.EndDate, now), status)
	case old.Status == Terminated && p.Status != Terminated:
		at := now
		if p.Status == PreHire {
			at = p.StartDate
		}
		mk(Rehire, at, status)
	case old.Status == PreHire && p.Status != PreHire:
		// The start date arrived: this fires the scheduled join.
		mk(Join, cmpDate(p.StartDate, now), status)
		if p.Status == OnLeave {
			mk(LeaveOfAbsence, now, nil)
		}
	case old.Status == Active && p.Status == OnLeave:
		mk(LeaveOfAbsence, now, status)
	case old.Status == OnLeave && p.Status == Active:
		mk(Return, now, status)
	default:
		lifecycle = false
	}
	// A new or moved future start date (re)schedules the join; a new or
	// moved future end date (re)schedules the leave. The caller cancels the
	// person's earlier scheduled event of the same kind.
	if p.Status == PreHire && !p.StartDate.Equal(old.StartDate) && old.Status != Terminated {
		mk(Join, p.StartDate, dates)
		lifecycle = true
	}
	if p.Status != Terminated && !p.EndDate.Equal(old.EndDate) && p.EndDate.After(now) {
		mk(Leave, p.EndDate, dates)
		lifecycle = true
	}
	if !lifecycle {
		updates = append(updates, dates...) // a corrected date with no lifecycle effect
	}
	if len(moves) > 0 && p.Status != Terminated {
		mk(Move, now, moves)
	} else {
		updates = append(moves, updates...)
	}
	if len(updates) > 0 {
		mk(Update, now, updates)
	}
}

func isMoveField(field string, moveFields []string) bool {
	if slices.Contains(MoveFields, field) || slices.Contains(moveFields, field) {
		return true
	}
	if len(field) > len("attributes.") && field[:len("attributes.")] == "attributes." {
		return slices.Contains(moveFields, "attributes") || slices.Contains(moveFields, field)
	}
	return false
}

// cmpDate is d, or now when d is not given.
func cmpDate(d, now time.Time) time.Time {
	if d.IsZero() {
		return now
	}
	return d
}
