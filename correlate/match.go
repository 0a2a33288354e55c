package correlate

import (
	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/person"
)

// Matcher matches accounts against one roster with compiled rules. It is
// safe for concurrent use once built.
type Matcher struct {
	rules  []*Rule
	people []person.Person
	// index maps a person field to its folded values → people indexes.
	index map[string]map[string][]int
}

// Match is the outcome for one account.
type Match struct {
	// Person is the one person matched; nil for no match or an ambiguous one.
	Person *person.Person
	// Rule is the rule that decided (matched one person, or several).
	Rule string
	// Candidates are the employeeIds an ambiguous rule matched (two or more).
	Candidates []string
}

// Ambiguous reports whether a rule matched more than one person.
func (m Match) Ambiguous() bool { return len(m.Candidates) > 1 }

// New compiles rules (DefaultRules when empty) and indexes people by the
// fields they read.
func New(rules []string, people []person.Person) (*Matcher, error) {
	if len(rules) == 0 {
		rules = DefaultRules
	}
	m := &Matcher{people: people, index: map[string]map[string][]int{}}
	fields := []string{"employeeId"} // Person looks people up by id
	for _, src := range rules {
		r, err := Compile(src)
		if err != nil {
			return nil, err
		}
		m.rules = append(m.rules, r)
		fields = append(fields, r.personField)
	}
	for _, f := range fields {
		if _, done := m.index[f]; done {
			continue
		}
		ix := make(map[string][]int, len(people))
		for i := range people {
			if k := fold(f, people[i].String(f)); k != "" {
				ix[k] = append(ix[k], i)
			}
		}
		m.index[f] = ix
	}
	return m, nil
}

// Match tries the rules in order on a.
func (m *Matcher) Match(a *account.Account) (Match, error) {
	for _, r := range m.rules {
		k, err := r.Key(a)
		if err != nil {
			return Match{}, err
		}
		if k = fold(r.personField, k); k == "" {
			continue
		}
		hits := m.index[r.personField][k]
		switch len(hits) {
		case 0:
			continue
		case 1:
			return Match{Person: &m.people[hits[0]], Rule: r.Source}, nil
		}
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = m.people[h].ID
		}
		return Match{Rule: r.Source, Candidates: ids}, nil
	}
	return Match{}, nil
}

// Person returns the roster person with employeeId id.
func (m *Matcher) Person(id string) (*person.Person, bool) {
	if h := m.index["employeeId"][id]; len(h) == 1 {
		return &m.people[h[0]], true
	}
	return nil, false
}
