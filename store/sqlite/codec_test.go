package sqlite

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/store/internal/codec"
)

func TestTimeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tm := range []time.Time{
		{},
		time.Date(2026, 3, 1, 9, 30, 15, 123456789, time.UTC),
		time.Date(2026, 3, 1, 9, 30, 15, 0, time.FixedZone("CET", 3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
	} {
		s := fmtTime(tm)
		require.Len(t, s, len(timeLayout), s)
		require.Equal(t, tm.UTC().Format(timeLayout), s)
		got, err := parseTime(sql.NullString{String: s, Valid: true})
		require.NoError(t, err)
		require.Equal(t, tm.UTC(), got, s)
	}
	// Fixed width sorts as time does.
	a, b := fmtTime(time.Date(2026, 1, 1, 0, 0, 5, 0, time.UTC)), fmtTime(time.Date(2026, 1, 1, 0, 0, 5, 100, time.UTC))
	require.Less(t, a, b)
}

func FuzzTime(f *testing.F) {
	f.Add(int64(0), int64(0))
	f.Add(int64(1772357415), int64(123456789))
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		tm := time.Unix(sec, nsec).UTC()
		if y := tm.Year(); y < 0 || y > 9999 {
			t.Skip()
		}
		got, err := parseTime(sql.NullString{String: fmtTime(tm), Valid: true})
		require.NoError(t, err)
		require.True(t, tm.Equal(got), "%v came back as %v", tm, got)
	})
}

func FuzzParseTime(f *testing.F) {
	f.Add("2026-03-01T09:30:15.123456789Z")
	f.Add("2026-13-01T09:30:15.123456789Z")
	f.Add("2026-02-31T09:30:15.123456789Z")
	f.Fuzz(func(t *testing.T, s string) {
		// The fast path must agree with time.Parse on what it accepts.
		want, werr := time.Parse(timeLayout, s)
		got, err := parseTime(sql.NullString{String: s, Valid: true})
		if s == "" {
			return
		}
		require.Equal(t, werr == nil, err == nil, "%q: %v / %v", s, werr, err)
		if err == nil {
			require.True(t, want.Equal(got), "%q: %v, time.Parse %v", s, got, want)
		}
	})
}

// stdJSON is what encoding/json writes, without its HTML escaping.
func stdJSON(t *testing.T, v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return strings.TrimSuffix(b.String(), "\n")
}

func TestStringMapJSON(t *testing.T) {
	t.Parallel()
	for _, m := range []map[string]string{
		{},
		{"costCenter": "CC-42"},
		{"b": "2", "a": "1", "": ""},
		{"quote\"": "back\\slash", "ctl": "\x00\b\f\t\n\r\x1f", "uni": "ü✓\u2028\u2029", "html": "<&>"},
		{"bad": "\xff\xfe"},
	} {
		got := codec.AppendStringMap(nil, m)
		require.Equal(t, stdJSON(t, m), string(got))
		back, err := scanStringMap(sql.NullString{String: string(got), Valid: true})
		require.NoError(t, err)
		var want map[string]string
		require.NoError(t, json.Unmarshal(got, &want))
		require.Equal(t, want, back)
	}
	m, err := scanStringMap(sql.NullString{})
	require.NoError(t, err)
	require.Nil(t, m)
}

func FuzzStringMap(f *testing.F) {
	f.Add("costCenter", "CC-42", "a", "")
	f.Add("q\"", "\\", "\u2028", "\xff")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		got := codec.AppendStringMap(nil, m)
		require.Equal(t, stdJSON(t, m), string(got))
		var want map[string]string
		require.NoError(t, json.Unmarshal(got, &want))
		back, err := scanStringMap(sql.NullString{String: string(got), Valid: true})
		require.NoError(t, err)
		require.True(t, maps.Equal(want, back), "%q: %q, want %q", got, back, want)
	})
}

func FuzzParseStringMap(f *testing.F) {
	f.Add(`{"a":"1","b":"2"}`)
	f.Add(`{}`)
	f.Add(`{"a":1}`)
	f.Add(`{"a":"1",}`)
	f.Fuzz(func(t *testing.T, s string) {
		// Whatever the fast reader accepts, encoding/json reads the same.
		got, ok := codec.ParseStringMap(s)
		if !ok {
			return
		}
		var want map[string]string
		require.NoError(t, json.Unmarshal([]byte(s), &want), "%q", s)
		require.Equal(t, want, got, "%q", s)
	})
}

func TestStringsJSON(t *testing.T) {
	t.Parallel()
	require.Nil(t, stringsJSON(nil))
	for _, s := range [][]string{{}, {"a"}, {"admin", "team:\"x\"", "\x01"}} {
		require.Equal(t, stdJSON(t, s), stringsJSON(s))
	}
}
