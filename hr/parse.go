// Package hr reads HR roster snapshots — CSV or JSON Lines exports — into
// person.Person records.
//
// A roster file is a full snapshot: whoever is missing from it has left. A
// half-read file would therefore look like a wave of departures, so parsing is
// all or nothing. Any problem rejects the whole file, and every problem (up to
// maxProblems) is reported with its file, line and column so that HR can fix
// the export in one go. An empty file is refused for the same reason.
package hr

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/tenure-dev/tenure/person"
)

// Format of a roster file.
type Format string

// The supported roster formats.
const (
	// CSV is comma-separated values with a header row naming the columns.
	CSV Format = "csv"
	// JSONL is JSON Lines: one flat JSON object per line.
	JSONL Format = "jsonl"
)

// FormatOf guesses the format from a file name's extension: .csv is CSV;
// .jsonl, .ndjson and .json are JSON Lines (a .json export holding a single
// array is rejected by Parse with a hint rather than guessed at here).
func FormatOf(name string) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return CSV, nil
	case ".jsonl", ".ndjson", ".json":
		return JSONL, nil
	}
	return "", fmt.Errorf("%s: cannot tell the roster format from the file name (want .csv, .jsonl, .ndjson or .json)", name)
}

// Mapping maps a source column (CSV header or JSON key) to a roster field:
// one of person.Fields or "attributes.NAME". Source names match
// case-insensitively and after trimming spaces.
//
// A nil or empty Mapping is the identity: a column named like a person field,
// in its camelCase ("employeeId") or snake_case ("employee_id") form, or
// named "attributes.NAME", maps to it. A non-empty Mapping is exhaustive:
// columns it does not name are errors, so a renamed HR column cannot silently
// drop data.
type Mapping map[string]string

// Row is one parsed roster record.
type Row struct {
	// Line is the 1-based physical line of the file the record started on,
	// so a quoted CSV field spanning lines still points at its record's start.
	Line   int
	Person person.Person
}

// Errors a rejected file's problems can be checked against with errors.Is.
var (
	// ErrUnknownColumn: a column or key the mapping does not name (reported
	// once per file).
	ErrUnknownColumn = errors.New("unknown column")
	// ErrMissingKey: no column maps to employeeId, or a record's ID is empty.
	ErrMissingKey = errors.New("missing employee ID")
	// ErrDuplicateID: two records with the same employee ID.
	ErrDuplicateID = errors.New("duplicate employee ID")
	// ErrBadDate: a date that cannot be parsed, or an end date before the start.
	ErrBadDate = errors.New("bad date")
	// ErrBadValue: a value not valid for its field (email, status, encoding,
	// JSON type).
	ErrBadValue = errors.New("bad value")
	// ErrEmpty: the file has no data rows.
	ErrEmpty = errors.New("no rows")
	// ErrUnknownManager: a managerId that names nobody (see CheckManagers).
	ErrUnknownManager = errors.New("unknown manager")
	// ErrDuplicateColumn: two columns (or two keys of one JSON object) map to
	// the same field, so it is unclear which value HR meant.
	ErrDuplicateColumn = errors.New("duplicate column")
	// ErrSyntax: a record the format cannot read (bad CSV quoting, wrong
	// number of fields, invalid JSON, a line that is not an object). Bad CSV
	// quoting and field counts also match encoding/csv's own errors.
	ErrSyntax = errors.New("malformed record")
)

// maxProblems bounds how much of a broken file is reported: enough to fix a
// systematic mistake in one go, not a wall of 100,000 identical lines.
const maxProblems = 20

// maxJSONLine bounds one JSON Lines record. An HR record is a few hundred
// bytes; a longer "line" is a file that is not JSON Lines at all.
const maxJSONLine = 4 << 20

// RowError is one problem of a rejected file. Its message reads like
// `roster.csv:14: column "start_date": cannot parse date "2026-13-01" (want YYYY-MM-DD)`.
type RowError struct {
	File string
	// Line is 1-based; 0 when the problem concerns the file as a whole.
	Line int
	// Column is the source column (CSV header or JSON key) as written in the
	// file; "" when the problem is not about one column.
	Column string
	Err    error
}

