// Package codec holds the encodings both store adapters share: JSON for
// string maps and lists written and read without reflection (the hot path
// of a 100,000-person import), and a block allocator for scanned rows.
package codec

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// A roster import writes and reads a JSON object of custom attributes for
// every person. encoding/json spends most of its time on reflection there,
// so the flat shapes this package stores are encoded here by hand: the
// output is what encoding/json produces (sorted keys, the same escapes
// except that <, > and & are left as they are), and the reader takes that
// output and hands anything else to encoding/json.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// in encoding/json.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are escaped by encoding/json for JavaScript's sake.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendStringMap appends m as a JSON object with sorted keys.
func AppendStringMap(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		b = AppendString(b, m[k])
	}
	return append(b, '}')
}

// parseStringMap reads the JSON object appendStringMap writes when none of
// its strings needed an escape: {"k":"v",…}. ok is false for anything else
// (escapes, spaces, other value types), which the caller then hands to
// encoding/json.
func ParseStringMap(s string) (m map[string]string, ok bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	if strings.IndexByte(body, '\\') >= 0 {
		return nil, false
	}
	m = make(map[string]string, strings.Count(body, `":"`))
	for len(body) > 0 {
		k, rest, ok := cutString(body)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return nil, false
		}
		v, rest, ok := cutString(rest[1:])
		if !ok {
			return nil, false
		}
		m[k] = v
		switch {
		case rest == "":
		case rest[0] == ',' && len(rest) > 1:
			rest = rest[1:]
		default:
			return nil, false
		}
		body = rest
	}
	return m, true
}

// cutString reads one escape-free JSON string from the front of s.
func cutString(s string) (str, rest string, ok bool) {
	if len(s) < 2 || s[0] != '"' {
		return "", "", false
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return "", "", false
	}
	str = s[1 : 1+end]
	for i := 0; i < len(str); i++ {
		if str[i] < 0x20 {
			return "", "", false
		}
	}
	if !utf8.ValidString(str) {
		return "", "", false
	}
	return str, s[2+end:], true
}
