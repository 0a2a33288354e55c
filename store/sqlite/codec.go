package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tenure-dev/tenure/store/internal/codec"
)

// timeLayout is how every time is stored: UTC, fixed width, nanoseconds.
// Fixed width makes text order equal time order (RFC 3339 with trimmed
// fractions does not: "…:05Z" sorts after "…:05.1Z"), so "effective_at <= ?"
// works on an index, and nanoseconds make a round trip exact.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// fmtTime renders a time for a NOT NULL column; the zero time is stored as
// year 1, which sorts before every real time. It is written by hand because
// an import formats a few hundred thousand times and time.Format, which
// interprets the layout each call, is several times slower.
func fmtTime(t time.Time) string {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.Format(timeLayout) // not fixed width, but still readable by parseTime
	}
	h, mi, s := t.Clock()
	var b [len(timeLayout)]byte
	put := func(at, width, v int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, 4, y)
	b[4] = '-'
	put(5, 2, int(mo))
	b[7] = '-'
	put(8, 2, d)
	b[10] = 'T'
	put(11, 2, h)
	b[13] = ':'
	put(14, 2, mi)
	b[16] = ':'
	put(17, 2, s)
	b[19] = '.'
	put(20, 9, t.Nanosecond())
	b[29] = 'Z'
	return string(b[:])
}

// nullTime renders a time for a nullable column: the zero time ("not given")
// is NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

// parseTime reads a column written by fmtTime or nullTime; NULL and "" are
// the zero time. The fixed layout is read by hand (see fmtTime), with
// time.Parse as the fallback for anything else.
func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	v := s.String
	if len(v) == len(timeLayout) && v[4] == '-' && v[7] == '-' && v[10] == 'T' &&
		v[13] == ':' && v[16] == ':' && v[19] == '.' && v[29] == 'Z' {
		ok := true
		num := func(at, width int) int {
			n := 0
			for _, c := range []byte(v[at : at+width]) {
				if c < '0' || c > '9' {
					ok = false
				}
				n = n*10 + int(c-'0')
			}
			return n
		}
		y, mo, d := num(0, 4), num(5, 2), num(8, 2)
		h, mi, sec, ns := num(11, 2), num(14, 2), num(17, 2), num(20, 9)
		if ok && mo >= 1 && mo <= 12 && d >= 1 && h < 24 && mi < 60 && sec < 60 {
			// time.Date normalises February 31 into March; Parse refuses it.
			if t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC); t.Day() == d {
				return t, nil
			}
		}
	}
	t, err := time.Parse(timeLayout, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", v, err)
	}
	return t, nil
}

// JSON columns. A nil map or slice is NULL, so that nil and empty each
// survive a round trip as themselves.

// mapJSON encodes a map[string]string column (attributes) as a JSON object
// with sorted keys, as encoding/json would, but without reflection.
func mapJSON(m map[string]string) any {
	if m == nil {
		return nil
	}
	return string(codec.AppendStringMap(nil, m))
}

// listMapJSON encodes a map of string lists (groups by source) as a JSON
// object, nil as NULL.
func listMapJSON(m map[string][]string) any {
	if m == nil {
		return nil
	}
	return string(codec.AppendListMap(nil, m))
}

// stringsJSON encodes a []string column as a JSON array.
func stringsJSON(s []string) any {
	if s == nil {
		return nil
	}
	b := []byte{'['}
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = codec.AppendString(b, v)
	}
	return string(append(b, ']'))
}

// valueJSON encodes any other JSON column with encoding/json.
func valueJSON(v any, isNil bool) (any, error) {
	if isNil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// scanStringMap decodes a column written by mapJSON.
func scanStringMap(s sql.NullString) (map[string]string, error) {
	if !s.Valid {
		return nil, nil
	}
	if m, ok := codec.ParseStringMap(s.String); ok {
		return m, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s.String), &m); err != nil {
		return nil, fmt.Errorf("stored JSON %.40q: %w", s.String, err)
	}
	return m, nil
}

// fromJSON decodes a JSON column into dst; NULL leaves dst at its zero value.
func fromJSON(s sql.NullString, dst any) error {
	if !s.Valid {
		return nil
	}
	if err := json.Unmarshal([]byte(s.String), dst); err != nil {
		return fmt.Errorf("stored JSON %.40q: %w", s.String, err)
	}
	return nil
}

// rawText stores opaque JSON (json.RawMessage) as text, nil as NULL.
func rawText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// rawBytes reads a column written by rawText.
func rawBytes(s sql.NullString) []byte {
	if !s.Valid {
		return nil
	}
	return []byte(s.String)
}

// blob stores bytes as a BLOB. Empty is NULL: SQLite hands a zero-length
// blob back as nil anyway, so nil and empty both read back as nil.
func blob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// boolInt is SQLite's boolean.
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
