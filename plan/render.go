package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Summary counts a plan's operations the way the text form's last line does.
type Summary struct {
	Add    int `json:"add"`
	Change int `json:"change"`
	Remove int `json:"remove"`
	Tasks  int `json:"tasks"`
	People int `json:"people"`
}

// Summarize counts operations.
func (p Plan) Summarize() Summary {
	s := Summary{People: len(p.People)}
	for _, o := range p.Operations {
		if o.Action == Task {
			s.Tasks++
		}
		switch a := o.Effective(); {
		case a.Removal():
			s.Remove++
		case a == Update:
			s.Change++
		default:
			s.Add++
		}
	}
	return s
}

// WriteJSON writes {"operations":[…],"people":{…},"summary":{…}}.
func (p Plan) WriteJSON(w io.Writer) error {
	ops := p.Operations
	if ops == nil {
		ops = []Operation{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Operations []Operation        `json:"operations"`
		People     map[string]Subject `json:"people"`
		Summary    Summary            `json:"summary"`
		Warnings   []string           `json:"warnings,omitempty"`
	}{ops, p.People, p.Summarize(), p.Warnings})
}

// symbol is the terraform-style mark of an action.
func symbol(a Action) string {
	switch {
	case a.Removal():
		return "-"
	case a == Update:
		return "~"
	}
	return "+"
}

// WriteText writes the plan grouped per person, in plan order (people in
// the order of their first operation, so leavers lead), each line with its
// reason.
func (p Plan) WriteText(w io.Writer) error {
	var order []string
	groups := map[string][]Operation{}
	for _, o := range p.Operations {
		if _, ok := groups[o.Person]; !ok {
			order = append(order, o.Person)
		}
		groups[o.Person] = append(groups[o.Person], o)
	}
	var b strings.Builder
	if len(order) == 0 {
		b.WriteString("No changes: every app matches the desired access.\n")
	}
	for _, id := range order {
		s := p.People[id]
		head := fmt.Sprintf("%s  %s  [%s", id, s.Label, s.Class)
		if s.Why != "" {
			head += ": " + s.Why
		}
		b.WriteString(head + "]\n")
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, o := range groups[id] {
			what := string(o.Effective())
			if o.Entitlement != "" {
				what += " " + o.Entitlement
			}
			if o.Action == Task {
				what = "task: " + what
			}
			reason := o.Reason
			if !o.NotBefore.IsZero() {
				reason = "after " + o.NotBefore.UTC().Format("2006-01-02") + "; " + reason
			}
			fmt.Fprintf(tw, "  %s %s\t%s\t%s\n", symbol(o.Effective()), o.App, what, reason)
			if o.Action == Task {
				fmt.Fprintf(tw, "      \t→ %s, due %s\t%q\n", o.Assignee, o.Due.UTC().Format(time.DateTime), o.Instruction)
			}
		}
		tw.Flush()
		b.WriteString("\n")
	}
	for _, wn := range p.Warnings {
		b.WriteString("warning: " + wn + "\n")
	}
	s := p.Summarize()
	fmt.Fprintf(&b, "Plan: %d to add, %d to change, %d to remove", s.Add, s.Change, s.Remove)
	if s.Tasks > 0 {
		fmt.Fprintf(&b, " (%d as manual tasks)", s.Tasks)
	}
	fmt.Fprintf(&b, "; %d people.\n", s.People)
	_, err := io.WriteString(w, b.String())
	return err
}