func (e *RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Column != "" {
		b.WriteString("column ")
		b.WriteString(strconv.Quote(e.Column))
		b.WriteString(": ")
	}
	if e.Err == nil {
		b.WriteString("unknown problem")
	} else {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *RowError) Unwrap() error { return e.Err }

// detail is a problem worded for people that still matches its sentinels
// under errors.Is, so messages need not start with the sentinel's text.
type detail struct {
	msg   string
	kinds []error
}

func (d *detail) Error() string   { return d.msg }
func (d *detail) Unwrap() []error { return d.kinds }

func problem(kind error, format string, args ...any) error {
	return &detail{msg: fmt.Sprintf(format, args...), kinds: []error{kind}}
}

// problems collects a file's RowErrors.
type problems struct {
	file string
	errs []error
}

func (ps *problems) add(line int, column string, err error) {
	if ps.full() {
		return
	}
	ps.errs = append(ps.errs, &RowError{File: ps.file, Line: line, Column: column, Err: err})
}

func (ps *problems) full() bool { return len(ps.errs) >= maxProblems }

// field is a roster field a column can target, as an index so that a
// column's target is resolved once per file, not once per value.
type field uint8

const (
	fieldEmployeeID field = iota
	fieldEmail
	fieldGivenName
	fieldFamilyName
	fieldDisplayName
	fieldDepartment
	fieldTitle
	fieldLocation
	fieldManagerID
	fieldEmploymentType
	fieldStartDate
	fieldEndDate
	fieldStatus
	numFields
	// fieldAttribute is "attributes.NAME"; it has no entry in fieldNames.
	fieldAttribute = numFields
)

// fieldNames are the names of the fields, indexed by field. A test keeps them
// equal to person.Fields, so a field added there fails here until Parse can
// fill it.
var fieldNames = [numFields]string{
	"employeeId", "email", "givenName", "familyName", "displayName", "department",
	"title", "location", "managerId", "employmentType", "startDate", "endDate", "status",
}

const attrPrefix = "attributes."

var (
	// fieldByName is the exact (case-sensitive) name of each field, for
	// mapping targets.
	fieldByName = make(map[string]field, numFields)
	// identity is the lower-cased camelCase and snake_case names of each
	// field, for columns matched without a mapping.
	identity = make(map[string]field, 2*numFields)
)

func init() {
	for i, name := range fieldNames {
		f := field(i)
		fieldByName[name] = f
		identity[strings.ToLower(name)] = f
		identity[snake(name)] = f
	}
}

// snake turns "employeeId" into "employee_id".
func snake(camel string) string {
	var b strings.Builder
	for _, r := range camel {
		if unicode.IsUpper(r) {
			b.WriteByte('_')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// target is where a column's values go.
type target struct {
	field field
	attr  string // the NAME of "attributes.NAME"
}

func (t target) String() string {
	if t.field == fieldAttribute {
		return attrPrefix + t.attr
	}
	return fieldNames[t.field]
}

func parseTarget(s string) (target, bool) {
	if name, ok := strings.CutPrefix(s, attrPrefix); ok {
		if strings.TrimSpace(name) == "" {
			return target{}, false
		}
		return target{field: fieldAttribute, attr: name}, true
	}
	f, ok := fieldByName[s]
	return target{field: f}, ok
}

// ValidTarget reports whether a mapping may send a column to field: one of
// person.Fields (exact case) or "attributes.NAME" with a non-blank NAME. The
// config package uses it to reject a bad mapping before any file is read.
func ValidTarget(field string) bool {
	_, ok := parseTarget(field)
	return ok
}

// resolver finds the target of a source column name.
type resolver struct {
	mapped map[string]target // lower-cased, trimmed source → target; nil means identity
}

func newResolver(m Mapping) (*resolver, error) {
	if len(m) == 0 {
		return &resolver{}, nil
	}
	r := &resolver{mapped: make(map[string]target, len(m))}
	from := make(map[string]string, len(m)) // lower-cased key → key as configured
	for _, k := range slices.Sorted(maps.Keys(m)) {
		t, ok := parseTarget(m[k])
		if !ok {
			return nil, fmt.Errorf("mapping %q: target %q is not a roster field (%s) or attributes.NAME",
				k, m[k], strings.Join(fieldNames[:], ", "))
		}
		lk := strings.ToLower(strings.TrimSpace(k))
		if prev, dup := r.mapped[lk]; dup && prev != t {
			return nil, fmt.Errorf("mapping %q and %q differ only in case but map to %s and %s", from[lk], k, prev, t)
		}
		r.mapped[lk] = t
		from[lk] = k
	}
	return r, nil
}

// resolve finds the target of a trimmed source name.
func (r *resolver) resolve(source string) (target, bool) {
	key := strings.ToLower(source)
	if r.mapped != nil {
		t, ok := r.mapped[key]
		return t, ok
	}
	if f, ok := identity[key]; ok {
		return target{field: f}, true
	}
	if len(source) > len(attrPrefix) && strings.EqualFold(source[:len(attrPrefix)], attrPrefix) {
		return parseTarget(attrPrefix + source[len(attrPrefix):])
	}
	return target{}, false
}

// mapsID reports whether any configured column maps to employeeId; with the
// identity mapping, whether one does is up to the file.
func (r *resolver) mapsID() bool {
	if r.mapped == nil {
		return true
	}
	for _, t := range r.mapped {
		if t.field == fieldEmployeeID {
			return true
		}
	}
	return false
}

// Parse reads a whole roster snapshot in format f, mapping columns through m.
// name is the file name used in error messages.
//
// It returns every row, or an error and no rows: the input is applied whole
// or not at all. The error joins up to 20 *RowError problems (see the Err…
// sentinels). Parse does not set Person.Status, which depends on the import
// time, nor check managers, which depends on the current roster: see
// CheckManagers.
func Parse(r io.Reader, name string, f Format, m Mapping) ([]Row, error) {
	res, err := newResolver(m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	b := &builder{probs: problems{file: name}, seen: make(map[string]int)}
	switch f {
	case CSV:
		b.readCSV(stripBOM(r), res)
	case JSONL:
		b.readJSONL(stripBOM(r), res)
	default:
		return nil, fmt.Errorf("%s: unknown roster format %q (want %q or %q)", name, f, CSV, JSONL)
	}
	if len(b.probs.errs) == 0 && b.n == 0 {
		b.probs.add(0, "", problem(ErrEmpty, "no rows: refusing an empty roster, it would look like everyone left"))
	}
	if len(b.probs.errs) > 0 {
		return nil, errors.Join(b.probs.errs...)
	}
	return b.collect(), nil
}

// stripBOM drops the UTF-8 byte order mark that spreadsheet tools put at the
// start of "CSV UTF-8" exports, which would otherwise become part of the
// first header name.
func stripBOM(r io.Reader) *bufio.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		_, _ = br.Discard(3)
	}
	return br
}
