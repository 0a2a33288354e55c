package scim

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecodeRequest(t *testing.T) {
	t.Parallel()
	got, err := DecodeRequest(strings.NewReader(`{"schemas":["URN:ietf:params:scim:schemas:core:2.0:User"],"n":12345678901234567890,"d":0.1}`),
		DecodeOptions{Schemas: DefaultCatalog().SchemaURNs()})
	require.NoError(t, err)
	require.Equal(t, json.Number("12345678901234567890"), got["n"], "numbers are not rounded")
	require.Equal(t, json.Number("0.1"), got["d"])

	got, err = DecodeRequest(strings.NewReader(` {"userName":"a"} `+"\n"), DecodeOptions{Schemas: []string{UserURN}})
	require.NoError(t, err, "no schemas member passes; whitespace around the value is fine")
	require.Equal(t, "a", got["userName"])
}

func TestDecodeRequestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		opts   DecodeOptions
		status int
		typ    ErrorType
		detail string
	}{
		{"too large", `{"userName":"` + strings.Repeat("a", 100) + `"}`, DecodeOptions{MaxBytes: 64}, 413, ErrorTooLarge, "exceeds 64 bytes"},
		{"empty", "  \n", DecodeOptions{}, 400, ErrorInvalidSyntax, "empty"},
		{"malformed", `{"userName":}`, DecodeOptions{}, 400, ErrorInvalidSyntax, "not valid JSON"},
		{"truncated", `{"userName":"a"`, DecodeOptions{}, 400, ErrorInvalidSyntax, "unexpected end of input"},
		{"trailing data", `{"a":1} {"b":2}`, DecodeOptions{}, 400, ErrorInvalidSyntax, "data after the JSON value"},
		{"trailing garbage", `{"a":1} x`, DecodeOptions{}, 400, ErrorInvalidSyntax, "after the JSON value"},
		{"array", `[{"userName":"a"}]`, DecodeOptions{}, 400, ErrorInvalidSyntax, "must be a JSON object, got an array"},
		{"string", `"x"`, DecodeOptions{}, 400, ErrorInvalidSyntax, "got a string"},
		{"null", `null`, DecodeOptions{}, 400, ErrorInvalidSyntax, "got null"},
		{"invalid UTF-8", "{\"userName\":\"a\xffb\"}", DecodeOptions{}, 400, ErrorInvalidSyntax, "not valid UTF-8 (at byte 14)"},
		{"too deep", strings.Repeat(`{"a":`, 5) + `1` + strings.Repeat(`}`, 5), DecodeOptions{MaxDepth: 4}, 400, ErrorInvalidSyntax,
			"deeper than 4 levels"},
		{"very deep", strings.Repeat("[", 100000), DecodeOptions{}, 400, ErrorInvalidSyntax, "deeper than 32"},
		{"unknown schema", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:acme:custom"]}`,
			DecodeOptions{Schemas: []string{UserURN}}, 400, ErrorInvalidSyntax, `unknown schema "urn:acme:custom"`},
		{"schemas not a list", `{"schemas":"urn:ietf:params:scim:schemas:core:2.0:User"}`,
			DecodeOptions{Schemas: []string{UserURN}}, 400, ErrorInvalidSyntax, "expected an array"},
		{"schema not a string", `{"Schemas":[1]}`, DecodeOptions{Schemas: []string{UserURN}}, 400, ErrorInvalidSyntax, "URN strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodeRequest(strings.NewReader(tt.body), tt.opts)
			se := requireSCIMError(t, err, tt.status, tt.typ)
			require.Contains(t, se.Detail, tt.detail)
		})
	}
}

func TestDecodeRequestDepthIgnoresStrings(t *testing.T) {
	t.Parallel()
	body := `{"a":"[[[[[[[[[[[[\"{{{{{{{{{{{{{{"}`
	_, err := DecodeRequest(strings.NewReader(body), DecodeOptions{MaxDepth: 2})
	require.NoError(t, err)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestDecodeRequestReadError(t *testing.T) {
	t.Parallel()
	_, err := DecodeRequest(failingReader{}, DecodeOptions{})
	se := requireSCIMError(t, err, 400, ErrorInvalidSyntax)
	require.ErrorContains(t, se, "reading the request body failed")
	require.NotContains(t, se.Detail, "connection reset")
}
