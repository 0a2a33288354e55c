package config

import (
	"cmp"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// index maps config paths ("tenants[0].apps[1].tier") to the YAML nodes they
// were read from, so that problems found on the decoded structs can name a
// line and column. It is built by walking the node tree alongside the Go types
// the tree decodes into, which also tells which Go type each mapping became:
// that is what yaml.v3's "field X not found in type T" messages are matched by.
type index struct {
	byPath map[string]*entry
	// byLine holds the entries whose key or value starts on a line, in
	// document order, for matching the decoder's "line N: ..." messages.
	byLine map[int][]*entry
	dups   []*Problem
}

// entry is one place in the document: a mapping value or a sequence item.
type entry struct {
	path  string
	key   *yaml.Node // nil for sequence items and the root
	value *yaml.Node
	// typ is the Go type value decodes into; nil under unknown keys.
	typ reflect.Type
	// parent is the Go type of the enclosing mapping or sequence.
	parent reflect.Type
	// member is true for sequence items and map values, whose failure to
	// decode drops them from their container.
	member bool
	used   bool // matched to a decoder message already
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// newIndex indexes doc, the result of decoding into a yaml.Node.
func newIndex(doc *yaml.Node) *index {
	ix := &index{byPath: map[string]*entry{}, byLine: map[int][]*entry{}}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root := &entry{value: doc.Content[0], typ: reflect.TypeFor[File]()}
		ix.add(root)
		ix.walk(root.value, root.typ, "")
	}
	return ix
}

func (ix *index) add(e *entry) {
	ix.byLine[e.value.Line] = append(ix.byLine[e.value.Line], e)
	if e.key != nil && e.key.Line != e.value.Line {
		ix.byLine[e.key.Line] = append(ix.byLine[e.key.Line], e)
	}
	if _, ok := ix.byPath[e.path]; !ok {
		ix.byPath[e.path] = e
	}
}

// walk indexes the children of n, which decodes into t (nil: unknown).
func (ix *index) walk(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind == yaml.AliasNode {
		return // the anchored node is indexed where it is written
	}
	if n.Kind == yaml.MappingNode {
		ix.checkDuplicates(n, path)
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && reflect.PointerTo(t).Implements(unmarshalerType) {
		t = nil // decoded by its own method, a leaf for the index
	}
	var kind reflect.Kind
	if t != nil {
		kind = t.Kind()
	}
	switch {
	case n.Kind == yaml.MappingNode && kind == reflect.Struct:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if isMergeKey(k) {
				continue
			}
			ft := fields[k.Value] // nil for an unknown key
			p := joinKey(path, k.Value)
			ix.add(&entry{path: p, key: k, value: v, typ: ft, parent: t})
			ix.walk(v, ft, p)
		}
	case n.Kind == yaml.MappingNode && kind == reflect.Map:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if isMergeKey(k) {
				continue
			}
			p := joinKey(path, k.Value)
			ix.add(&entry{path: p, key: k, value: v, typ: t.Elem(), parent: t, member: true})
			ix.walk(v, t.Elem(), p)
		}
	case n.Kind == yaml.SequenceNode && kind == reflect.Slice:
		for i, v := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			ix.add(&entry{path: p, value: v, typ: t.Elem(), parent: t, member: true})
			ix.walk(v, t.Elem(), p)
		}
	default:
		// A scalar, or a node of the wrong kind for t (the decoder reports
		// that): look inside only for duplicate keys.
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				continue
			}
			ix.walk(c, nil, path)
		}
	}
}

// checkDuplicates records a problem for every key of mapping n that repeats an
// earlier one. yaml.v3 rejects such a mapping as a whole; this says where.
func (ix *index) checkDuplicates(n *yaml.Node, path string) {
	for j := 2; j+1 < len(n.Content); j += 2 {
		kj := n.Content[j]
		for i := 0; i < j; i += 2 {
			ki := n.Content[i]
			if ki.Kind == kj.Kind && ki.Value == kj.Value {
				ix.dups = append(ix.dups, &Problem{
					Line: kj.Line, Column: kj.Column, Path: joinKey(path, kj.Value),
					Msg: fmt.Sprintf("duplicate key %q (first at line %d)", kj.Value, ki.Line),
				})
				break
			}
		}
	}
}

