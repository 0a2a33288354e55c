package scim

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUserSchemaHasEveryRFCAttribute(t *testing.T) {
	t.Parallel()
	// RFC 7643 §4.1, singular then multi-valued attributes.
	want := []string{
		"userName", "name", "displayName", "nickName", "profileUrl", "title", "userType",
		"preferredLanguage", "locale", "timezone", "active", "password",
		"emails", "phoneNumbers", "ims", "photos", "addresses", "groups", "entitlements",
		"roles", "x509Certificates",
	}
	var got []string
	for _, a := range UserSchema().Attributes {
		got = append(got, a.Name)
	}
	require.Equal(t, want, got)

	name := UserSchema().Attribute("NAME")
	require.NotNil(t, name, "lookup is case-insensitive")
	for _, s := range []string{"formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"} {
		require.NotNil(t, name.Sub(s), s)
	}
	pw := UserSchema().Attribute("password")
	require.Equal(t, WriteOnly, pw.Mutability)
	require.Equal(t, ReturnedNever, pw.Returned)
	require.True(t, UserSchema().Attribute("groups").readOnly())
	require.Equal(t, UniqueServer, UserSchema().Attribute("userName").Uniqueness)
	require.False(t, UserSchema().Attribute("userName").CaseExact)
}

func TestEnterpriseAndGroupSchemas(t *testing.T) {
	t.Parallel()
	ent := EnterpriseUserSchema()
	for _, n := range []string{"employeeNumber", "costCenter", "organization", "division", "department", "manager"} {
		require.NotNil(t, ent.Attribute(n), n)
	}
	mgr := ent.Attribute("manager")
	require.NotNil(t, mgr.Sub("value"))
	require.NotNil(t, mgr.Sub("$ref"))
	require.True(t, mgr.Sub("displayName").readOnly())
	require.True(t, mgr.isReference())

	members := GroupSchema().Attribute("members")
	require.True(t, members.MultiValued)
	for _, n := range []string{"value", "$ref", "type", "display"} {
		require.NotNil(t, members.Sub(n), n)
	}
	require.Equal(t, Immutable, members.Sub("value").Mutability)
	require.False(t, members.isReference(), "multi-valued attributes are not references")
}

func TestNewCatalogReportsEveryProblem(t *testing.T) {
	t.Parallel()
	bad := &ResourceType{
		Name: "Device", Endpoint: "Devices",
		Schema: &Schema{ID: "not-a-urn", Attributes: []*Attribute{
			{Name: "serial", Type: TypeString},
			{Name: "Serial", Type: TypeString},
			{Name: "9lives", Type: TypeInteger},
			{Name: "info", Type: TypeComplex},
			{Name: "nested", Type: TypeComplex, SubAttributes: []*Attribute{
				{Name: "deep", Type: TypeComplex, SubAttributes: []*Attribute{{Name: "x", Type: TypeString}}},
			}},
			{Name: "weird", Type: "float"},
		}},
	}
	_, err := NewCatalog(bad, UserResourceType(), &ResourceType{Name: "user", Endpoint: "/People", Schema: GroupSchema()})
	require.Error(t, err)
	for _, want := range []string{
		"endpoint starting with /", "id must be a URN", "Serial: defined twice", "9lives: invalid attribute name",
		"info: complex attribute without sub-attributes", "deep: a sub-attribute cannot be complex",
		`unknown type "float"`, `share a name or endpoint`,
	} {
		require.ErrorContains(t, err, want)
	}

	c, err := NewCatalog(UserResourceType(), GroupResourceType())
	require.NoError(t, err)
	require.Same(t, UserResourceType(), c.ByEndpoint("/users"))
	require.Same(t, GroupResourceType(), c.ResourceType("GROUP"))
	require.Nil(t, c.ByEndpoint("/Devices"))
	require.Equal(t, []string{UserURN, EnterpriseUserURN, GroupURN}, c.SchemaURNs())
	require.Same(t, EnterpriseUserSchema(), c.Schema("URN:ietf:params:scim:schemas:extension:enterprise:2.0:user"))
}

