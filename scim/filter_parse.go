package scim

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on filters and PATCH paths. Filters arrive in URLs from anyone
// holding a token; the limits keep parsing and evaluation cheap and stop
// deep nesting from exhausting the stack.
const (
	// MaxFilterLength is the longest filter or path accepted, in bytes.
	MaxFilterLength = 4096
	// MaxFilterDepth is the deepest nesting of parentheses, "not" and value
	// filters accepted.
	MaxFilterDepth = 32
)

// Expr is a node of a parsed filter (RFC 7644 §3.4.2.2): *LogicalExpr,
// *NotExpr, *CompareExpr or *ValuePathExpr. Parsing needs no schema;
// ResourceType.CompileFilter resolves the attribute names.
type Expr interface {
	// String renders the expression in canonical filter syntax: lower-case
	// keywords, single spaces, parentheses only where needed. Parsing the
	// result gives the same expression.
	String() string
	writeTo(b *strings.Builder)
}

// LogicalOp joins two filters.
type LogicalOp string

// The logical operators. "and" binds tighter than "or".
const (
	And LogicalOp = "and"
	Or  LogicalOp = "or"
)

// LogicalExpr is "Left and Right" or "Left or Right".
type LogicalExpr struct {
	// Op is And or Or.
	Op LogicalOp
	// Left and Right are the operands.
	Left, Right Expr
}

// NotExpr is "not (X)".
type NotExpr struct {
	// X is the negated filter.
	X Expr
}

// CompareOp is an attribute operator.
type CompareOp string

// The attribute operators of RFC 7644 Table 3.
const (
	Eq CompareOp = "eq" // equal
	Ne CompareOp = "ne" // not equal
	Co CompareOp = "co" // contains
	Sw CompareOp = "sw" // starts with
	Ew CompareOp = "ew" // ends with
	Pr CompareOp = "pr" // present (has a value)
	Gt CompareOp = "gt" // greater than
	Ge CompareOp = "ge" // greater than or equal
	Lt CompareOp = "lt" // less than
	Le CompareOp = "le" // less than or equal
)

var compareOps = []CompareOp{Eq, Ne, Co, Sw, Ew, Pr, Gt, Ge, Lt, Le}

// CompareExpr is "Path Op Value", or "Path pr".
type CompareExpr struct {
	// Path is the attribute compared.
	Path AttrPath
	// Op is the operator.
	Op CompareOp
	// Value is the literal: string, bool, json.Number or nil (null, and
	// for pr).
	Value any
}

// ValuePathExpr is "Path[Filter]": true if an element of the multi-valued
// (or complex) attribute Path matches Filter, whose attribute names are
// sub-attributes of Path.
type ValuePathExpr struct {
	// Path is the multi-valued or complex attribute.
	Path AttrPath
	// Filter applies to each element.
	Filter Expr
}

func (e *LogicalExpr) String() string   { return exprString(e) }
func (e *NotExpr) String() string       { return exprString(e) }
func (e *CompareExpr) String() string   { return exprString(e) }
func (e *ValuePathExpr) String() string { return exprString(e) }

func exprString(e Expr) string {
	var b strings.Builder
	e.writeTo(&b)
	return b.String()
}

// precedence: or < and < everything else.
func precedence(e Expr) int {
	if l, ok := e.(*LogicalExpr); ok {
		if l.Op == Or {
			return 1
		}
		return 2
	}
	return 3
}

func (e *LogicalExpr) writeTo(b *strings.Builder) {
	p := precedence(e)
	// Operators associate to the left, so a right operand of the same
	// precedence needs parentheses to keep its shape.
	writeOperand(b, e.Left, precedence(e.Left) < p)
	b.WriteString(" " + string(e.Op) + " ")
	writeOperand(b, e.Right, precedence(e.Right) <= p)
}

func writeOperand(b *strings.Builder, e Expr, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	e.writeTo(b)
	if paren {
		b.WriteByte(')')
	}
}

func (e *NotExpr) writeTo(b *strings.Builder) {
	b.WriteString("not (")
	e.X.writeTo(b)
	b.WriteByte(')')
}

func (e *CompareExpr) writeTo(b *strings.Builder) {
	b.WriteString(e.Path.String())
	b.WriteString(" " + string(e.Op))
	if e.Op != Pr {
		b.WriteByte(' ')
		b.WriteString(literalString(e.Value))
	}
}

