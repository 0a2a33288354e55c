package hr

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

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
