package scim

import "strings"

// Schema URNs of the discovery resources (RFC 7643 §5–7).
const (
	ServiceProviderConfigURN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	ResourceTypeURN          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaURN                = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// ServiceProviderConfig describes what the server supports (RFC 7643 §5).
// It is the one discovery document that is configuration rather than
// schema, so the caller fills it in from what the handler actually does.
type ServiceProviderConfig struct {
	// DocumentationURI points at human documentation; empty omits it.
	DocumentationURI string
	// Patch tells clients that PATCH is supported.
	Patch bool
	// Bulk advertises /Bulk and its limits.
	Bulk BulkConfig
	// Filter advertises filtering and the most resources one query returns.
	Filter FilterConfig
	// ChangePassword tells clients they may set password.
	ChangePassword bool
	// Sort tells clients that sortBy is honoured.
	Sort bool
	// ETag tells clients that resources carry versions and that If-Match
	// and If-None-Match are honoured.
	ETag bool
	// AuthenticationSchemes lists how clients authenticate; IdPs show it
	// to administrators.
	AuthenticationSchemes []AuthenticationScheme
}

// BulkConfig advertises /Bulk support and its limits.
type BulkConfig struct {
	// Supported tells clients that /Bulk exists.
	Supported bool
	// MaxOperations is the most operations one bulk request may hold.
	MaxOperations int
	// MaxPayloadSize is the largest bulk request body, in bytes.
	MaxPayloadSize int
}

// FilterConfig advertises filter support and the page size limit.
type FilterConfig struct {
	// Supported tells clients that the filter parameter is honoured.
	Supported bool
	// MaxResults is the page size cap that ParsePage applies.
	MaxResults int
}

// AuthenticationScheme is one entry of authenticationSchemes.
type AuthenticationScheme struct {
	// Type is "oauthbearertoken", "httpbasic", "oauth2"…
	Type string
	// Name and Description are shown to administrators.
	Name, Description string
	// SpecURI points at the scheme's specification; empty omits it.
	SpecURI string
	// DocumentationURI points at setup help; empty omits it.
	DocumentationURI string
	// Primary marks the preferred scheme.
	Primary bool
}

// BearerTokenScheme is the scheme Entra ID and Okta use with a static
// token: OAuth 2.0 bearer tokens (RFC 6750).
var BearerTokenScheme = AuthenticationScheme{
	Type:        "oauthbearertoken",
	Name:        "OAuth Bearer Token",
	Description: "Authentication with a bearer token in the Authorization header.",
	SpecURI:     "https://www.rfc-editor.org/info/rfc6750",
	Primary:     true,
}

// Resource returns the /ServiceProviderConfig document. baseURL is the
// server's SCIM root ("https://example.com/scim/v2"); it may be empty for
// relative locations.
func (c ServiceProviderConfig) Resource(baseURL string) Resource {
	supported := func(b bool) map[string]any { return map[string]any{"supported": b} }
	schemes := make([]any, 0, len(c.AuthenticationSchemes))
	for _, s := range c.AuthenticationSchemes {
		m := map[string]any{"type": s.Type, "name": s.Name, "description": s.Description}
		if s.SpecURI != "" {
			m["specUri"] = s.SpecURI
		}
		if s.DocumentationURI != "" {
			m["documentationUri"] = s.DocumentationURI
		}
		if s.Primary {
			m["primary"] = true
		}
		schemes = append(schemes, m)
	}
	r := Resource{
		"schemas": []any{ServiceProviderConfigURN},
		"patch":   supported(c.Patch),
		"bulk": map[string]any{
			"supported": c.Bulk.Supported, "maxOperations": c.Bulk.MaxOperations,
			"maxPayloadSize": c.Bulk.MaxPayloadSize,
		},
		"filter":                map[string]any{"supported": c.Filter.Supported, "maxResults": c.Filter.MaxResults},
		"changePassword":        supported(c.ChangePassword),
		"sort":                  supported(c.Sort),
		"etag":                  supported(c.ETag),
		"authenticationSchemes": schemes,
		"meta": map[string]any{
			"resourceType": "ServiceProviderConfig",
			"location":     location(baseURL, "/ServiceProviderConfig"),
		},
	}
	if c.DocumentationURI != "" {
		r["documentationUri"] = c.DocumentationURI
	}
	return r
}

// SchemaResources returns the /Schemas documents, one per schema, for a
// ListResponse.
func (c *Catalog) SchemaResources(baseURL string) []Resource {
	out := make([]Resource, len(c.schemas))
	for i, s := range c.schemas {
		out[i] = schemaResource(s, baseURL)
	}
	return out
}

// SchemaResource returns the /Schemas/{id} document, or nil if the catalog
// has no schema id.
func (c *Catalog) SchemaResource(id, baseURL string) Resource {
	if s := c.Schema(id); s != nil {
		return schemaResource(s, baseURL)
	}
	return nil
}

// ResourceTypeResources returns the /ResourceTypes documents.
func (c *Catalog) ResourceTypeResources(baseURL string) []Resource {
	out := make([]Resource, len(c.types))
	for i, rt := range c.types {
		out[i] = resourceTypeResource(rt, baseURL)
	}
	return out
}

// ResourceTypeResource returns the /ResourceTypes/{name} document, or nil.
func (c *Catalog) ResourceTypeResource(name, baseURL string) Resource {
	if rt := c.ResourceType(name); rt != nil {
		return resourceTypeResource(rt, baseURL)
	}
	return nil
}

func resourceTypeResource(rt *ResourceType, baseURL string) Resource {
	r := Resource{
		"schemas":     []any{ResourceTypeURN},
		"id":          rt.Name,
		"name":        rt.Name,
		"endpoint":    rt.Endpoint,
		"description": rt.Description,
		"schema":      rt.Schema.ID,
		"meta": map[string]any{
			"resourceType": "ResourceType",
			"location":     location(baseURL, "/ResourceTypes/"+rt.Name),
		},
	}
	if len(rt.Extensions) > 0 {
		exts := make([]any, len(rt.Extensions))
		for i, e := range rt.Extensions {
			exts[i] = map[string]any{"schema": e.Schema.ID, "required": e.Required}
		}
		r["schemaExtensions"] = exts
	}
	return r
}

func schemaResource(s *Schema, baseURL string) Resource {
	return Resource{
		"schemas":     []any{SchemaURN},
		"id":          s.ID,
		"name":        s.Name,
		"description": s.Description,
		"attributes":  attributesJSON(s.Attributes),
		"meta": map[string]any{
			"resourceType": "Schema",
			"location":     location(baseURL, "/Schemas/"+s.ID),
		},
	}
}

// attributesJSON writes definitions in the RFC 7643 §7 form, with every
// characteristic spelled out (defaults included): clients such as Entra's
// validator read them literally.
func attributesJSON(attrs []*Attribute) []any {
	out := make([]any, len(attrs))
	for i, a := range attrs {
		m := map[string]any{
			"name":        a.Name,
			"type":        string(a.Type),
			"multiValued": a.MultiValued,
			"description": a.Description,
			"required":    a.Required,
			"mutability":  string(a.mutability()),
			"returned":    string(a.returned()),
		}
		if a.Type != TypeComplex {
			m["caseExact"] = a.CaseExact
			m["uniqueness"] = string(a.uniqueness())
		}
		if len(a.CanonicalValues) > 0 {
			m["canonicalValues"] = stringsToAny(a.CanonicalValues)
		}
		if a.Type == TypeReference {
			m["referenceTypes"] = stringsToAny(a.ReferenceTypes)
		}
		if a.Type == TypeComplex {
			m["subAttributes"] = attributesJSON(a.SubAttributes)
		}
		out[i] = m
	}
	return out
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func location(baseURL, path string) string {
	return strings.TrimSuffix(baseURL, "/") + path
}