func (e *ValuePathExpr) writeTo(b *strings.Builder) {
	b.WriteString(e.Path.String())
	b.WriteByte('[')
	e.Filter.writeTo(b)
	b.WriteByte(']')
}

func literalString(v any) string {
	switch x := v.(type) {
	case string:
		return quote(x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case json.Number:
		return string(x)
	}
	return "null"
}

// quote writes a JSON string literal escaping only what JSON requires, so
// the text stays readable and no longer than needed.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ParseFilter parses a filter into an expression. Keywords (operators,
// and/or/not, true/false/null) match in any case; string literals use JSON
// escapes. Errors are invalidFilter with the byte offset of the problem in
// the detail and in the *SyntaxError they wrap.
func ParseFilter(s string) (Expr, error) {
	return parseFilter(s, ErrorInvalidFilter, MaxFilterLength)
}

func parseFilter(s string, errType ErrorType, maxLen int) (Expr, error) {
	p, err := newParser(s, errType, maxLen)
	if err != nil {
		return nil, err
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.errorf(p.tok.off, "unexpected %s", p.tok.describe())
	}
	return e, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokNumber
	tokLParen
	tokRParen
	tokLBrack
	tokRBrack
)

type token struct {
	kind tokKind
	text string // raw text; decoded value for strings
	off  int
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokString:
		return "string " + quote(t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

type parser struct {
	src     string
	pos     int
	tok     token
	depth   int
	inValue bool // inside [ ], where value paths cannot nest
	errType ErrorType
}

func newParser(s string, errType ErrorType, maxLen int) (*parser, error) {
	p := &parser{src: s, errType: errType}
	if len(s) > maxLen {
		return nil, p.errorf(maxLen, "longer than %d bytes", maxLen)
	}
	if !utf8.ValidString(s) {
		return nil, p.errorf(invalidUTF8At(s), "invalid UTF-8")
	}
	return p, p.advance()
}

func invalidUTF8At(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return i
			}
		}
	}
	return len(s)
}

func (p *parser) errorf(off int, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	what := "filter"
	switch p.errType {
	case ErrorInvalidPath:
		what = "path"
	case ErrorInvalidValue:
		what = "attribute list"
	}
	e := Errorf(p.errType, "invalid %s at offset %d: %s", what, off, msg)
	e.Err = &SyntaxError{Offset: off, Msg: msg}
	return e
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isWordByte reports the bytes of attribute paths and keywords: name
// characters plus ":" and "." for URNs and sub-attributes.
func isWordByte(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '$' || c == ':' || c == '.'
}

// advance reads the next token into p.tok.
func (p *parser) advance() error {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
	start := p.pos
	if start == len(p.src) {
		p.tok = token{kind: tokEOF, off: start}
		return nil
	}
	c := p.src[start]
	switch {
	case c == '(' || c == ')' || c == '[' || c == ']':
		p.pos++
		kind := tokLParen
		switch c {
		case ')':
			kind = tokRParen
		case '[':
			kind = tokLBrack
		case ']':
			kind = tokRBrack
		}
		p.tok = token{kind: kind, text: string(c), off: start}
	case c == '"':
		return p.lexString()
	case c == '-' || isDigit(c):
		return p.lexNumber()
	case isAlpha(c) || c == '$':
		for p.pos < len(p.src) && isWordByte(p.src[p.pos]) {
			p.pos++
		}
		p.tok = token{kind: tokWord, text: p.src[start:p.pos], off: start}
	default:
		r, _ := utf8.DecodeRuneInString(p.src[start:])
		return p.errorf(start, "unexpected character %q", r)
	}
	return nil
}

func (p *parser) lexString() error {
	start := p.pos
	i := start + 1
	for ; i < len(p.src); i++ {
		switch c := p.src[i]; {
		case c == '\\':
			i++
		case c == '"':
			var s string
			if err := json.Unmarshal([]byte(p.src[start:i+1]), &s); err != nil {
				return p.errorf(start, "invalid string literal: %v", err)
			}
			p.pos = i + 1
			p.tok = token{kind: tokString, text: s, off: start}
			return nil
		case c < 0x20:
			return p.errorf(i, "control character in string literal")
		}
	}
	return p.errorf(start, "unterminated string literal")
}

// lexNumber scans a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) lexNumber() error {
	s, start := p.src, p.pos
	i := start
	digits := func() int {
		j := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		return i - j
	}
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return p.errorf(start, "invalid number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return p.errorf(start, "invalid number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return p.errorf(start, "invalid number")
		}
	}
	if i < len(s) && isWordByte(s[i]) {
		return p.errorf(start, "invalid number")
	}
	p.pos = i
	p.tok = token{kind: tokNumber, text: s[start:i], off: start}
	return nil
}

