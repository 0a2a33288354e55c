package scim

import "strings"

// Type is an attribute's data type (RFC 7643 §2.3).
type Type string

// The attribute data types.
const (
	TypeString    Type = "string"
	TypeBoolean   Type = "boolean"
	TypeDecimal   Type = "decimal"
	TypeInteger   Type = "integer"
	TypeDateTime  Type = "dateTime"
	TypeReference Type = "reference"
	TypeComplex   Type = "complex"
	TypeBinary    Type = "binary"
)

// Mutability says whether and when a client may write an attribute
// (RFC 7643 §7).
type Mutability string

// The mutability values. The zero value means ReadWrite.
const (
	// ReadOnly attributes are set by the server; a client's value is ignored
	// in a resource body and rejected (mutability) as a PATCH target.
	ReadOnly Mutability = "readOnly"
	// ReadWrite attributes may be written at any time.
	ReadWrite Mutability = "readWrite"
	// Immutable attributes may be set when they have no value, and never
	// changed afterwards.
	Immutable Mutability = "immutable"
	// WriteOnly attributes (password) are accepted but never returned.
	WriteOnly Mutability = "writeOnly"
)

// Returned says when an attribute appears in a response (RFC 7643 §7).
type Returned string

// The returned values. The zero value means ReturnedDefault.
const (
	// ReturnedAlways attributes are in every response, whatever the
	// attributes or excludedAttributes parameters say (id).
	ReturnedAlways Returned = "always"
	// ReturnedNever attributes are never in a response (password).
	ReturnedNever Returned = "never"
	// ReturnedDefault attributes are returned unless excluded.
	ReturnedDefault Returned = "default"
	// ReturnedRequest attributes are returned only when named in attributes.
	ReturnedRequest Returned = "request"
)

// Uniqueness says over which scope a value must be unique (RFC 7643 §7).
// The store enforces it; the schema only declares it.
type Uniqueness string

// The uniqueness values. The zero value means UniqueNone.
const (
	UniqueNone   Uniqueness = "none"
	UniqueServer Uniqueness = "server"
	UniqueGlobal Uniqueness = "global"
)

// Attribute defines one attribute of a schema, with the characteristics of
// RFC 7643 §7. Definitions are data: normalisation, filters, PATCH,
// projection and the /Schemas document all read the same values, so they
// cannot disagree. An Attribute must not be modified once it is part of a
// ResourceType.
type Attribute struct {
	// Name in its canonical case; names match case-insensitively.
	Name string
	// Type is the data type; complex attributes have SubAttributes.
	Type Type
	// MultiValued attributes hold a JSON array of values.
	MultiValued bool
	// Description is shown in /Schemas.
	Description string
	// Required attributes must have a value in every resource; a client
	// cannot create a resource without them nor remove them.
	Required bool
	// CaseExact makes string comparisons (filters, sorting, duplicate
	// detection) byte-exact; otherwise they fold case.
	CaseExact bool
	// Mutability; zero means ReadWrite.
	Mutability Mutability
	// Returned; zero means ReturnedDefault.
	Returned Returned
	// Uniqueness; zero means UniqueNone.
	Uniqueness Uniqueness
	// CanonicalValues are the suggested values (emails.type: work, home…).
	// They are advertised, not enforced: IdPs send their own.
	CanonicalValues []string
	// ReferenceTypes are what a reference may point to: a resource type
	// name, "external" or "uri".
	ReferenceTypes []string
	// SubAttributes of a complex attribute. RFC 7643 forbids complex
	// sub-attributes, so there is one level only.
	SubAttributes []*Attribute
}

func (a *Attribute) mutability() Mutability {
	if a.Mutability == "" {
		return ReadWrite
	}
	return a.Mutability
}

func (a *Attribute) returned() Returned {
	if a.Returned == "" {
		return ReturnedDefault
	}
	return a.Returned
}

func (a *Attribute) uniqueness() Uniqueness {
	if a.Uniqueness == "" {
		return UniqueNone
	}
	return a.Uniqueness
}

func (a *Attribute) readOnly() bool { return a.Mutability == ReadOnly }

// Sub returns the sub-attribute called name (case-insensitive), or nil. A
// linear scan: complex attributes have a handful of sub-attributes, and
// this keeps definitions free of caches that would need locking.
func (a *Attribute) Sub(name string) *Attribute {
	return findAttribute(a.SubAttributes, name)
}

// valueSub is the "value" sub-attribute that a filter or sort on the
// complex attribute itself compares (RFC 7644 §3.4.2.2: "emails co x"
// means emails.value), or nil.
func (a *Attribute) valueSub() *Attribute {
	if a.Type != TypeComplex {
		return nil
	}
	return a.Sub("value")
}

// isReference tells whether a is a single-valued complex attribute that
// points at something through its "value" (the enterprise manager). Such an
// attribute is accepted as a bare string or a one-element array, an empty
// value removes it, and a replace swaps it whole instead of merging, so
// that a $ref or displayName of the previous target does not linger.
func (a *Attribute) isReference() bool {
	return !a.MultiValued && a.valueSub() != nil
}

func findAttribute(attrs []*Attribute, name string) *Attribute {
	for _, a := range attrs {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}
