package scim

import (
	"strings"
)

// AttrPath is an attribute path as written (RFC 7644 §3.10):
// [schema URN ":"] name ["." sub-attribute]. It is not yet resolved against
// a schema, so names keep the client's case.
type AttrPath struct {
	// URN is the schema URN prefix, "" if the path has none.
	URN string
	// Name is the attribute name.
	Name string
	// Sub is the sub-attribute name, "" if none.
	Sub string
	// Offset is the byte offset of the path in the text it was parsed from.
	Offset int
}

// String renders the path as it would be written.
func (p AttrPath) String() string {
	s := p.Name
	if p.URN != "" {
		s = p.URN + ":" + s
	}
	if p.Sub != "" {
		s += "." + p.Sub
	}
	return s
}

// parseAttrPath splits a path token. A URN contains colons and dots of its
// own ("…:enterprise:2.0:User:manager.value"), so the attribute starts
// after the last colon and only a dot after that separates a
// sub-attribute.
func parseAttrPath(text string, off int, p *parser) (AttrPath, error) {
	ap := AttrPath{Offset: off}
	rest, restOff := text, off
	if len(text) >= 4 && strings.EqualFold(text[:4], "urn:") {
		i := strings.LastIndexByte(text, ':')
		if i <= len("urn:") {
			return ap, p.errorf(off, "%q is a URN without an attribute name", text)
		}
		ap.URN, rest, restOff = text[:i], text[i+1:], off+i+1
	} else if j := strings.IndexByte(text, ':'); j >= 0 {
		return ap, p.errorf(off+j, "unexpected \":\" in %q (schema URNs start with \"urn:\")", text)
	}
	name, sub, hasSub := strings.Cut(rest, ".")
	if !validName(name) {
		return ap, p.errorf(restOff, "invalid attribute name %q", name)
	}
	if hasSub && !validName(sub) {
		return ap, p.errorf(restOff+len(name)+1, "invalid sub-attribute name %q", sub)
	}
	ap.Name, ap.Sub = name, sub
	return ap, nil
}

// Path is a PATCH operation's path (RFC 7644 §3.5.2):
// attrPath, or valuePath optionally followed by a sub-attribute, as in
// `emails[type eq "work"].value`.
type Path struct {
	// Attr is the attribute; Attr.Sub is the sub-attribute, which follows
	// the filter when there is one.
	Attr AttrPath
	// Filter selects elements of the multi-valued attribute; nil if none.
	// Its attribute names are sub-attributes of Attr.
	Filter Expr
}

// String renders the path in canonical syntax.
func (p Path) String() string {
	if p.Filter == nil {
		return p.Attr.String()
	}
	head := p.Attr
	head.Sub = ""
	s := head.String() + "[" + p.Filter.String() + "]"
	if p.Attr.Sub != "" {
		s += "." + p.Attr.Sub
	}
	return s
}

// ParsePath parses a PATCH path. Errors are invalidPath with the byte
// offset of the problem, also for a malformed filter inside brackets.
func ParsePath(s string) (Path, error) {
	return parsePath(s, MaxFilterLength)
}

func parsePath(s string, maxLen int) (Path, error) {
	var path Path
	p, err := newParser(s, ErrorInvalidPath, maxLen)
	if err != nil {
		return path, err
	}
	if p.tok.kind != tokWord {
		return path, p.errorf(p.tok.off, "expected an attribute path, got %s", p.tok.describe())
	}
	if path.Attr, err = parseAttrPath(p.tok.text, p.tok.off, p); err != nil {
		return path, err
	}
	if err := p.advance(); err != nil {
		return path, err
	}
	if p.tok.kind == tokLBrack {
		if err := p.pathFilter(&path); err != nil {
			return path, err
		}
	}
	if p.tok.kind != tokEOF {
		return path, p.errorf(p.tok.off, "unexpected %s", p.tok.describe())
	}
	return path, nil
}

// pathFilter parses "[filter]" and an optional ".sub" after it.
func (p *parser) pathFilter(path *Path) error {
	open := p.tok.off
	if path.Attr.Sub != "" {
		return p.errorf(open, "a value filter applies to an attribute, not to sub-attribute %q", path.Attr.Sub)
	}
	if err := p.enter(open); err != nil {
		return err
	}
	if err := p.advance(); err != nil {
		return err
	}
	p.inValue = true
	f, err := p.parseOr()
	if err != nil {
		return err
	}
	if p.tok.kind != tokRBrack {
		return p.errorf(p.tok.off, "expected \"]\" to close \"[\" at offset %d, got %s", open, p.tok.describe())
	}
	path.Filter = f
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		start := p.pos + 1
		end := start
		for end < len(p.src) && isWordByte(p.src[end]) {
			end++
		}
		if sub := p.src[start:end]; !validName(sub) {
			return p.errorf(start, "invalid sub-attribute name %q", sub)
		}
		path.Attr.Sub = p.src[start:end]
		p.pos = end
	}
	return p.advance()
}

// ParseAttributeList parses the attributes or excludedAttributes query
// parameter: comma-separated attribute paths. Errors are invalidValue.
func ParseAttributeList(s string) ([]AttrPath, error) {
	if len(s) > MaxFilterLength {
		return nil, InvalidValueError("attribute list longer than %d bytes", MaxFilterLength)
	}
	p := &parser{src: s, errType: ErrorInvalidValue}
	var out []AttrPath
	off := 0
	for item := range strings.SplitSeq(s, ",") {
		itemOff := off
		off += len(item) + 1
		trimmed := strings.TrimLeft(item, " \t")
		itemOff += len(item) - len(trimmed)
		trimmed = strings.TrimRight(trimmed, " \t")
		if trimmed == "" {
			continue
		}
		for i := 0; i < len(trimmed); i++ {
			if !isWordByte(trimmed[i]) {
				return nil, p.errorf(itemOff+i, "unexpected character %q in attribute list", trimmed[i])
			}
		}
		ap, err := parseAttrPath(trimmed, itemOff, p)
		if err != nil {
			return nil, err
		}
		out = append(out, ap)
	}
	return out, nil
}
