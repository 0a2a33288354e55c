package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes and validates the config file at path. Problems are
// reported against path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, path)
}

// Parse decodes a config strictly, fills in defaults and validates it. name
// is the file name problems are reported against.
//
// On failure the error joins one *Problem per problem (see Problems), sorted
// by position: unknown keys, values of the wrong type and semantic problems
// are reported together, except in two cases. A YAML syntax error or a second
// document is the only problem reported: nothing more can be read. And when
// decoding had to drop a list item or a whole mapping (a duplicate key, a
// string where a mapping belongs), only decoding problems are reported: the
// structs no longer line up with the file, so semantic checks would point at
// the wrong lines.
func Parse(data []byte, name string) (*File, error) {
	var doc yaml.Node
	nodes := yaml.NewDecoder(bytes.NewReader(data))
	if err := nodes.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, syntaxProblem(name, data, err)
	}
	var next yaml.Node
	switch err := nodes.Decode(&next); {
	case err == nil:
		return nil, &Problem{File: name, Line: next.Line, Column: next.Column,
			Msg: "only one YAML document is allowed: remove the \"---\" separator"}
	case !errors.Is(err, io.EOF):
		return nil, syntaxProblem(name, data, err)
	}

	ix := newIndex(&doc)
	probs := ix.dups
	semantic := len(ix.dups) == 0
	var failed []string // paths whose value did not decode

	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var te *yaml.TypeError
	switch err := dec.Decode(&f); {
	case err == nil, errors.Is(err, io.EOF):
	case errors.As(err, &te):
		for _, msg := range te.Errors {
			p, e, ok := ix.decodeProblem(data, msg)
			if !ok {
				continue
			}
			probs = append(probs, p)
			switch {
			case e != nil && e.typ == nil:
				// An unknown key: skipped, the rest of its mapping decoded.
			case e == nil || e.member || e.typ.Kind() == reflect.Slice || e.typ.Kind() == reflect.Map:
				semantic = false
			default:
				failed = append(failed, e.path)
			}
		}
	default:
		// yaml.v3 fails outright on a few documents it parses as nodes,
		// such as excessive aliasing.
		return nil, syntaxProblem(name, data, err)
	}

	f.name, f.idx = name, ix
	f.setDefaults(ix)
	if semantic {
		for _, p := range f.problems() {
			if !under(p.Path, failed) {
				probs = append(probs, p)
			}
		}
	}
	if len(probs) > 0 {
		return nil, joinProblems(name, probs)
	}
	return &f, nil
}

// under reports whether path is one of roots or inside one of them.
func under(path string, roots []string) bool {
	for _, r := range roots {
		if r == "" || path == r || strings.HasPrefix(path, r+".") || strings.HasPrefix(path, r+"[") {
			return true
		}
	}
	return false
}

var reSyntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxProblem turns a yaml.v3 parse error ("yaml: line 3: found character
// that cannot start any token") into a Problem. yaml.v3 gives no column; the
// problem points at the first tab of the line when there is one (the usual
// cause), else at the line's first character.
func syntaxProblem(name string, data []byte, err error) *Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := &Problem{File: name, Line: 1, Column: 1, Msg: "invalid YAML: " + msg}
	m := reSyntaxLine.FindStringSubmatch(err.Error())
	if m == nil {
		return p
	}
	p.Line, _ = strconv.Atoi(m[1])
	p.Column = firstColumn(data, p.Line)
	p.Msg = "invalid YAML: " + m[2]
	if strings.Contains(m[2], "tab") || strings.Contains(m[2], "cannot start any token") {
		// yaml.v3 sometimes names the line before the tab.
		for _, n := range []int{p.Line, p.Line + 1} {
			if i := strings.IndexByte(lineText(data, n), '\t'); i >= 0 {
				p.Line, p.Column = n, i+1
				p.Msg = "invalid YAML: tab character: YAML is indented with spaces, never tabs"
				break
			}
		}
	}
	return p
}

// lineText is line n (1-based) of data, without its line break. Like the
// YAML parser, it takes "\r\n", "\r" and "\n" as line breaks.
func lineText(data []byte, n int) string {
	for i := 1; ; i++ {
		j := bytes.IndexAny(data, "\r\n")
		if i == n {
			if j >= 0 {
				data = data[:j]
			}
			return string(data)
		}
		if j < 0 {
			return ""
		}
		if data[j] == '\r' && j+1 < len(data) && data[j+1] == '\n' {
			j++
		}
		data = data[j+1:]
	}
}
