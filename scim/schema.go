package scim

import (
	"errors"
	"fmt"
	"strings"
)

// Schema is a named set of attribute definitions (RFC 7643 §7): a core
// resource schema such as User, or an extension such as EnterpriseUser.
// A Schema must not be modified once it is part of a ResourceType.
type Schema struct {
	// ID is the schema URN in its canonical case.
	ID string
	// Name is the human-readable name ("User", "EnterpriseUser").
	Name string
	// Description is shown in /Schemas.
	Description string
	// Attributes are the top-level attributes, in the order /Schemas lists
	// them. The common attributes (id, externalId, meta) are implied.
	Attributes []*Attribute
}

// Attribute returns the attribute called name (case-insensitive), or nil.
func (s *Schema) Attribute(name string) *Attribute { return findAttribute(s.Attributes, name) }

// SchemaExtension attaches an extension schema to a resource type.
type SchemaExtension struct {
	// Schema is the extension's definition; its attributes live in an
	// object under its URN.
	Schema *Schema
	// Required makes the extension mandatory on every resource of the type.
	Required bool
}

// ResourceType is a kind of resource the server serves (RFC 7643 §6): its
// endpoint, core schema and extensions. Every resource operation in this
// package (Normalize, filters, PATCH, projection, sorting) is a method on
// the ResourceType because they all need its schemas. A ResourceType must
// not be modified once in use; NewCatalog checks its definitions.
type ResourceType struct {
	// Name is the resource type's id and name, and meta.resourceType of its
	// resources ("User").
	Name string
	// Endpoint is the path relative to the base URL ("/Users").
	Endpoint string
	// Description is shown in /ResourceTypes.
	Description string
	// Schema is the core schema.
	Schema *Schema
	// Extensions are the schema extensions resources of this type may
	// carry.
	Extensions []SchemaExtension
}

// schemasAttr describes the "schemas" attribute every resource carries. The
// server computes it from the content (core URN plus the extensions that
// have values), so it is readOnly here even though clients send it.
var schemasAttr = &Attribute{
	Name: "schemas", Type: TypeReference, MultiValued: true, Required: true,
	Mutability: ReadOnly, Returned: ReturnedAlways, ReferenceTypes: []string{"uri"},
	Description: "The schema URNs the resource conforms to.",
}

// commonAttributes are the attributes of RFC 7643 §3.1 that every resource
// has but no schema lists.
var commonAttributes = []*Attribute{
	schemasAttr,
	{
		Name: "id", Type: TypeString, CaseExact: true, Mutability: ReadOnly,
		Returned: ReturnedAlways, Uniqueness: UniqueServer,
		Description: "Unique identifier of the resource, assigned by the service provider.",
	},
	{
		Name: "externalId", Type: TypeString, CaseExact: true,
		Description: "Identifier of the resource as defined by the provisioning client.",
	},
	{
		Name: "meta", Type: TypeComplex, Mutability: ReadOnly,
		Description: "Resource metadata maintained by the service provider.",
		SubAttributes: []*Attribute{
			{Name: "resourceType", Type: TypeString, CaseExact: true, Mutability: ReadOnly,
				Description: "Name of the resource type of the resource."},
			{Name: "created", Type: TypeDateTime, Mutability: ReadOnly,
				Description: "When the resource was added to the service provider."},
			{Name: "lastModified", Type: TypeDateTime, Mutability: ReadOnly,
				Description: "When the resource was last changed."},
			{Name: "location", Type: TypeReference, CaseExact: true, Mutability: ReadOnly,
				ReferenceTypes: []string{"uri"}, Description: "URI of the resource."},
			{Name: "version", Type: TypeString, CaseExact: true, Mutability: ReadOnly,
				Description: "Version (weak ETag) of the resource."},
		},
	},
}

// extension returns the extension whose URN is urn (case-insensitive).
func (rt *ResourceType) extension(urn string) *Schema {
	for _, e := range rt.Extensions {
		if strings.EqualFold(e.Schema.ID, urn) {
			return e.Schema
		}
	}
	return nil
}

// coreAttribute finds a common or core attribute by name.
func (rt *ResourceType) coreAttribute(name string) *Attribute {
	if a := findAttribute(commonAttributes, name); a != nil {
		return a
	}
	return rt.Schema.Attribute(name)
}

// attrRef is an attribute path resolved against a resource type.
type attrRef struct {
	// ext is the extension holding the attribute, nil for core and common
	// attributes.
	ext *Schema
	// attr is the top-level attribute; nil means the whole extension ext.
	attr *Attribute
	// sub is the sub-attribute named by the path, or nil.
	sub *Attribute
}

// leaf is the attribute whose values the path denotes.
func (r attrRef) leaf() *Attribute {
	if r.sub != nil {
		return r.sub
	}
	return r.attr
}

// String is the canonical path: URN-qualified for extensions.
func (r attrRef) String() string {
	var b strings.Builder
	if r.ext != nil {
		b.WriteString(r.ext.ID)
		if r.attr == nil {
			return b.String()
		}
		b.WriteByte(':')
	}
	b.WriteString(r.attr.Name)
	if r.sub != nil {
		b.WriteByte('.')
		b.WriteString(r.sub.Name)
	}
	return b.String()
}

