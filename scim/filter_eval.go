package scim

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Filter is a filter compiled against a resource type: every attribute
// path is resolved once, so matching a resource is map lookups and
// comparisons. Safe for concurrent use.
type Filter struct {
	expr Expr
	m    matcher
}

// ParseFilter parses s and compiles it for rt; errors are invalidFilter.
func (rt *ResourceType) ParseFilter(s string) (*Filter, error) {
	e, err := ParseFilter(s)
	if err != nil {
		return nil, err
	}
	return rt.CompileFilter(e)
}

// CompileFilter resolves e against rt. Attribute names and URNs match
// case-insensitively; an unqualified name that only an extension has is
// found there. It rejects, as invalidFilter: unknown attributes (a typo
// would otherwise silently match nothing), comparing a complex attribute
// that has no "value" sub-attribute, gt/ge/lt/le on booleans and binaries,
// co/sw/ew on booleans and numbers, literals of the wrong type, and
// attributes that are never returned (password), which a filter could
// otherwise probe.
func (rt *ResourceType) CompileFilter(e Expr) (*Filter, error) {
	m, err := compile(e, scope{rt: rt})
	if err != nil {
		return nil, err
	}
	return &Filter{expr: e, m: m}, nil
}

// Expr returns the parsed expression.
func (f *Filter) Expr() Expr { return f.expr }

// String returns the filter in canonical syntax.
func (f *Filter) String() string { return f.expr.String() }

// Match reports whether res (canonical, as Normalize returns it) matches.
// Comparisons follow the attribute's type: caseExact strings byte for
// byte, others folding case; dateTimes as instants; numbers numerically.
// A multi-valued attribute matches if any value does, except "ne", which
// matches when no value is equal. Absent attributes match only "ne" and
// "eq null".
func (f *Filter) Match(res Resource) bool { return f.m.match(res) }

// Equality describes a filter of the form `ATTR eq "literal"`, which a
// store can answer from an index instead of scanning.
type Equality struct {
	// Attr is the canonical attribute path: "userName", "name.givenName",
	// "members.value", or "urn:…:User:employeeNumber" for extensions.
	Attr string
	// Value is the literal.
	Value string
	// CaseExact tells whether the comparison is byte-exact; if not, the
	// index must fold case.
	CaseExact bool
	// MultiValued tells that Attr lies in a multi-valued attribute, where
	// any element may match.
	MultiValued bool
}

// Equality reports whether the whole filter is a single `ATTR eq "string"`
// comparison on a string-like attribute.
func (f *Filter) Equality() (Equality, bool) {
	c, ok := f.m.(*cmpMatcher)
	if !ok || c.op != Eq {
		return Equality{}, false
	}
	s, ok := c.lit.(string)
	if !ok || c.leaf.Type != TypeString && c.leaf.Type != TypeReference {
		return Equality{}, false
	}
	ref := attrRef{ext: c.ext, attr: c.attr, sub: c.leaf}
	if c.leaf == c.attr {
		ref.sub = nil
	}
	return Equality{Attr: ref.String(), Value: s, CaseExact: c.leaf.CaseExact, MultiValued: c.attr.MultiValued}, true
}

// SimpleEquality recognises `ATTR eq "literal"` without a schema, for
// callers that only hold the parsed expression.
func SimpleEquality(e Expr) (path AttrPath, value string, ok bool) {
	c, isCmp := e.(*CompareExpr)
	if !isCmp || c.Op != Eq {
		return AttrPath{}, "", false
	}
	value, ok = c.Value.(string)
	return c.Path, value, ok
}

// matcher is a compiled filter node, evaluated on a resource (top-level
// scope) or on one element of a multi-valued attribute (element scope).
type matcher interface {
	match(obj map[string]any) bool
}

// scope is where attribute names of a filter are looked up: the resource
// type, or the sub-attributes of the attribute a value filter applies to.
type scope struct {
	rt     *ResourceType
	parent *Attribute
}

