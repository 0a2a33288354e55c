package scim

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Defaults for DecodeOptions.
const (
	// DefaultMaxBodyBytes bounds a body when the caller gives no limit:
	// 1 MiB, far above any user or group IdPs send, well below what would
	// hurt the server.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxDepth bounds JSON nesting. The deepest legitimate body, a
	// PatchOp adding members, nests 6 levels.
	DefaultMaxDepth = 32
)

// DecodeOptions bounds what DecodeRequest accepts.
type DecodeOptions struct {
	// MaxBytes is the largest body accepted; zero means
	// DefaultMaxBodyBytes. Larger bodies are tooLarge (413); only
	// MaxBytes+1 bytes are ever read.
	MaxBytes int64
	// MaxDepth is the deepest nesting of objects and arrays accepted; zero
	// means DefaultMaxDepth.
	MaxDepth int
	// Schemas, if not nil, lists the URNs a body's "schemas" may contain
	// (matched case-insensitively); others are invalidSyntax. A body
	// without "schemas" passes: IdPs omit it on some requests, and the
	// resource type's Normalize fills it in.
	Schemas []string
}

// DecodeRequest reads a request body into a JSON object, numbers as
// json.Number so that nothing is rounded. Every failure is a SCIM error,
// never a panic: a body over the size limit is tooLarge; invalid UTF-8,
// malformed JSON, nesting over the limit, a top level that is not an
// object, trailing data and unknown schemas are invalidSyntax.
func DecodeRequest(r io.Reader, opts DecodeOptions) (map[string]any, error) {
	maxBytes := cmp.Or(opts.MaxBytes, DefaultMaxBodyBytes)
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		e := InvalidSyntaxError("reading the request body failed")
		e.Err = err
		return nil, e
	}
	if int64(len(data)) > maxBytes {
		return nil, TooLargeError("request body exceeds %d bytes", maxBytes)
	}
	return decodeBytes(data, opts)
}

func decodeBytes(data []byte, opts DecodeOptions) (map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, InvalidSyntaxError("request body is empty")
	}
	if !utf8.Valid(data) {
		return nil, InvalidSyntaxError("request body is not valid UTF-8 (at byte %d)", invalidUTF8At(string(data)))
	}
	if off, ok := checkDepth(data, cmp.Or(opts.MaxDepth, DefaultMaxDepth)); !ok {
		return nil, InvalidSyntaxError("request body nests deeper than %d levels (at byte %d)",
			cmp.Or(opts.MaxDepth, DefaultMaxDepth), off)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, InvalidSyntaxError("request body is not valid JSON: %s", jsonErrorText(err, dec))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, InvalidSyntaxError("request body has data after the JSON value (at byte %d)", dec.InputOffset())
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, InvalidSyntaxError("request body must be a JSON object, got %s", jsonKind(v))
	}
	if opts.Schemas != nil {
		if err := checkBodySchemas(obj, opts.Schemas); err != nil {
			return nil, err
		}
	}
	return obj, nil
}

func jsonErrorText(err error, dec *json.Decoder) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Sprintf("unexpected end of input (at byte %d)", dec.InputOffset())
	}
	return err.Error()
}

// checkDepth scans for nesting beyond max before decoding, so a hostile
// body of a million "[" costs a linear scan rather than a deep decode.
func checkDepth(data []byte, max int) (int, bool) {
	depth := 0
	inString, escaped := false, false
	for i, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				return i, false
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return 0, true
}

func checkBodySchemas(obj map[string]any, allowed []string) error {
	for key, v := range obj {
		if !strings.EqualFold(key, "schemas") {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return InvalidSyntaxError("schemas: expected an array of URNs, got %s", jsonKind(v))
		}
		for _, s := range list {
			urn, ok := s.(string)
			if !ok {
				return InvalidSyntaxError("schemas: expected URN strings, got %s", jsonKind(s))
			}
			known := false
			for _, a := range allowed {
				known = known || strings.EqualFold(a, urn)
			}
			if !known {
				return InvalidSyntaxError("schemas: unknown schema %q", urn)
			}
		}
	}
	return nil
}