// resolve finds the attribute an AttrPath names. Names and URNs match
// case-insensitively. An unqualified name that is not a core attribute is
// looked up in the extensions, if exactly one has it: clients write
// "employeeNumber eq 7" as often as the qualified form. The error is plain;
// callers wrap it as invalidFilter, invalidPath or invalidSyntax.
func (rt *ResourceType) resolve(p AttrPath) (attrRef, error) {
	var r attrRef
	switch {
	case p.URN == "":
		r.attr = rt.coreAttribute(p.Name)
		if r.attr == nil {
			for _, e := range rt.Extensions {
				if a := e.Schema.Attribute(p.Name); a != nil {
					if r.attr != nil {
						return r, fmt.Errorf("attribute %q is ambiguous: qualify it with its schema URN", p.Name)
					}
					r.ext, r.attr = e.Schema, a
				}
			}
		}
	case strings.EqualFold(p.URN, rt.Schema.ID):
		r.attr = rt.coreAttribute(p.Name)
	default:
		if ext := rt.extension(p.URN); ext != nil {
			r.ext, r.attr = ext, ext.Attribute(p.Name)
			break
		}
		// The whole extension: "urn:…:enterprise:2.0:User" splits at its
		// last colon into URN "urn:…:2.0" and name "User".
		if ext := rt.extension(p.URN + ":" + p.Name); ext != nil && p.Sub == "" {
			return attrRef{ext: ext}, nil
		}
		return r, fmt.Errorf("unknown schema %q for resource type %s", p.URN, rt.Name)
	}
	if r.attr == nil {
		return r, fmt.Errorf("unknown attribute %q", p.String())
	}
	if p.Sub != "" {
		if r.attr.Type != TypeComplex {
			return r, fmt.Errorf("attribute %q has no sub-attributes", r.attr.Name)
		}
		r.sub = r.attr.Sub(p.Sub)
		if r.sub == nil {
			return r, fmt.Errorf("unknown sub-attribute %q of %q", p.Sub, r.attr.Name)
		}
	}
	return r, nil
}

// checkDefinition reports everything wrong with rt's definitions at once.
func (rt *ResourceType) checkDefinition() error {
	var errs []error
	if rt.Name == "" || !strings.HasPrefix(rt.Endpoint, "/") {
		errs = append(errs, fmt.Errorf("resource type %q: needs a name and an endpoint starting with /", rt.Name))
	}
	if rt.Schema == nil {
		return errors.Join(append(errs, fmt.Errorf("resource type %q: no schema", rt.Name))...)
	}
	schemas := []*Schema{rt.Schema}
	for i, e := range rt.Extensions {
		if e.Schema == nil {
			errs = append(errs, fmt.Errorf("resource type %q: extension %d has no schema", rt.Name, i))
			continue
		}
		for _, s := range schemas {
			if strings.EqualFold(s.ID, e.Schema.ID) {
				errs = append(errs, fmt.Errorf("resource type %q: schema %s used twice", rt.Name, s.ID))
			}
		}
		schemas = append(schemas, e.Schema)
	}
	for _, s := range schemas {
		if !strings.HasPrefix(strings.ToLower(s.ID), "urn:") {
			errs = append(errs, fmt.Errorf("schema %q: id must be a URN", s.ID))
		}
		attrs := s.Attributes
		if s == rt.Schema {
			attrs = append(append([]*Attribute(nil), commonAttributes...), attrs...)
		}
		errs = append(errs, checkAttributes(s.ID, attrs, false)...)
	}
	return errors.Join(errs...)
}

func checkAttributes(where string, attrs []*Attribute, sub bool) []error {
	var errs []error
	for i, a := range attrs {
		at := where + ":" + a.Name
		if !validName(a.Name) {
			errs = append(errs, fmt.Errorf("%s: invalid attribute name", at))
		}
		if findAttribute(attrs[:i], a.Name) != nil {
			errs = append(errs, fmt.Errorf("%s: defined twice", at))
		}
		switch a.Type {
		case TypeString, TypeBoolean, TypeDecimal, TypeInteger, TypeDateTime, TypeReference, TypeBinary:
			if len(a.SubAttributes) > 0 {
				errs = append(errs, fmt.Errorf("%s: only complex attributes have sub-attributes", at))
			}
		case TypeComplex:
			if sub {
				errs = append(errs, fmt.Errorf("%s: a sub-attribute cannot be complex", at))
			}
			if len(a.SubAttributes) == 0 {
				errs = append(errs, fmt.Errorf("%s: complex attribute without sub-attributes", at))
			}
			errs = append(errs, checkAttributes(at, a.SubAttributes, true)...)
		default:
			errs = append(errs, fmt.Errorf("%s: unknown type %q", at, a.Type))
		}
	}
	return errs
}

// validName reports whether s is an ATTRNAME of RFC 7644 §3.10 (ALPHA
// followed by letters, digits, "-" and "_"), or "$ref".
func validName(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '$' {
		return strings.EqualFold(s, "$ref")
	}
	if !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
