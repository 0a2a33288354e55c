package scim

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rt   *ResourceType
		body string
		want string
	}{{
		name: "Entra ID create user: readOnly meta ignored, empty roles absent",
		rt:   UserResourceType(),
		body: `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
			"userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
			"active": true,
			"emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
			"meta": {"resourceType": "User"},
			"name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
			"roles": []
		}`,
		want: `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
			"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
			"userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
			"active": true,
			"emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
			"name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"}
		}`,
	}, {
		name: "Okta create user: groups and id ignored, password kept",
		rt:   UserResourceType(),
		body: `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
			"id": "client-chosen", "userName": "test.user@okta.local",
			"name": {"givenName": "Test", "familyName": "User"},
			"emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
			"displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
			"groups": [], "password": "1mz050nq", "active": true
		}`,
		want: `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
			"userName": "test.user@okta.local",
			"name": {"givenName": "Test", "familyName": "User"},
			"emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
			"displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
			"password": "1mz050nq", "active": true
		}`,
	}, {
		name: "names and URNs in any case are rewritten to canonical case",
		rt:   UserResourceType(),
		body: `{
			"SCHEMAS": ["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"],
			"USERNAME": "bob", "Name": {"GIVENNAME": "Bob"},
			"Emails": [{"VALUE": "b@x.org", "Type": "work"}],
			"urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User": {"DEPARTMENT": "Ops", "Manager": {"VALUE": "m"}}
		}`,
		want: `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"userName": "bob", "name": {"givenName": "Bob"},
			"emails": [{"value": "b@x.org", "type": "work"}],
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops", "manager": {"value": "m"}}
		}`,
	}, {
		name: "booleans as strings, also in sub-attributes and multi-valued items",
		rt:   UserResourceType(),
		body: `{
			"userName": "bob", "active": "True",
			"emails": [{"value": "a@x.org", "primary": "TRUE"}, {"value": "b@x.org", "primary": "false"}]
		}`,
		want: `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
			"userName": "bob", "active": true,
			"emails": [{"value": "a@x.org", "primary": true}, {"value": "b@x.org", "primary": false}]
		}`,
	}, {
		name: "nulls are absent, empty complex values and arrays too",
		rt:   UserResourceType(),
		body: `{
			"userName": "bob", "title": null, "name": {"givenName": null},
			"emails": [null], "phoneNumbers": null, "addresses": [{}],
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": null
		}`,
		want: `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bob"}`,
	}, {
		name: "URN-qualified top-level keys go to their schema",
		rt:   UserResourceType(),
		body: `{
			"urn:ietf:params:scim:schemas:core:2.0:User:userName": "bob",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Ops",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "m-1"
		}`,
		want: `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"userName": "bob",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops", "manager": {"value": "m-1"}}
		}`,
	}, {
		name: "manager as a one-element array; its displayName is readOnly",
		rt:   UserResourceType(),
		body: `{"userName": "bob", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
			"manager": [{"value": "m-1", "displayName": "Boss", "$ref": "../Users/m-1"}]}}`,
		want: `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"userName": "bob",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m-1", "$ref": "../Users/m-1"}}
		}`,
	}, {
		name: "empty manager removes it: empty string, bare or as value",
		rt:   UserResourceType(),
		body: `{"userName": "bob", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
			"manager": "", "department": "Ops"}}`,
		want: `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"userName": "bob",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"}
		}`,
	}, {
		name: "manager with empty value and an empty-only extension vanish",
		rt:   UserResourceType(),
		body: `{"userName": "bob", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": ""}}}`,
		want: `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bob"}`,
	}, {
		name: "a single value for a multi-valued attribute becomes an array",
		rt:   UserResourceType(),
		body: `{"userName": "bob", "emails": {"value": "b@x.org"}}`,
		want: `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bob", "emails": [{"value": "b@x.org"}]}`,
	}, {
		name: "group with members: $ref null dropped, display kept",
		rt:   GroupResourceType(),
		body: `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales",
			"members": [{"value": "u1", "$ref": null}, {"value": "u2", "display": "Bob", "type": "User"}]}`,
		want: `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales",
			"members": [{"value": "u1"}, {"value": "u2", "display": "Bob", "type": "User"}]}`,
	}, {
		name: "typed values: dateTime, binary, numbers",
		rt:   UserResourceType(),
		body: `{"userName": "bob", "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}]}`,
		want: `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bob",
			"x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}]}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := tt.rt.Normalize(decode(t, tt.body))
			require.NoError(t, err)
			jsonEq(t, tt.want, res)
			require.NoError(t, tt.rt.Validate(res), "Normalize output is canonical")
		})
	}
}

func TestNormalizeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		rt     *ResourceType
		body   string
		typ    ErrorType
		detail string
	}{
		{"unknown attribute", UserResourceType(), `{"userName":"a","shoeSize":42}`, ErrorInvalidSyntax, `unknown attribute "shoeSize"`},
		{"unknown sub-attribute", UserResourceType(), `{"userName":"a","name":{"nick":"x"}}`, ErrorInvalidSyntax, `unknown attribute "name.nick"`},
		{"unknown extension attribute", UserResourceType(),
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"badge":"x"}}`, ErrorInvalidSyntax, `"badge"`},
		{"unknown URN key", UserResourceType(), `{"userName":"a","urn:acme:ext:1.0:User:x":1}`, ErrorInvalidSyntax, "unknown attribute"},
		{"bare extension attribute name", UserResourceType(), `{"userName":"a","department":"x"}`, ErrorInvalidSyntax, `"department"`},
		{"schema of another type", UserResourceType(), `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"userName":"a"}`,
			ErrorInvalidSyntax, "not a schema of resource type User"},
		{"schemas not an array", UserResourceType(), `{"schemas":"urn:x","userName":"a"}`, ErrorInvalidSyntax, "schemas"},
		{"same attribute twice in different case", UserResourceType(), `{"userName":"a","USERNAME":"b"}`, ErrorInvalidSyntax, "given twice"},
		{"missing required", UserResourceType(), `{"displayName":"x"}`, ErrorInvalidValue, `"userName" is required`},
		{"required given null", GroupResourceType(), `{"displayName":null}`, ErrorInvalidValue, `"displayName" is required`},
		{"string expected", UserResourceType(), `{"userName":42}`, ErrorInvalidValue, "userName: expected a string, got a number"},
		{"boolean expected", UserResourceType(), `{"userName":"a","active":"yes"}`, ErrorInvalidValue, "active: expected a boolean"},
		{"boolean in sub-attribute", UserResourceType(), `{"userName":"a","emails":[{"value":"x","primary":1}]}`,
			ErrorInvalidValue, "emails[0].primary: expected a boolean"},
		{"object expected", UserResourceType(), `{"userName":"a","name":"Bob"}`, ErrorInvalidValue, "name: expected an object, got a string"},
		{"single value expected", UserResourceType(), `{"userName":["a"]}`, ErrorInvalidValue, "userName: expected a string, got an array"},
		{"two managers", UserResourceType(),
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":["m1","m2"]}}`,
			ErrorInvalidValue, "manager: expected one value"},
		{"extension not an object", UserResourceType(),
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}`, ErrorInvalidValue, "expected an object"},
		{"two primaries", UserResourceType(), `{"userName":"a","emails":[{"value":"x","primary":true},{"value":"y","primary":"True"}]}`,
			ErrorInvalidValue, "primary is true on 2 items"},
		{"bad binary", UserResourceType(), `{"userName":"a","x509Certificates":[{"value":"not base64!"}]}`,
			ErrorInvalidValue, "x509Certificates[0].value: not base64"},
		{"member without value", GroupResourceType(), `{"displayName":"g","members":[{"display":"x"}]}`,
			ErrorInvalidValue, "members[0].value is required"},
		{"nested array item", UserResourceType(), `{"userName":"a","emails":[[{"value":"x"}]]}`, ErrorInvalidValue, "emails[0]: expected an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.rt.Normalize(decode(t, tt.body))
			se := requireSCIMError(t, err, 400, tt.typ)
			require.Contains(t, se.Detail, tt.detail)
		})
	}
}

func TestNormalizeGoValues(t *testing.T) {
	t.Parallel()
	// Callers building resources in Go use Go types; they are converted.
	res, err := UserResourceType().Normalize(map[string]any{
		"userName": "bob",
		"emails":   []map[string]any{{"value": "b@x.org", "primary": true}},
		"schemas":  []string{UserURN},
	})
	require.NoError(t, err)
	jsonEq(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob","emails":[{"value":"b@x.org","primary":true}]}`, res)
}