func (p *parser) isKeyword(kw string) bool {
	return p.tok.kind == tokWord && strings.EqualFold(p.tok.text, kw)
}

func (p *parser) enter(off int) error {
	p.depth++
	if p.depth > MaxFilterDepth {
		return p.errorf(off, "nested deeper than %d", MaxFilterDepth)
	}
	return nil
}

// parseOr parses: and-expr *("or" and-expr).
func (p *parser) parseOr() (Expr, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("or") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = &LogicalExpr{Op: Or, Left: left, Right: right}
	}
	return left, nil
}

// parseAnd parses: unary *("and" unary).
func (p *parser) parseAnd() (Expr, error) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("and") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		left = &LogicalExpr{Op: And, Left: left, Right: right}
	}
	return left, nil
}

// parseUnary parses a parenthesised filter, "not (filter)", a value path
// or an attribute expression.
func (p *parser) parseUnary() (Expr, error) {
	switch {
	case p.tok.kind == tokLParen:
		return p.parseParens()
	case p.isKeyword("not") && p.peekByte() == '(':
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseParens()
		if err != nil {
			return nil, err
		}
		return &NotExpr{X: x}, nil
	case p.tok.kind != tokWord:
		return nil, p.errorf(p.tok.off, "expected an attribute path, got %s", p.tok.describe())
	}
	path, err := parseAttrPath(p.tok.text, p.tok.off, p)
	if err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokLBrack {
		return p.parseValuePath(path)
	}
	return p.parseComparison(path)
}

// peekByte returns the next non-space byte after the current token.
func (p *parser) peekByte() byte {
	i := p.pos
	for i < len(p.src) && isSpace(p.src[i]) {
		i++
	}
	if i < len(p.src) {
		return p.src[i]
	}
	return 0
}

func (p *parser) parseParens() (Expr, error) {
	open := p.tok.off
	if err := p.enter(open); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokRParen {
		return nil, p.errorf(p.tok.off, "expected \")\" to close \"(\" at offset %d, got %s", open, p.tok.describe())
	}
	p.depth--
	return e, p.advance()
}

func (p *parser) parseValuePath(path AttrPath) (Expr, error) {
	open := p.tok.off
	if p.inValue {
		return nil, p.errorf(open, "value filters cannot be nested")
	}
	if path.Sub != "" {
		return nil, p.errorf(path.Offset, "a value filter applies to an attribute, not to sub-attribute %q", path.Sub)
	}
	if err := p.enter(open); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	p.inValue = true
	inner, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.inValue = false
	if p.tok.kind != tokRBrack {
		return nil, p.errorf(p.tok.off, "expected \"]\" to close \"[\" at offset %d, got %s", open, p.tok.describe())
	}
	p.depth--
	// "emails[type eq "work"].value" is a PATCH path, not a filter.
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		return nil, p.errorf(p.pos, "a sub-attribute after a value filter is only allowed in PATCH paths")
	}
	return &ValuePathExpr{Path: path, Filter: inner}, p.advance()
}

func (p *parser) parseComparison(path AttrPath) (Expr, error) {
	if p.tok.kind != tokWord {
		return nil, p.errorf(p.tok.off, "expected an operator after %q, got %s", path.String(), p.tok.describe())
	}
	var op CompareOp
	for _, o := range compareOps {
		if strings.EqualFold(p.tok.text, string(o)) {
			op = o
		}
	}
	if op == "" {
		return nil, p.errorf(p.tok.off, "unknown operator %q", p.tok.text)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if op == Pr {
		return &CompareExpr{Path: path, Op: Pr}, nil
	}
	var v any
	switch {
	case p.tok.kind == tokString:
		v = p.tok.text
	case p.tok.kind == tokNumber:
		v = json.Number(p.tok.text)
	case p.isKeyword("true"):
		v = true
	case p.isKeyword("false"):
		v = false
	case p.isKeyword("null"):
		v = nil
	default:
		return nil, p.errorf(p.tok.off, "expected a value (string, number, true, false or null) after %q, got %s",
			string(op), p.tok.describe())
	}
	return &CompareExpr{Path: path, Op: op, Value: v}, p.advance()
}
