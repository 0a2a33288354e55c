package scim

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

var (
	groupSchema    = sync.OnceValue(newGroupSchema)
	userType       = sync.OnceValue(newUserType)
	groupType      = sync.OnceValue(newGroupType)
	defaultCatalog = sync.OnceValue(func() *Catalog {
		c, err := NewCatalog(userType(), groupType())
		if err != nil {
			panic(fmt.Sprintf("scim: built-in definitions are invalid: %v", err))
		}
		return c
	})
)

// GroupSchema returns the core Group schema of RFC 7643 §4.2. The result
// is shared: do not modify it.
func GroupSchema() *Schema { return groupSchema() }

func newGroupSchema() *Schema {
	return &Schema{
		ID:          GroupURN,
		Name:        "Group",
		Description: "Group",
		Attributes: []*Attribute{
			// RFC 7643 §4.2 calls displayName REQUIRED in prose.
			{Name: "displayName", Type: TypeString, Required: true,
				Description: "A human-readable name for the Group."},
			{Name: "members", Type: TypeComplex, MultiValued: true, Description: "The members of the Group.",
				SubAttributes: []*Attribute{
					// Required here, unlike RFC 7643 §8.7.1: a member without
					// an id cannot be resolved, removed or deduplicated.
					{Name: "value", Type: TypeString, Required: true, Mutability: Immutable,
						Description: "The id of the member's resource."},
					{Name: "$ref", Type: TypeReference, ReferenceTypes: []string{"User", "Group"},
						CaseExact: true, Mutability: Immutable, Description: "The URI of the member's resource."},
					{Name: "type", Type: TypeString, Mutability: Immutable, CanonicalValues: []string{"User", "Group"},
						Description: "The type of the member's resource."},
					{Name: "display", Type: TypeString,
						Description: "A human-readable name of the member."},
				}},
		},
	}
}

// UserResourceType returns the User resource type (/Users) with the
// enterprise extension, optional. The result is shared: do not modify it.
func UserResourceType() *ResourceType { return userType() }

// GroupResourceType returns the Group resource type (/Groups). The result
// is shared: do not modify it.
func GroupResourceType() *ResourceType { return groupType() }

func newUserType() *ResourceType {
	return &ResourceType{
		Name: "User", Endpoint: "/Users", Description: "User Account", Schema: UserSchema(),
		Extensions: []SchemaExtension{{Schema: EnterpriseUserSchema()}},
	}
}

func newGroupType() *ResourceType {
	return &ResourceType{Name: "Group", Endpoint: "/Groups", Description: "Group", Schema: GroupSchema()}
}

// Catalog is the set of resource types a server offers. It answers the
// lookups a handler needs (by endpoint, by name, schema by URN) and
// produces the discovery documents, so what /Schemas says is what the
// server enforces.
type Catalog struct {
	types   []*ResourceType
	schemas []*Schema
}

// DefaultCatalog returns the catalog of User (with the enterprise
// extension) and Group. The result is shared.
func DefaultCatalog() *Catalog { return defaultCatalog() }

// NewCatalog checks the definitions of types and reports every problem at
// once: names and endpoints must be unique, a schema URN must mean the same
// schema everywhere, attribute definitions must be well formed.
func NewCatalog(types ...*ResourceType) (*Catalog, error) {
	c := &Catalog{}
	var errs []error
	for _, rt := range types {
		if err := rt.checkDefinition(); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, o := range c.types {
			if strings.EqualFold(o.Name, rt.Name) || strings.EqualFold(o.Endpoint, rt.Endpoint) {
				errs = append(errs, fmt.Errorf("resource types %q and %q share a name or endpoint", o.Name, rt.Name))
			}
		}
		c.types = append(c.types, rt)
		schemas := []*Schema{rt.Schema}
		for _, e := range rt.Extensions {
			schemas = append(schemas, e.Schema)
		}
		for _, s := range schemas {
			switch known := c.Schema(s.ID); {
			case known == nil:
				c.schemas = append(c.schemas, s)
			case known != s:
				errs = append(errs, fmt.Errorf("schema %s is defined twice with different definitions", s.ID))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("scim catalog: %w", err)
	}
	return c, nil
}

// ResourceTypes returns the resource types in the order given to NewCatalog.
func (c *Catalog) ResourceTypes() []*ResourceType { return c.types }

// ResourceType returns the resource type called name (case-insensitive),
// or nil.
func (c *Catalog) ResourceType(name string) *ResourceType {
	for _, rt := range c.types {
		if strings.EqualFold(rt.Name, name) {
			return rt
		}
	}
	return nil
}

// ByEndpoint returns the resource type served at endpoint ("/Users",
// case-insensitive as IdPs are not consistent), or nil.
func (c *Catalog) ByEndpoint(endpoint string) *ResourceType {
	for _, rt := range c.types {
		if strings.EqualFold(rt.Endpoint, endpoint) {
			return rt
		}
	}
	return nil
}

// Schemas returns every schema used by the catalog's resource types, each
// once, core schemas before the extensions that follow them.
func (c *Catalog) Schemas() []*Schema { return c.schemas }

// Schema returns the schema whose URN is id (case-insensitive), or nil.
func (c *Catalog) Schema(id string) *Schema {
	for _, s := range c.schemas {
		if strings.EqualFold(s.ID, id) {
			return s
		}
	}
	return nil
}

// SchemaURNs returns the URNs of every schema, for DecodeOptions.Schemas.
func (c *Catalog) SchemaURNs() []string {
	urns := make([]string, len(c.schemas))
	for i, s := range c.schemas {
		urns[i] = s.ID
	}
	return urns
}