func TestNumbers(t *testing.T) {
	t.Parallel()
	num := &Attribute{Name: "n", Type: TypeInteger}
	dec := &Attribute{Name: "d", Type: TypeDecimal}
	tests := []struct {
		attr *Attribute
		in   any
		want json.Number
		err  bool
	}{
		{num, json.Number("42"), "42", false},
		{num, json.Number("4.0"), "4", false},
		{num, json.Number("4.5"), "", true},
		{num, 7, "7", false},
		{num, float64(3), "3", false},
		{num, "7", "", true},
		{dec, json.Number("1.25e2"), "1.25e2", false},
		{dec, 0.5, "0.5", false},
		{dec, json.Number("abc"), "", true},
	}
	for _, tt := range tests {
		got, err := scalar(tt.attr, tt.in, tt.attr.Name)
		if tt.err {
			requireSCIMError(t, err, 400, ErrorInvalidValue)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	rt := UserResourceType()
	res := sampleUser(t)
	require.NoError(t, rt.Validate(res))

	notCanonical := Resource{"schemas": []any{UserURN}, "USERNAME": "bob"}
	requireSCIMError(t, rt.Validate(notCanonical), 400, ErrorInvalidValue)

	missing := Resource{"schemas": []any{UserURN}, "displayName": "bob"}
	requireSCIMError(t, rt.Validate(missing), 400, ErrorInvalidValue)

	badDate := sampleUser(t)
	badDate["meta"].(map[string]any)["created"] = "yesterday"
	se := requireSCIMError(t, rt.Validate(badDate), 400, ErrorInvalidValue)
	require.Contains(t, se.Detail, "meta.created")
}

func TestReplace(t *testing.T) {
	t.Parallel()
	rt := UserResourceType()
	old := sampleUser(t)
	old[EnterpriseUserURN].(map[string]any)["manager"].(map[string]any)["displayName"] = "Boss"

	t.Run("keeps readOnly and omitted writeOnly attributes", func(t *testing.T) {
		t.Parallel()
		res, err := rt.Replace(old, decode(t, `{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"id": "forged", "userName": "alice@example.com", "displayName": "Alice New",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}}
		}`))
		require.NoError(t, err)
		require.Equal(t, old["id"], res["id"])
		require.Equal(t, old["meta"], res["meta"])
		require.Equal(t, "s3cret!", res["password"], "password the client cannot read back is kept")
		require.Nil(t, res["emails"], "omitted readWrite attributes are cleared")
		require.Equal(t, "Boss", get(res, EnterpriseUserURN, "manager", "displayName"), "same manager keeps displayName")
		require.NoError(t, rt.Validate(res))
	})
	t.Run("a new manager drops the old displayName", func(t *testing.T) {
		t.Parallel()
		res, err := rt.Replace(old, decode(t, `{"userName": "alice@example.com",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": "someone-else"}}`))
		require.NoError(t, err)
		jsonEq(t, `{"value": "someone-else"}`, get(res, EnterpriseUserURN, "manager"))
	})
	t.Run("immutable attributes cannot change", func(t *testing.T) {
		t.Parallel()
		g := sampleGroup(t)
		custom := &ResourceType{Name: "Badge", Endpoint: "/Badges", Schema: &Schema{
			ID: "urn:example:Badge", Attributes: []*Attribute{{Name: "serial", Type: TypeString, Mutability: Immutable}},
		}}
		old := Resource{"schemas": []any{"urn:example:Badge"}, "id": "b1", "serial": "S1"}
		res, err := custom.Replace(old, map[string]any{"serial": "s1"})
		require.NoError(t, err)
		require.Equal(t, "S1", res["serial"], "an equal value keeps the stored spelling")
		res, err = custom.Replace(old, map[string]any{})
		require.NoError(t, err)
		require.Equal(t, "S1", res["serial"], "omitted immutable value is kept")
		_, err = custom.Replace(old, map[string]any{"serial": "S2"})
		requireSCIMError(t, err, 400, ErrorMutability)
		_, err = GroupResourceType().Replace(g, map[string]any{"displayName": "x", "members": []any{map[string]any{"value": "other"}}})
		require.NoError(t, err, "replacing member items is not changing an immutable sub-attribute")
	})
}

func TestSetMeta(t *testing.T) {
	t.Parallel()
	rt := GroupResourceType()
	res, err := rt.Normalize(map[string]any{"displayName": "Ops"})
	require.NoError(t, err)
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	rt.SetMeta(res, "g1", "https://example.com/Groups/g1", created, created)
	require.Equal(t, "g1", res.ID())
	jsonEq(t, `{"resourceType":"Group","created":"2024-01-02T02:04:05Z","lastModified":"2024-01-02T02:04:05Z",
		"location":"https://example.com/Groups/g1","version":"`+jsonString(ETag(res))+`"}`, res["meta"])
	require.NoError(t, rt.Validate(res))
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
