package scim

import "sync"

// Schema URNs of the built-in resources.
const (
	UserURN           = "urn:ietf:params:scim:schemas:core:2.0:User"
	EnterpriseUserURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	GroupURN          = "urn:ietf:params:scim:schemas:core:2.0:Group"
)

// The shared definitions are built once. Callers get the same pointers and
// must not modify what they point to.
var (
	userSchema           = sync.OnceValue(newUserSchema)
	enterpriseUserSchema = sync.OnceValue(newEnterpriseUserSchema)
)

// UserSchema returns the core User schema with every attribute of
// RFC 7643 §4.1. The result is shared: do not modify it.
func UserSchema() *Schema { return userSchema() }

// EnterpriseUserSchema returns the enterprise User extension of RFC 7643
// §4.3. The result is shared: do not modify it.
func EnterpriseUserSchema() *Schema { return enterpriseUserSchema() }

func str(name, desc string) *Attribute {
	return &Attribute{Name: name, Type: TypeString, Description: desc}
}

// plural builds the sub-attributes shared by the multi-valued attributes of
// RFC 7643 §2.4: value, display, type and primary.
func plural(name, desc string, valueType Type, types []string, refTypes ...string) *Attribute {
	return &Attribute{
		Name: name, Type: TypeComplex, MultiValued: true, Description: desc,
		SubAttributes: []*Attribute{
			{Name: "value", Type: valueType, ReferenceTypes: refTypes,
				CaseExact:   valueType == TypeBinary || valueType == TypeReference,
				Description: "The value of the item."},
			{Name: "display", Type: TypeString,
				Description: "A human-readable name, primarily used for display purposes."},
			{Name: "type", Type: TypeString, CanonicalValues: types,
				Description: "A label indicating the item's function."},
			{Name: "primary", Type: TypeBoolean,
				Description: "Whether this is the preferred item; true at most once."},
		},
	}
}

func newUserSchema() *Schema {
	return &Schema{
		ID:          UserURN,
		Name:        "User",
		Description: "User Account",
		Attributes: []*Attribute{
			{Name: "userName", Type: TypeString, Required: true, Uniqueness: UniqueServer,
				Description: "Unique identifier for the User, used to authenticate to the service provider."},
			{Name: "name", Type: TypeComplex, Description: "The components of the user's name.",
				SubAttributes: []*Attribute{
					str("formatted", "The full name, formatted for display."),
					str("familyName", "The family name, or last name."),
					str("givenName", "The given name, or first name."),
					str("middleName", "The middle name(s)."),
					str("honorificPrefix", "The honorific prefix(es), or title (Ms., Dr.)."),
					str("honorificSuffix", "The honorific suffix(es) (III)."),
				}},
			str("displayName", "The name of the User, suitable for display to end-users."),
			str("nickName", "The casual way to address the user."),
			{Name: "profileUrl", Type: TypeReference, ReferenceTypes: []string{"external"}, CaseExact: true,
				Description: "A URI of the user's online profile."},
			str("title", "The user's title, such as \"Vice President\"."),
			str("userType", "The relationship between the organization and the user (Employee, Contractor…)."),
			str("preferredLanguage", "The user's preferred written or spoken language (RFC 7231 Accept-Language)."),
			str("locale", "The user's default location for localizing currency, dates and numbers (en-US)."),
			str("timezone", "The user's time zone in IANA format (America/Los_Angeles)."),
			{Name: "active", Type: TypeBoolean, Description: "The user's administrative status."},
			{Name: "password", Type: TypeString, Mutability: WriteOnly, Returned: ReturnedNever,
				Description: "The user's cleartext password, for setting or comparing; never returned."},
			plural("emails", "Email addresses for the user.", TypeString, []string{"work", "home", "other"}),
			plural("phoneNumbers", "Phone numbers for the user.", TypeString,
				[]string{"work", "home", "mobile", "fax", "pager", "other"}),
			plural("ims", "Instant messaging addresses for the user.", TypeString,
				[]string{"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"}),
			plural("photos", "URLs of photos of the user.", TypeReference,
				[]string{"photo", "thumbnail"}, "external"),
			{Name: "addresses", Type: TypeComplex, MultiValued: true,
				Description: "Physical mailing addresses for the user.",
				SubAttributes: []*Attribute{
					str("formatted", "The full mailing address, formatted for display."),
					str("streetAddress", "The full street address."),
					str("locality", "The city or locality."),
					str("region", "The state or region."),
					str("postalCode", "The zip code or postal code."),
					str("country", "The country name (ISO 3166-1 alpha-2)."),
					{Name: "type", Type: TypeString, CanonicalValues: []string{"work", "home", "other"},
						Description: "A label indicating the address's function."},
					{Name: "primary", Type: TypeBoolean,
						Description: "Whether this is the preferred address; true at most once."},
				}},
			{Name: "groups", Type: TypeComplex, MultiValued: true, Mutability: ReadOnly,
				Description: "The groups the user belongs to, directly or indirectly; maintained by the server.",
				SubAttributes: []*Attribute{
					{Name: "value", Type: TypeString, Mutability: ReadOnly,
						Description: "The id of the Group."},
					{Name: "$ref", Type: TypeReference, ReferenceTypes: []string{"User", "Group"},
						CaseExact: true, Mutability: ReadOnly, Description: "The URI of the Group."},
					{Name: "display", Type: TypeString, Mutability: ReadOnly,
						Description: "The display name of the Group."},
					{Name: "type", Type: TypeString, Mutability: ReadOnly,
						CanonicalValues: []string{"direct", "indirect"},
						Description:     "Whether membership is direct or through another group."},
				}},
			plural("entitlements", "Entitlements the user has.", TypeString, nil),
			plural("roles", "Roles the user has.", TypeString, nil),
			plural("x509Certificates", "DER-encoded X.509 certificates issued to the user.", TypeBinary, nil),
		},
	}
}

func newEnterpriseUserSchema() *Schema {
	return &Schema{
		ID:          EnterpriseUserURN,
		Name:        "EnterpriseUser",
		Description: "Enterprise User",
		Attributes: []*Attribute{
			str("employeeNumber", "Identifier assigned to the person by the organization."),
			str("costCenter", "The name of a cost center."),
			str("organization", "The name of an organization."),
			str("division", "The name of a division."),
			str("department", "The name of a department."),
			{Name: "manager", Type: TypeComplex, Description: "The user's manager.",
				SubAttributes: []*Attribute{
					{Name: "value", Type: TypeString,
						Description: "The id of the manager's User resource."},
					{Name: "$ref", Type: TypeReference, ReferenceTypes: []string{"User"}, CaseExact: true,
						Description: "The URI of the manager's User resource."},
					{Name: "displayName", Type: TypeString, Mutability: ReadOnly,
						Description: "The manager's display name; maintained by the server."},
				}},
		},
	}
}
