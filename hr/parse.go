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
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// column is one CSV column, resolved once from the header.
type column struct {
	source string // header as written (trimmed)
	target target
	// ignore marks a column with no header name: harmless while its values
	// are empty (a trailing comma on every line), an error otherwise.
	ignore bool
}

func (b *builder) readCSV(r io.Reader, res *resolver) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, so that blank-looking lines can be skipped
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true // values are trimmed anyway; this also accepts `a, "b"`

	header, err := cr.Read()
	if err == io.EOF {
		return // no header, no rows: Parse reports ErrEmpty
	}
	if err != nil {
		b.readError(err)
		return
	}
	headerLine, _ := cr.FieldPos(0)
	cols := make([]column, len(header))
	byTarget := make(map[target]int, len(header))
	unknown := make(map[string]bool) // lower-cased unknown names already reported
	idCol, endCol := "", ""
	for i, h := range header {
		h = strings.TrimSpace(h)
		cols[i].source = h
		if h == "" {
			cols[i].ignore = true
			continue
		}
		t, ok := res.resolve(h)
		if !ok {
			if lh := strings.ToLower(h); !unknown[lh] {
				unknown[lh] = true
				b.probs.add(headerLine, h, problem(ErrUnknownColumn, "unknown column (map it to a roster field or to attributes.NAME)"))
			}
			cols[i].ignore = true
			continue
		}
		if j, dup := byTarget[t]; dup {
			b.probs.add(headerLine, h, problem(ErrDuplicateColumn, "maps to %s, like column %q", t, cols[j].source))
			cols[i].ignore = true
			continue
		}
		byTarget[t] = i
		cols[i].target = t
		switch t.field {
		case fieldEmployeeID:
			idCol = h
		case fieldEndDate:
			endCol = h
		}
	}
	if idCol == "" {
		b.probs.add(headerLine, "", problem(ErrMissingKey, "missing employee ID: no column maps to employeeId"))
	}
	if len(b.probs.errs) > 0 {
		return // every row would repeat the header's problem
	}

	for !b.probs.full() {
		fields, err := cr.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			b.readError(err)
			return
		}
		line, _ := cr.FieldPos(0)
		if blank(fields) {
			continue
		}
		if len(fields) != len(cols) {
			b.probs.add(line, "", &detail{
				msg:   fmt.Sprintf("record has %d fields, the header has %d", len(fields), len(cols)),
				kinds: []error{ErrSyntax, csv.ErrFieldCount},
			})
			continue
		}
		rec := record{line: line, idCol: idCol, endCol: endCol}
		for i, v := range fields {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			c := &cols[i]
			if c.ignore {
				b.probs.add(line, "", problem(ErrUnknownColumn, "value %q in column %d, which has no header name", v, i+1))
				rec.bad = true
				continue
			}
			b.set(&rec, c.source, c.target, v)
		}
		b.finish(&rec)
	}
}

// readError records an error from csv.Reader. After one the reader's position
// is unreliable, so reading stops.
func (b *builder) readError(err error) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if pe.Line != pe.StartLine {
			msg = fmt.Sprintf("%s (at line %d, column %d)", msg, pe.Line, pe.Column)
		} else {
			msg = fmt.Sprintf("%s (at column %d)", msg, pe.Column)
		}
		b.probs.add(pe.StartLine, "", &detail{msg: msg, kinds: []error{ErrSyntax, pe.Err}})
		return
	}
	b.probs.add(0, "", fmt.Errorf("read: %w", err))
}

// blank reports whether a record has nothing but whitespace: an empty line
// with spaces, or the ",,,," rows spreadsheets leave at the end of an export.
func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// jsonKey is a JSON key resolved once per file (keys repeat on every line).
type jsonKey struct {
	target   target
	ok       bool
	reported bool // ErrUnknownColumn already reported
}

func (b *builder) readJSONL(r io.Reader, res *resolver) {
	if !res.mapsID() {
		b.probs.add(0, "", problem(ErrMissingKey, "missing employee ID: no key of the mapping maps to employeeId"))
		return
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxJSONLine)
	keys := make(map[string]*jsonKey)
	line := 0
	for !b.probs.full() && sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		b.readJSONObject(line, text, res, keys)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			b.probs.add(line+1, "", &detail{
				msg:   fmt.Sprintf("line longer than %d bytes: not JSON Lines", maxJSONLine),
				kinds: []error{ErrSyntax, err},
			})
			return
		}
		b.probs.add(0, "", fmt.Errorf("read: %w", err))
	}
}

func (b *builder) readJSONObject(line int, text []byte, res *resolver, keys map[string]*jsonKey) {
	syntax := func(err error) {
		msg := "invalid JSON: " + err.Error()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			msg = "incomplete JSON object: want the whole object on one line (JSON Lines)"
		}
		b.probs.add(line, "", &detail{msg: msg, kinds: []error{ErrSyntax, err}})
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		syntax(err)
		return
	}
	if tok != json.Delim('{') {
		msg := "not a JSON object: want one object per line (JSON Lines)"
		if tok == json.Delim('[') {
			msg = "a JSON array, not an object: want one object per line (JSON Lines), not one array"
		}
		b.probs.add(line, "", problem(ErrSyntax, "%s", msg))
		return
	}
	rec := record{line: line}
	var byField [numFields]string // key that set each field, to catch two keys for one field
	var byAttr map[string]string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			syntax(err)
			return
		}
		key, _ := tok.(string) // object keys are always strings
		tok, err = dec.Token()
		if err != nil {
			syntax(err)
			return
		}
		var v string
		switch x := tok.(type) {
		case string:
			v = x
		case json.Number:
			v = x.String()
		case bool:
			v = strconv.FormatBool(x)
		case nil:
		default: // json.Delim: a nested object or array, which cannot be skipped token by token cheaply
			b.probs.add(line, key, problem(ErrBadValue, "nested JSON value: want a string, number, boolean or null"))
			return
		}
		k := keys[key]
		if k == nil {
			k = &jsonKey{}
			k.target, k.ok = res.resolve(strings.TrimSpace(key))
			keys[key] = k
		}
		if !k.ok {
			if !k.reported {
				b.probs.add(line, key, problem(ErrUnknownColumn, "unknown key (map it to a roster field or to attributes.NAME)"))
				k.reported = true
			}
			rec.bad = true
			continue
		}
		var prev *string
		if k.target.field == fieldAttribute {
			if byAttr == nil {
				byAttr = make(map[string]string, 2)
			}
			if p, dup := byAttr[k.target.attr]; dup {
				prev = &p
			} else {
				byAttr[k.target.attr] = key
			}
		} else if byField[k.target.field] != "" {
			prev = &byField[k.target.field]
		} else {
			byField[k.target.field] = key
		}
		if prev != nil {
			b.probs.add(line, key, problem(ErrDuplicateColumn, "maps to %s, like key %q", k.target, *prev))
			rec.bad = true
			continue
		}
		switch k.target.field {
		case fieldEmployeeID:
			rec.idCol = key
		case fieldEndDate:
			rec.endCol = key
		}
		if v = strings.TrimSpace(v); v != "" {
			b.set(&rec, key, k.target, v)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		syntax(err)
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		b.probs.add(line, "", problem(ErrSyntax, "more than one JSON value on the line: want one object per line"))
		return
	}
	b.finish(&rec)
}

// parseEmail accepts what has one "@" with text on both sides and no spaces,
// lower-cased: addresses are compared and joined on, and HR exports mix case.
// Deliverability is not the roster's business.
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
