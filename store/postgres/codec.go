package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenure-dev/tenure/store/internal/codec"
)

// Times are stored as a timestamptz, which keeps microseconds, and a
// smallint <name>_ns with the nanoseconds below the microsecond, so that a
// time.Time comes back exactly (see migrations/00001_init.sql). pgx sends a
// timestamptz as whole microseconds, rounding down, so the remainder is
// t.Nanosecond() % 1000 for every time, before 1970 too.

// nanos is the part of t that timestamptz drops.
func nanos(t time.Time) int16 { return int16(t.Nanosecond() % 1000) }

// nullTime is t for a nullable column: the zero time ("not given") is NULL.
func nullTime(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

// joinTime rebuilds a time from its two columns, in UTC; NULL is the zero
// time. A NOT NULL column's zero time (year 1) comes back as the zero time
// too.
func joinTime(ts pgtype.Timestamptz, ns int16) time.Time {
	if !ts.Valid {
		return time.Time{}
	}
	return ts.Time.UTC().Add(time.Duration(ns))
}

// JSON columns. A nil map or slice is NULL, so that nil and empty each
// survive a round trip as themselves.

// jsonText is what a json column is read into: its text, with NULL as "",
// which no JSON value is. pgx hands it the bytes without copying them
// first.
type jsonText string

// ScanBytes implements pgtype.BytesScanner.
func (j *jsonText) ScanBytes(src []byte) error {
	*j = jsonText(src)
	return nil
}

// mapJSON encodes a map[string]string column (attributes) as a JSON object
// with sorted keys, as encoding/json would, but without reflection.
func mapJSON(m map[string]string) pgtype.Text {
	if m == nil {
		return pgtype.Text{}
	}
	return pgtype.Text{String: string(codec.AppendStringMap(nil, m)), Valid: true}
}

// listMapJSON encodes a map of string lists (groups by source) as a JSON
// object, nil as NULL.
func listMapJSON(m map[string][]string) pgtype.Text {
	if m == nil {
		return pgtype.Text{}
	}
	return pgtype.Text{String: string(codec.AppendListMap(nil, m)), Valid: true}
}

// stringsJSON encodes a []string column as a JSON array.
func stringsJSON(s []string) pgtype.Text {
	if s == nil {
		return pgtype.Text{}
	}
	b := []byte{'['}
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = codec.AppendString(b, v)
	}
	return pgtype.Text{String: string(append(b, ']')), Valid: true}
}

// valueJSON encodes any other JSON column with encoding/json; isNil says v
// is a nil map or slice, stored as NULL.
func valueJSON(v any, isNil bool) (pgtype.Text, error) {
	if isNil {
		return pgtype.Text{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return pgtype.Text{}, err
	}
	return pgtype.Text{String: string(b), Valid: true}, nil
}

// scanStringMap decodes a column written by mapJSON.
func scanStringMap(j jsonText) (map[string]string, error) {
	if j == "" {
		return nil, nil
	}
	s := string(j)
	if m, ok := codec.ParseStringMap(s); ok {
		return m, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("stored JSON %.40q: %w", s, err)
	}
	return m, nil
}

// fromJSON decodes a JSON column into dst; NULL leaves dst at its zero value.
func fromJSON(j jsonText, dst any) error {
	if j == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(j), dst); err != nil {
		return fmt.Errorf("stored JSON %.40q: %w", j, err)
	}
	return nil
}

// rawJSON stores opaque JSON (json.RawMessage) byte for byte; nil and empty
// are NULL (empty is not JSON, and hashes the same as nil in audit.Hash).
func rawJSON(b []byte) pgtype.Text {
	if len(b) == 0 {
		return pgtype.Text{}
	}
	return pgtype.Text{String: string(b), Valid: true}
}

// rawBytes reads a column written by rawJSON.
func rawBytes(j jsonText) []byte {
	if j == "" {
		return nil
	}
	return []byte(j)
}

// blob stores bytes as bytea. Empty is NULL, as in the SQLite store, so
// that nil and empty both read back as nil.
func blob(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