func TestResolve(t *testing.T) {
	t.Parallel()
	rt := UserResourceType()
	tests := []struct {
		path    AttrPath
		want    string // canonical path, "" for an error
		wantErr string
	}{
		{AttrPath{Name: "USERNAME"}, "userName", ""},
		{AttrPath{Name: "name", Sub: "GIVENNAME"}, "name.givenName", ""},
		{AttrPath{Name: "id"}, "id", ""},
		{AttrPath{Name: "meta", Sub: "lastModified"}, "meta.lastModified", ""},
		{AttrPath{URN: "urn:ietf:params:scim:schemas:core:2.0:user", Name: "userName"}, "userName", ""},
		{AttrPath{URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", Name: "employeeNumber"},
			EnterpriseUserURN + ":employeeNumber", ""},
		{AttrPath{URN: "URN:IETF:params:scim:schemas:extension:enterprise:2.0:user", Name: "Manager", Sub: "Value"},
			EnterpriseUserURN + ":manager.value", ""},
		{AttrPath{URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0", Name: "User"}, EnterpriseUserURN, ""},
		{AttrPath{Name: "department"}, EnterpriseUserURN + ":department", ""},
		{AttrPath{Name: "nope"}, "", `unknown attribute "nope"`},
		{AttrPath{Name: "name", Sub: "nope"}, "", `unknown sub-attribute "nope"`},
		{AttrPath{Name: "userName", Sub: "x"}, "", "has no sub-attributes"},
		{AttrPath{URN: "urn:example:other", Name: "x"}, "", "unknown schema"},
	}
	for _, tt := range tests {
		t.Run(tt.path.String(), func(t *testing.T) {
			t.Parallel()
			ref, err := rt.resolve(tt.path)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, ref.String())
		})
	}
}

func TestDiscoveryDocuments(t *testing.T) {
	t.Parallel()
	c := DefaultCatalog()
	base := "https://example.com/scim/v2/"

	schemas := c.SchemaResources(base)
	require.Len(t, schemas, 3)
	user := c.SchemaResource("urn:ietf:params:scim:schemas:core:2.0:user", base)
	require.NotNil(t, user)
	require.Equal(t, UserURN, user["id"])
	require.Equal(t, "https://example.com/scim/v2/Schemas/"+UserURN, get(user, "meta", "location"))
	attrs := user["attributes"].([]any)
	require.Len(t, attrs, len(UserSchema().Attributes))
	jsonEq(t, `{
		"name": "userName", "type": "string", "multiValued": false,
		"description": "Unique identifier for the User, used to authenticate to the service provider.",
		"required": true, "caseExact": false, "mutability": "readWrite", "returned": "default",
		"uniqueness": "server"
	}`, attrs[0])
	emails := attrs[12].(map[string]any)
	require.Equal(t, "emails", emails["name"])
	require.Len(t, emails["subAttributes"], 4)
	require.NotContains(t, emails, "caseExact", "complex attributes carry no caseExact")
	require.Nil(t, c.SchemaResource("urn:nope", base))

	jsonEq(t, `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
		"id": "User", "name": "User", "endpoint": "/Users", "description": "User Account",
		"schema": "urn:ietf:params:scim:schemas:core:2.0:User",
		"schemaExtensions": [{"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false}],
		"meta": {"resourceType": "ResourceType", "location": "https://example.com/scim/v2/ResourceTypes/User"}
	}`, c.ResourceTypeResource("user", base))
	require.Len(t, c.ResourceTypeResources(base), 2)
	require.NotContains(t, c.ResourceTypeResource("Group", base), "schemaExtensions")

	// Everything the documents hold must survive a JSON round trip.
	for _, r := range append(c.SchemaResources(""), c.ResourceTypeResources("")...) {
		_, err := json.Marshal(r)
		require.NoError(t, err)
	}
}

func TestServiceProviderConfig(t *testing.T) {
	t.Parallel()
	cfg := ServiceProviderConfig{
		DocumentationURI:      "https://tenure.dev/docs/scim",
		Patch:                 true,
		Bulk:                  BulkConfig{Supported: true, MaxOperations: 1000, MaxPayloadSize: 1048576},
		Filter:                FilterConfig{Supported: true, MaxResults: 200},
		ETag:                  true,
		AuthenticationSchemes: []AuthenticationScheme{BearerTokenScheme},
	}
	jsonEq(t, `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
		"documentationUri": "https://tenure.dev/docs/scim",
		"patch": {"supported": true},
		"bulk": {"supported": true, "maxOperations": 1000, "maxPayloadSize": 1048576},
		"filter": {"supported": true, "maxResults": 200},
		"changePassword": {"supported": false},
		"sort": {"supported": false},
		"etag": {"supported": true},
		"authenticationSchemes": [{
			"type": "oauthbearertoken", "name": "OAuth Bearer Token",
			"description": "Authentication with a bearer token in the Authorization header.",
			"specUri": "https://www.rfc-editor.org/info/rfc6750", "primary": true
		}],
		"meta": {"resourceType": "ServiceProviderConfig", "location": "/scim/ServiceProviderConfig"}
	}`, cfg.Resource("/scim"))
}