// yamlFields maps the YAML keys of struct type t to their field types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	m := make(map[string]reflect.Type, t.NumField())
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if opts == "inline" && f.Type.Kind() == reflect.Struct {
			maps.Copy(m, yamlFields(f.Type)) // its keys are the parent's
			continue
		}
		m[cmp.Or(name, strings.ToLower(f.Name))] = f.Type
	}
	return m
}

// knownKeys lists the YAML keys of struct type t in declaration order.
func knownKeys(t reflect.Type) []string {
	var keys []string
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case !f.IsExported() || name == "-":
		case opts == "inline" && f.Type.Kind() == reflect.Struct:
			keys = append(keys, knownKeys(f.Type)...)
		default:
			keys = append(keys, cmp.Or(name, strings.ToLower(f.Name)))
		}
	}
	return keys
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "" || k.Tag == "!" || k.Tag == "!!merge" || k.Tag == "tag:yaml.org,2002:merge")
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// joinKey appends a mapping key to a path: .key, or ["key"] when the key has
// characters that would make the path ambiguous.
func joinKey(path, key string) string {
	if !plainKey.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// parentPath strips the last element of a path built by joinKey and index
// suffixes; "" is the root and its own parent.
func parentPath(p string) string {
	last := 0
	for i := 0; i < len(p); {
		switch {
		case p[i] == '.':
			last = i
			i++
		case strings.HasPrefix(p[i:], `["`):
			last = i
			q, err := strconv.QuotedPrefix(p[i+1:])
			if err != nil {
				return ""
			}
			i += 1 + len(q) + 1
		case p[i] == '[':
			last = i
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return ""
			}
			i += j + 1
		default:
			i++
		}
	}
	return p[:last]
}

// has reports whether the document wrote path. A nil index has nothing.
func (ix *index) has(path string) bool {
	if ix == nil {
		return false
	}
	_, ok := ix.byPath[path]
	return ok
}

// pos is where a problem about path is shown: the value node (or, with key,
// the key node) of path, else of its nearest written ancestor. It returns
// 0, 0 without an index and 1, 1 for an empty document.
func (ix *index) pos(path string, key bool) (line, col int) {
	if ix == nil {
		return 0, 0
	}
	for {
		if e, ok := ix.byPath[path]; ok {
			n := e.value
			if key && e.key != nil {
				n = e.key
			}
			return n.Line, n.Column
		}
		if path == "" {
			return 1, 1
		}
		path = parentPath(path)
	}
}

// line is the line of path's key (or item), 0 when unknown.
func (ix *index) line(path string) int {
	if ix == nil {
		return 0
	}
	if e, ok := ix.byPath[path]; ok {
		if e.key != nil {
			return e.key.Line
		}
		return e.value.Line
	}
	return 0
}

// Messages of yaml.v3 v3.0.1's *yaml.TypeError, and of Duration.
var (
	reNotFound  = regexp.MustCompile(`^line (\d+): field (.*) not found in type (\S+)$`)
	reDuplicate = regexp.MustCompile(`^line (\d+): mapping key .* already defined at line \d+$`)
	reCannot    = regexp.MustCompile("(?s)^line (\\d+): cannot unmarshal (!!\\w+|\\S+)(?: `.*`)? into (\\S+)$")
	reColumn    = regexp.MustCompile(`(?s)^line (\d+): column (\d+): (.*)$`)
	reLine      = regexp.MustCompile(`(?s)^line (\d+): (.*)$`)
)

// secretKeys are keys people write when they try to put a credential in the
// file; they get a message that says what to do instead.
var secretKeys = map[string]bool{
	"token": true, "password": true, "secret": true, "api_key": true, "apikey": true,
	"api_token": true, "bearer_token": true, "client_secret": true, "bind_password": true,
}

