package scim

// Projection decides which attributes a response shows (RFC 7644 §3.9):
// the attributes and excludedAttributes query parameters applied on top of
// each attribute's "returned" characteristic. Every response, a write's
// included, goes through one, if only to drop returned=never attributes
// such as password.
type Projection struct {
	rt      *ResourceType
	include []attrRef
	exclude []attrRef
}

// NewProjection parses the attributes and excludedAttributes parameters
// (either may be empty; if both are given, attributes wins, as RFC 7644
// lets a server pick). Names that match no attribute are ignored, since a
// client asking for an attribute this server lacks should get the rest.
// A syntax error is invalidValue.
func (rt *ResourceType) NewProjection(attributes, excludedAttributes string) (*Projection, error) {
	p := &Projection{rt: rt}
	var err error
	if p.include, err = rt.resolveList(attributes); err != nil {
		return nil, err
	}
	if len(p.include) == 0 {
		if p.exclude, err = rt.resolveList(excludedAttributes); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (rt *ResourceType) resolveList(s string) ([]attrRef, error) {
	paths, err := ParseAttributeList(s)
	if err != nil {
		return nil, err
	}
	var refs []attrRef
	for _, p := range paths {
		if ref, err := rt.resolve(p); err == nil {
			refs = append(refs, ref)
		}
	}
	return refs, nil
}

// Apply returns the projected copy of res; res is not modified. "schemas"
// is recomputed to list only the extensions still shown.
func (p *Projection) Apply(res Resource) Resource {
	out := Resource{}
	for ref := range p.rt.topLevel() {
		v := ref.get(res)
		if v == nil {
			continue
		}
		if pv := p.project(ref, v); pv != nil {
			ref.set(out, pv)
		}
	}
	p.rt.setSchemas(out)
	return out
}

// project decides for one top-level attribute and returns what is shown.
func (p *Projection) project(ref attrRef, v any) any {
	a := ref.attr
	switch r := a.returned(); {
	case r == ReturnedNever:
		return nil
	case r == ReturnedAlways:
		return projectSubs(a, v, func(*Attribute) bool { return true })
	case len(p.include) > 0:
		if p.names(p.include, ref, nil) {
			return projectSubs(a, v, func(s *Attribute) bool { return s.returned() != ReturnedRequest })
		}
		if a.Type != TypeComplex {
			return nil
		}
		return projectSubs(a, v, func(s *Attribute) bool {
			return s.returned() == ReturnedAlways || p.names(p.include, ref, s)
		})
	case r == ReturnedRequest, p.names(p.exclude, ref, nil):
		return nil
	}
	return projectSubs(a, v, func(s *Attribute) bool {
		return s.returned() == ReturnedAlways ||
			s.returned() == ReturnedDefault && !p.names(p.exclude, ref, s)
	})
}

// names reports whether list names ref's attribute (sub == nil: the whole
// attribute, or its whole extension) or its sub-attribute sub.
func (p *Projection) names(list []attrRef, ref attrRef, sub *Attribute) bool {
	for _, l := range list {
		if l.ext != ref.ext {
			continue
		}
		if l.attr == nil && sub == nil {
			return true // the whole extension
		}
		if l.attr == ref.attr && (l.sub == nil && sub == nil || l.sub != nil && l.sub == sub) {
			return true
		}
	}
	return false
}

// projectSubs keeps the sub-attributes of a complex value (each element of
// a multi-valued one) that keep accepts and are not returned=never; an
// element left empty goes, and so does a value left with nothing.
func projectSubs(a *Attribute, v any, keep func(*Attribute) bool) any {
	if a.Type != TypeComplex {
		return v
	}
	one := func(it any) map[string]any {
		m, _ := it.(map[string]any)
		out := map[string]any{}
		for _, s := range a.SubAttributes {
			if sv, ok := m[s.Name]; ok && s.returned() != ReturnedNever && keep(s) {
				out[s.Name] = sv
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	if !a.MultiValued {
		if m := one(v); m != nil {
			return m
		}
		return nil
	}
	var list []any
	for _, it := range items(v) {
		if m := one(it); m != nil {
			list = append(list, m)
		}
	}
	if len(list) == 0 {
		return nil
	}
	return list
}
