package hr

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

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