// decodeProblem turns one message of a *yaml.TypeError into a Problem at the
// node it is about. ok is false for messages that checkDuplicates already
// reported in its own words.
func (ix *index) decodeProblem(data []byte, msg string) (p *Problem, e *entry, ok bool) {
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	if m := reNotFound.FindStringSubmatch(msg); m != nil {
		line, key := atoi(m[1]), m[2]
		e := ix.find(line, func(e *entry) bool {
			return e.key != nil && e.key.Line == line && e.key.Value == key && e.typ == nil && e.parent != nil && e.parent.String() == m[3]
		})
		p := &Problem{Line: line, Column: firstColumn(data, line), Msg: unknownKeyMsg(key, nil)}
		if e != nil {
			p.Line, p.Column, p.Path = e.key.Line, e.key.Column, e.path
			p.Msg = unknownKeyMsg(key, e.parent)
		}
		return p, e, true
	}
	if m := reDuplicate.FindStringSubmatch(msg); m != nil {
		line := atoi(m[1])
		for _, d := range ix.dups {
			if d.Line == line {
				return nil, nil, false
			}
		}
	}
	if m := reCannot.FindStringSubmatch(msg); m != nil {
		line := atoi(m[1])
		e := ix.find(line, func(e *entry) bool {
			return e.value.Line == line && e.typ != nil && e.typ.String() == m[3]
		})
		p := &Problem{Line: line, Column: firstColumn(data, line), Msg: cannotMsg(m[2], m[3])}
		if e != nil {
			p.Line, p.Column, p.Path = e.value.Line, e.value.Column, e.path
		}
		return p, e, true
	}
	if m := reColumn.FindStringSubmatch(msg); m != nil {
		line, col := atoi(m[1]), atoi(m[2])
		e := ix.find(line, func(e *entry) bool { return e.value.Line == line && e.value.Column == col })
		p := &Problem{Line: line, Column: col, Msg: m[3]}
		if e != nil {
			p.Path = e.path
		}
		return p, e, true
	}
	if m := reLine.FindStringSubmatch(msg); m != nil {
		line := atoi(m[1])
		return &Problem{Line: line, Column: firstColumn(data, line), Msg: m[2]}, nil, true
	}
	return &Problem{Line: 1, Column: 1, Msg: msg}, nil, true
}

// find returns the first entry of line not matched yet that satisfies match,
// and marks it: the decoder reports in document order, so two identical
// messages for the same line (a flow sequence of mappings) go to successive
// entries.
func (ix *index) find(line int, match func(*entry) bool) *entry {
	for _, e := range ix.byLine[line] {
		if !e.used && match(e) {
			e.used = true
			return e
		}
	}
	return nil
}

// unknownKeyMsg words an unknown key, listing the keys that parent accepts.
func unknownKeyMsg(key string, parent reflect.Type) string {
	msg := fmt.Sprintf("unknown key %q", key)
	if parent != nil {
		msg += " in " + typeNoun(parent)
	}
	if secretKeys[strings.ToLower(key)] {
		return msg + ": secrets are given by reference: use token_env or token_file"
	}
	if parent != nil && parent.Kind() == reflect.Struct {
		msg += " (known: " + strings.Join(knownKeys(parent), ", ") + ")"
	}
	return msg
}

// typeNoun names a config type the way the file's author thinks of it.
func typeNoun(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[File]():
		return "the top level"
	case reflect.TypeFor[Rule]():
		return "birthright rule"
	case reflect.TypeFor[HR]():
		return "hr"
	}
	return strings.ToLower(t.Name())
}

// cannotMsg rewords "cannot unmarshal !!seq into string".
func cannotMsg(tag, goType string) string {
	got := map[string]string{
		"!!seq": "a list", "!!map": "a mapping", "!!str": "a string", "!!int": "an integer",
		"!!float": "a number", "!!bool": "true or false", "!!null": "nothing",
		"!!binary": "binary data", "!!timestamp": "a timestamp",
	}[tag]
	want := "a value of type " + goType
	switch {
	case strings.HasPrefix(goType, "[]"):
		want = "a list"
	case strings.HasPrefix(goType, "map["):
		want = "a mapping"
	case goType == "string" || goType == "config.Absent" || goType == "config.LeaveAction":
		want = "a string"
	case strings.HasPrefix(goType, "int"):
		want = "a whole number"
	case strings.HasPrefix(goType, "float"):
		want = "a number"
	case goType == "bool":
		want = "true or false"
	case strings.HasPrefix(goType, "config."):
		want = "a mapping"
	}
	if got == "" {
		got = "a value tagged " + tag
	}
	return "expected " + want + ", got " + got
}

// kindName words a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a scalar"
}

// firstColumn is the column of the first non-blank character of line, for
// messages that come with a line alone; 1 for a blank or missing line.
func firstColumn(data []byte, line int) int {
	text := lineText(data, line)
	if i := strings.IndexFunc(text, func(r rune) bool { return r != ' ' && r != '\t' }); i >= 0 {
		return i + 1
	}
	return 1
}