func (s scope) resolve(p AttrPath) (attrRef, error) {
	if s.rt != nil {
		return s.rt.resolve(p)
	}
	if p.URN != "" || p.Sub != "" {
		return attrRef{}, fmt.Errorf("%q: inside a value filter, name a sub-attribute of %q", p.String(), s.parent.Name)
	}
	sub := s.parent.Sub(p.Name)
	if sub == nil {
		return attrRef{}, fmt.Errorf("unknown sub-attribute %q of %q", p.Name, s.parent.Name)
	}
	return attrRef{attr: sub}, nil
}

func filterError(p AttrPath, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	e := InvalidFilterError("invalid filter at offset %d: %s", p.Offset, msg)
	e.Err = &SyntaxError{Offset: p.Offset, Msg: msg}
	return e
}

func compile(e Expr, s scope) (matcher, error) {
	switch x := e.(type) {
	case *LogicalExpr:
		l, err := compile(x.Left, s)
		if err != nil {
			return nil, err
		}
		r, err := compile(x.Right, s)
		if err != nil {
			return nil, err
		}
		if x.Op == And {
			return andMatcher{l, r}, nil
		}
		return orMatcher{l, r}, nil
	case *NotExpr:
		m, err := compile(x.X, s)
		if err != nil {
			return nil, err
		}
		return notMatcher{m}, nil
	case *ValuePathExpr:
		return compileValuePath(x, s)
	case *CompareExpr:
		return compileCompare(x, s)
	}
	return nil, InvalidFilterError("unsupported filter node %T", e)
}

func compileValuePath(x *ValuePathExpr, s scope) (matcher, error) {
	if s.rt == nil {
		return nil, filterError(x.Path, "value filters cannot be nested")
	}
	ref, err := s.resolve(x.Path)
	if err != nil {
		return nil, filterError(x.Path, "%v", err)
	}
	if ref.attr == nil || ref.attr.Type != TypeComplex {
		return nil, filterError(x.Path, "%q is not a complex attribute, it cannot take a value filter", x.Path.String())
	}
	inner, err := compile(x.Filter, scope{parent: ref.attr})
	if err != nil {
		return nil, err
	}
	return &valuePathMatcher{ext: ref.ext, attr: ref.attr, inner: inner}, nil
}

func compileCompare(x *CompareExpr, s scope) (matcher, error) {
	ref, err := s.resolve(x.Path)
	if err != nil {
		return nil, filterError(x.Path, "%v", err)
	}
	if ref.attr == nil {
		return nil, filterError(x.Path, "%q is a schema, not an attribute", x.Path.String())
	}
	m := &cmpMatcher{ext: ref.ext, attr: ref.attr, leaf: ref.leaf(), op: x.Op}
	if m.leaf.Type == TypeComplex && x.Op != Pr {
		if m.leaf = m.leaf.valueSub(); m.leaf == nil {
			return nil, filterError(x.Path, "complex attribute %q needs a sub-attribute", x.Path.String())
		}
	}
	if m.leaf.returned() == ReturnedNever || ref.attr.returned() == ReturnedNever {
		return nil, filterError(x.Path, "attribute %q cannot be filtered on", x.Path.String())
	}
	if x.Op == Pr {
		return m, nil
	}
	if m.lit, err = filterLiteral(m.leaf, x.Op, x.Value); err != nil {
		return nil, filterError(x.Path, "%s %s: %v", x.Path.String(), x.Op, err)
	}
	if s, ok := m.lit.(string); ok && !m.leaf.CaseExact && m.leaf.Type != TypeBinary {
		m.fold, m.folded = true, strings.ToLower(s)
	}
	return m, nil
}

