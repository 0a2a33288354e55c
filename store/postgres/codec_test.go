package postgres

import (
	"bytes"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/store/internal/codec"
)

// The JSON tests are store/sqlite's, for this package's copy of jsonfast.go.

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
		got := mapJSON(m)
		require.True(t, got.Valid)
		require.Equal(t, stdJSON(t, m), got.String)
		back, err := scanStringMap(jsonText(got.String))
		require.NoError(t, err)
		var want map[string]string
		require.NoError(t, json.Unmarshal([]byte(got.String), &want))
		require.Equal(t, want, back)
	}
	require.False(t, mapJSON(nil).Valid, "nil is NULL")
	m, err := scanStringMap("")
	require.NoError(t, err)
	require.Nil(t, m)
}

func FuzzStringMap(f *testing.F) {
	f.Add("costCenter", "CC-42", "a", "")
	f.Add("q\"", "\\", "\u2028", "\xff")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		got := mapJSON(m).String
		require.Equal(t, stdJSON(t, m), got)
		var want map[string]string
		require.NoError(t, json.Unmarshal([]byte(got), &want))
		back, err := scanStringMap(jsonText(got))
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
	require.False(t, stringsJSON(nil).Valid, "nil is NULL")
	for _, s := range [][]string{{}, {"a"}, {"admin", "team:\"x\"", "\x01"}} {
		require.Equal(t, stdJSON(t, s), stringsJSON(s).String)
	}
}

func TestJSONTextScansNullAsEmpty(t *testing.T) {
	t.Parallel()
	var j jsonText = "stale"
	require.NoError(t, j.ScanBytes(nil))
	require.Equal(t, jsonText(""), j)
	require.Nil(t, rawBytes(j))
	require.False(t, rawJSON([]byte{}).Valid, "empty is NULL, as nil")
}
