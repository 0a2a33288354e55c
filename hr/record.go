package hr

import (
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tenure-dev/tenure/person"
)

// builder turns records into rows, checking what spans records (duplicate
// IDs) and collecting problems.
type builder struct {
	probs problems
	seen  map[string]int // employee ID → line of its first record
	// Rows are kept in fixed-size chunks and copied once into an exact-size
	// slice at the end: growing one slice by append would allocate about
	// five times the final size for 100,000 rows, and leave slack behind.
	chunks [][]Row
	n      int
}

const chunkRows = 4096

func (b *builder) keep(r Row) {
	if len(b.chunks) == 0 || len(b.chunks[len(b.chunks)-1]) == chunkRows {
		b.chunks = append(b.chunks, make([]Row, 0, chunkRows))
	}
	last := &b.chunks[len(b.chunks)-1]
	*last = append(*last, r)
	b.n++
}

func (b *builder) collect() []Row {
	rows := make([]Row, 0, b.n)
	for _, c := range b.chunks {
		rows = append(rows, c...)
	}
	return rows
}

// record is the state of one record being converted.
type record struct {
	line   int
	p      person.Person
	bad    bool
	idCol  string // source column of employeeId, "" if the record has none
	endCol string // source column of endDate
}

// set converts one trimmed, non-empty value into its field.
func (b *builder) set(rec *record, col string, t target, v string) {
	if err := setField(&rec.p, t, v); err != nil {
		b.probs.add(rec.line, col, err)
		rec.bad = true
	}
}

func setField(p *person.Person, t target, v string) error {
	if !utf8.ValidString(v) {
		return problem(ErrBadValue, "value is not valid UTF-8 (export the file as UTF-8)")
	}
	var err error
	switch t.field {
	case fieldEmployeeID:
		p.ID = v
	case fieldEmail:
		p.Email, err = parseEmail(v)
	case fieldGivenName:
		p.GivenName = v
	case fieldFamilyName:
		p.FamilyName = v
	case fieldDisplayName:
		p.DisplayName = v
	case fieldDepartment:
		p.Department = v
	case fieldTitle:
		p.Title = v
	case fieldLocation:
		p.Location = v
	case fieldManagerID:
		p.ManagerID = v
	case fieldEmploymentType:
		p.EmploymentType = v
	case fieldStartDate:
		p.StartDate, err = parseDate(v)
	case fieldEndDate:
		p.EndDate, err = parseDate(v)
	case fieldStatus:
		p.OnLeave, p.Terminated, err = parseStatus(v)
	case fieldAttribute:
		if p.Attributes == nil {
			p.Attributes = make(map[string]string, 2)
		}
		p.Attributes[t.attr] = v
	}
	return err
}

// finish checks what needs the whole record and keeps it. Rows are kept
// only while the file is still clean: once it is rejected they are garbage.
func (b *builder) finish(rec *record) {
	p := &rec.p
	switch {
	case p.ID == "" && rec.idCol == "":
		b.probs.add(rec.line, "", problem(ErrMissingKey, "missing employee ID: no key of this record maps to employeeId"))
		return
	case p.ID == "":
		b.probs.add(rec.line, rec.idCol, problem(ErrMissingKey, "missing employee ID: the value is empty"))
		return
	}
	if first, dup := b.seen[p.ID]; dup {
		b.probs.add(rec.line, rec.idCol, problem(ErrDuplicateID, "duplicate employee ID %q (first on line %d)", p.ID, first))
		return
	}
	b.seen[p.ID] = rec.line
	if !p.StartDate.IsZero() && !p.EndDate.IsZero() && p.EndDate.Before(p.StartDate) {
		b.probs.add(rec.line, rec.endCol, problem(ErrBadDate, "end date %s is before start date %s",
			p.EndDate.Format(time.DateOnly), p.StartDate.Format(time.DateOnly)))
		return
	}
	if rec.bad || len(b.probs.errs) > 0 {
		return
	}
	b.keep(Row{Line: rec.line, Person: rec.p})
}

func parseEmail(v string) (string, error) {
	at := strings.IndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || strings.IndexByte(v[at+1:], '@') >= 0 || strings.ContainsFunc(v, unicode.IsSpace) {
		return "", problem(ErrBadValue, "%q is not an email address (want one \"@\" with text on both sides, no spaces)", v)
	}
	return strings.ToLower(v), nil
}

// dateLayouts are the date forms HR systems export: a plain date, an RFC 3339
// timestamp, and a timestamp without zone (taken as UTC).
var dateLayouts = [...]string{time.DateOnly, time.RFC3339, "2006-01-02T15:04:05"}

// parseDate reads a calendar date. A timestamp keeps the date it was written
// with, whatever its offset: "2026-03-01T00:00:00+02:00" is 1 March, as HR
// meant, not 28 February as converting to UTC first would make it.
func parseDate(v string) (time.Time, error) {
	layouts := dateLayouts[:]
	if len(v) == len(time.DateOnly) {
		layouts = layouts[:1]
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, v); err == nil {
			y, m, d := t.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, problem(ErrBadDate, "cannot parse date %q (want YYYY-MM-DD)", v)
}

// statusWords are HR's status words (matched case-insensitively) and what
// they set. Words that set nothing leave the status to the dates.
var statusWords = [...]struct {
	word                string
	onLeave, terminated bool
}{
	{word: "active"},
	{word: "pre-hire"},
	{word: "prehire"},
	{word: "hired"},
	{word: "on-leave", onLeave: true},
	{word: "leave", onLeave: true},
	{word: "loa", onLeave: true},
	{word: "on leave", onLeave: true},
	{word: "leave of absence", onLeave: true},
	{word: "terminated", terminated: true},
	{word: "inactive", terminated: true},
	{word: "separated", terminated: true},
}

// statusList is the accepted words, for the error message.
var statusList = func() string {
	words := make([]string, len(statusWords))
	for i, s := range statusWords {
		words[i] = s.word
	}
	return strings.Join(words, ", ")
}()

func parseStatus(v string) (onLeave, terminated bool, err error) {
	for _, s := range statusWords {
		if strings.EqualFold(v, s.word) {
			return s.onLeave, s.terminated, nil
		}
	}
	return false, false, problem(ErrBadValue, "unknown status %q (want one of: %s)", v, statusList)
}

// CheckManagers reports rows whose managerId is neither the employeeId of a
// row in rows nor accepted by known (which may be nil), in the same RowError
// style as Parse, naming the file name. It is separate from Parse because the
// answer depends on the current roster, which the caller holds.
func CheckManagers(rows []Row, name string, known func(id string) bool) error {
	ids := make(map[string]struct{}, len(rows))
	for _, r := range rows {
		ids[r.Person.ID] = struct{}{}
	}
	ps := problems{file: name}
	for _, r := range rows {
		m := r.Person.ManagerID
		if m == "" {
			continue
		}
		if _, ok := ids[m]; ok || (known != nil && known(m)) {
			continue
		}
		ps.add(r.Line, fieldNames[fieldManagerID], problem(ErrUnknownManager,
			"unknown manager %q: not an employee ID in this file or the current roster", m))
		if ps.full() {
			break
		}
	}
	return errors.Join(ps.errs...)
}