// filterLiteral checks that op and literal suit attribute a and converts
// the literal to the form values of a have.
func filterLiteral(a *Attribute, op CompareOp, lit any) (any, error) {
	ordering := op == Gt || op == Ge || op == Lt || op == Le
	substring := op == Co || op == Sw || op == Ew
	if lit == nil {
		if op != Eq && op != Ne {
			return nil, fmt.Errorf("null can only be compared with eq or ne")
		}
		return nil, nil
	}
	switch a.Type {
	case TypeBoolean:
		if ordering || substring {
			return nil, fmt.Errorf("operator not supported for a boolean attribute")
		}
		if b, ok := parseBool(lit); ok {
			return b, nil
		}
		return nil, fmt.Errorf("expected true or false")
	case TypeInteger, TypeDecimal:
		if substring {
			return nil, fmt.Errorf("operator not supported for a numeric attribute")
		}
		if n, ok := lit.(json.Number); ok {
			return n, nil
		}
		return nil, fmt.Errorf("expected a number")
	}
	str, ok := lit.(string)
	if !ok {
		return nil, fmt.Errorf("expected a string")
	}
	switch a.Type {
	case TypeBinary:
		if ordering {
			return nil, fmt.Errorf("operator not supported for a binary attribute")
		}
	case TypeDateTime:
		if !substring {
			if _, err := parseDateTime(str); err != nil {
				return nil, err
			}
		}
	}
	return str, nil
}

type andMatcher struct{ l, r matcher }
type orMatcher struct{ l, r matcher }
type notMatcher struct{ x matcher }

func (m andMatcher) match(obj map[string]any) bool { return m.l.match(obj) && m.r.match(obj) }
func (m orMatcher) match(obj map[string]any) bool  { return m.l.match(obj) || m.r.match(obj) }
func (m notMatcher) match(obj map[string]any) bool { return !m.x.match(obj) }

// valuePathMatcher matches if an element of attr matches inner.
type valuePathMatcher struct {
	ext   *Schema
	attr  *Attribute
	inner matcher
}

func (m *valuePathMatcher) match(obj map[string]any) bool {
	for _, it := range items(attrRef{ext: m.ext, attr: m.attr}.get(obj)) {
		if el, ok := it.(map[string]any); ok && m.inner.match(el) {
			return true
		}
	}
	return false
}

// items returns a value as a list: the elements of a multi-valued value,
// or the value itself.
func items(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// cmpMatcher compares the values at one attribute path with a literal.
type cmpMatcher struct {
	ext  *Schema
	attr *Attribute
	// leaf is the attribute whose values are compared: the sub-attribute
	// named, the "value" of a complex attribute, or attr itself.
	leaf   *Attribute
	op     CompareOp
	lit    any
	fold   bool   // co/sw/ew ignore case
	folded string // lower-cased lit, for fold
}

func (m *cmpMatcher) match(obj map[string]any) bool {
	switch m.op {
	case Ne:
		return !m.any(obj, Eq)
	case Eq:
		if m.lit == nil {
			return !m.any(obj, Pr)
		}
	}
	return m.any(obj, m.op)
}

// any reports whether a value at the path satisfies op.
func (m *cmpMatcher) any(obj map[string]any, op CompareOp) bool {
	for _, it := range items(attrRef{ext: m.ext, attr: m.attr}.get(obj)) {
		if m.leaf != m.attr {
			el, ok := it.(map[string]any)
			if !ok {
				continue
			}
			it = el[m.leaf.Name]
		}
		for _, v := range items(it) {
			if m.test(op, v) {
				return true
			}
		}
	}
	return false
}

func (m *cmpMatcher) test(op CompareOp, v any) bool {
	switch op {
	case Pr:
		switch x := v.(type) {
		case string:
			return x != ""
		case map[string]any:
			return len(x) > 0
		}
		return v != nil
	case Eq:
		return equalScalar(m.leaf, v, m.lit)
	case Co, Sw, Ew:
		s, ok := v.(string)
		if !ok {
			return false
		}
		lit, _ := m.lit.(string)
		if m.fold {
			s, lit = strings.ToLower(s), m.folded
		}
		switch op {
		case Co:
			return strings.Contains(s, lit)
		case Sw:
			return strings.HasPrefix(s, lit)
		}
		return strings.HasSuffix(s, lit)
	}
	c, ok := compareScalar(m.leaf, v, m.lit)
	if !ok {
		return false
	}
	switch op {
	case Gt:
		return c > 0
	case Ge:
		return c >= 0
	case Lt:
		return c < 0
	}
	return c <= 0
}
