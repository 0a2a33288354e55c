package scim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// deviceType has an attribute of every simple type, for operator tests.
var deviceType = &ResourceType{
	Name: "Device", Endpoint: "/Devices",
	Schema: &Schema{ID: "urn:example:scim:Device", Name: "Device", Attributes: []*Attribute{
		{Name: "label", Type: TypeString},
		{Name: "serial", Type: TypeString, CaseExact: true},
		{Name: "ports", Type: TypeInteger},
		{Name: "load", Type: TypeDecimal},
		{Name: "online", Type: TypeBoolean},
		{Name: "seen", Type: TypeDateTime},
		{Name: "cert", Type: TypeBinary},
		{Name: "home", Type: TypeReference, ReferenceTypes: []string{"external"}},
		{Name: "tags", Type: TypeString, MultiValued: true},
	}},
}

func sampleDevice(t testing.TB) Resource {
	t.Helper()
	res, err := deviceType.Normalize(decode(t, `{
		"label": "Core Switch", "serial": "SN-AbC", "ports": 48, "load": 0.75, "online": true,
		"seen": "2024-05-01T10:00:00+02:00", "cert": "AAEC", "home": "https://Example.com/x",
		"tags": ["Rack-1", "prod"]
	}`))
	require.NoError(t, err)
	return res
}

func TestFilterMatch(t *testing.T) {
	t.Parallel()
	user, group, device := sampleUser(t), sampleGroup(t), sampleDevice(t)
	tests := []struct {
		rt     *ResourceType
		filter string
		want   bool
	}{
		// eq / ne with caseExact=false (userName) and caseExact=true (id, externalId).
		{UserResourceType(), `userName eq "alice@example.com"`, true},
		{UserResourceType(), `userName eq "ALICE@EXAMPLE.COM"`, true},
		{UserResourceType(), `USERNAME Eq "Alice@Example.com"`, true},
		{UserResourceType(), `userName eq "alice"`, false},
		{UserResourceType(), `userName ne "ALICE@example.com"`, false},
		{UserResourceType(), `userName ne "bob"`, true},
		{UserResourceType(), `id eq "2819c223-7f76-453a-919d-413861904646"`, true},
		{UserResourceType(), `id eq "2819C223-7F76-453A-919D-413861904646"`, false},
		{UserResourceType(), `externalId eq "0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF"`, false},
		{UserResourceType(), `externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`, true},
		// co / sw / ew fold case unless caseExact.
		{UserResourceType(), `userName co "EXAMPLE"`, true},
		{UserResourceType(), `userName sw "ALICE@"`, true},
		{UserResourceType(), `userName ew ".COM"`, true},
		{UserResourceType(), `userName ew "example"`, false},
		{UserResourceType(), `id sw "2819C223"`, false},
		{UserResourceType(), `id sw "2819c223"`, true},
		{UserResourceType(), `externalId co "8D2A"`, false},
		{UserResourceType(), `externalId co "8d2a"`, true},
		// pr.
		{UserResourceType(), `title pr`, true},
		{UserResourceType(), `nickName pr`, false},
		{UserResourceType(), `name pr`, true},
		{UserResourceType(), `emails pr`, true},
		{UserResourceType(), `ims pr`, false},
		{UserResourceType(), `name.middleName pr`, false},
		// Ordering on strings (case folded) and dateTimes (as instants).
		{UserResourceType(), `displayName gt "alice"`, true},
		{UserResourceType(), `displayName lt "ALICE EXAMPLF"`, true},
		{UserResourceType(), `displayName ge "ALICE EXAMPLE"`, true},
		{UserResourceType(), `displayName le "alice example"`, true},
		{UserResourceType(), `displayName gt "b"`, false},
		{UserResourceType(), `meta.lastModified gt "2024-06-01T17:29:59Z"`, true},
		{UserResourceType(), `meta.lastModified gt "2024-06-01T19:29:59+02:00"`, true},
		{UserResourceType(), `meta.lastModified eq "2024-06-01T19:30:00+02:00"`, true},
		{UserResourceType(), `meta.lastModified ge "2024-06-01T17:30:00.000Z"`, true},
		{UserResourceType(), `meta.lastModified lt "2024-06-01T17:30:00Z"`, false},
		{UserResourceType(), `meta.created le "2024-03-01T09:00:00Z"`, true},
		{UserResourceType(), `meta.created sw "2024-03"`, true},
		// Booleans, including the string forms Entra ID uses.
		{UserResourceType(), `active eq true`, true},
		{UserResourceType(), `active eq FALSE`, false},
		{UserResourceType(), `active ne false`, true},
		{UserResourceType(), `active eq "True"`, true},
		// Multi-valued: any value matches; complex without sub compares "value".
		{UserResourceType(), `emails co "home.example"`, true},
		{UserResourceType(), `emails eq "ALICE@HOME.EXAMPLE"`, true},
		{UserResourceType(), `emails.value ew "@example.com"`, true},
		{UserResourceType(), `emails.type eq "home"`, true},
		{UserResourceType(), `emails.type ne "home"`, false},
		{UserResourceType(), `emails.type ne "other"`, true},
		{UserResourceType(), `emails.primary eq true`, true},
		{UserResourceType(), `phoneNumbers.type eq "mobile"`, false},
		{UserResourceType(), `emails[type eq "work" and primary eq true]`, true},
		{UserResourceType(), `emails[type eq "home" and primary eq true]`, false},
		{UserResourceType(), `emails[TYPE eq "HOME" and value co "home"]`, true},
		{UserResourceType(), `emails[not (type eq "work")]`, true},
		{UserResourceType(), `emails[primary pr]`, true},
		{UserResourceType(), `ims[type eq "xmpp"]`, false},
		{UserResourceType(), `name[givenName eq "alice"]`, true},
		// null.
		{UserResourceType(), `nickName eq null`, true},
		{UserResourceType(), `title eq null`, false},
		{UserResourceType(), `title ne null`, true},
		{UserResourceType(), `nickName ne "x"`, true},
		// Extension attributes, qualified in any case or not.
		{UserResourceType(), `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`, true},
		{UserResourceType(), `URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq "701984"`, true},
		{UserResourceType(), `employeeNumber eq "701984"`, true},
		{UserResourceType(), `department eq "engineering"`, true},
		{UserResourceType(), `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
		{UserResourceType(), `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
		{UserResourceType(), `division pr`, false},
		{UserResourceType(), `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "alice"`, true},
		// Common attributes.
		{UserResourceType(), `schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, true},
		{UserResourceType(), `meta.resourceType eq "User"`, true},
		{UserResourceType(), `meta.resourceType eq "user"`, false},
		// Logic and precedence: "and" binds tighter than "or".
		{UserResourceType(), `title pr or nickName pr and userName eq "x"`, true},
		{UserResourceType(), `(title pr or nickName pr) and userName eq "x"`, false},
		{UserResourceType(), `nickName pr or title pr and userName eq "x"`, false},
		{UserResourceType(), `nickName pr or (title pr and userName sw "a")`, true},
		{UserResourceType(), `not (nickName pr) and not (ims pr)`, true},
		{UserResourceType(), `not (title pr or nickName pr)`, false},
		// Groups.
		{GroupResourceType(), `displayName eq "engineering"`, true},
		{GroupResourceType(), `members[value eq "902c246b-6245-4190-8e05-00816be7344a"]`, true},
		{GroupResourceType(), `members.value eq "2819c223-7f76-453a-919d-413861904646"`, true},
		{GroupResourceType(), `members[value eq "nobody"]`, false},
		{GroupResourceType(), `members[type eq "User"]`, true},
		// Every simple type.
		{deviceType, `label eq "core switch"`, true},
		{deviceType, `serial eq "SN-ABC"`, false},
		{deviceType, `serial eq "SN-AbC"`, true},
		{deviceType, `serial co "abc"`, false},
		{deviceType, `ports eq 48`, true},
		{deviceType, `ports eq 48.0`, true},
		{deviceType, `ports gt 47`, true},
		{deviceType, `ports ge 48`, true},
		{deviceType, `ports lt 48`, false},
		{deviceType, `ports le 4.8e1`, true},
		{deviceType, `ports ne 48`, false},
		{deviceType, `load gt 0.5`, true},
		{deviceType, `load lt 1`, true},
		{deviceType, `load eq 0.75`, true},
		{deviceType, `load le -1`, false},
		{deviceType, `online eq true`, true},
		{deviceType, `seen eq "2024-05-01T08:00:00Z"`, true},
		{deviceType, `seen gt "2024-05-01T09:00:00+02:00"`, true},
		{deviceType, `seen lt "2024-05-01T08:00:00.5Z"`, true},
		{deviceType, `cert eq "AAEC"`, true},
		{deviceType, `cert eq "aaec"`, false},
		{deviceType, `home eq "https://Example.com/x"`, true},
		{deviceType, `tags eq "rack-1"`, true},
		{deviceType, `tags sw "PR"`, true},
		{deviceType, `tags ne "prod"`, false},
		{deviceType, `tags gt "s"`, false},
		{deviceType, `tags gt "q"`, true},
	}
	resources := map[*ResourceType]Resource{UserResourceType(): user, GroupResourceType(): group, deviceType: device}
	for _, tt := range tests {
		t.Run(tt.rt.Name+"/"+tt.filter, func(t *testing.T) {
			t.Parallel()
			f, err := tt.rt.ParseFilter(tt.filter)
			require.NoError(t, err)
			require.Equal(t, tt.want, f.Match(resources[tt.rt]))
		})
	}
}

func TestCompileFilterErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rt     *ResourceType
		filter string
		msg    string
	}{
		{UserResourceType(), `shoeSize eq 42`, `unknown attribute "shoeSize"`},
		{UserResourceType(), `name.nick eq "x"`, `unknown sub-attribute "nick"`},
		{UserResourceType(), `urn:acme:x:attr eq 1`, `unknown schema "urn:acme:x"`},
		{UserResourceType(), `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr`, "is a schema"},
		{UserResourceType(), `name eq "Alice"`, `complex attribute "name" needs a sub-attribute`},
		{UserResourceType(), `password eq "s3cret!"`, `"password" cannot be filtered on`},
		{UserResourceType(), `active gt true`, "not supported for a boolean"},
		{UserResourceType(), `active co "t"`, "not supported for a boolean"},
		{UserResourceType(), `active eq "yes"`, "expected true or false"},
		{UserResourceType(), `active eq 1`, "expected true or false"},
		{UserResourceType(), `userName eq 42`, "expected a string"},
		{UserResourceType(), `userName eq true`, "expected a string"},
		{UserResourceType(), `userName gt null`, "null can only be compared with eq or ne"},
		{UserResourceType(), `meta.created gt "last week"`, "not an RFC 3339 date-time"},
		{UserResourceType(), `userName[value eq "x"]`, "not a complex attribute"},
		{UserResourceType(), `emails[nope eq "x"]`, `unknown sub-attribute "nope" of "emails"`},
		{UserResourceType(), `emails[emails.type eq "x"]`, "name a sub-attribute of"},
		{deviceType, `ports co "4"`, "not supported for a numeric attribute"},
		{deviceType, `ports eq "48"`, "expected a number"},
		{deviceType, `load sw 0`, "not supported for a numeric attribute"},
		{deviceType, `cert gt "A"`, "not supported for a binary attribute"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			t.Parallel()
			_, err := tt.rt.ParseFilter(tt.filter)
			se := requireSCIMError(t, err, 400, ErrorInvalidFilter)
			require.Contains(t, se.Detail, tt.msg)
		})
	}
}

func TestFilterEquality(t *testing.T) {
	t.Parallel()
	tests := []struct {
		filter string
		want   Equality
		ok     bool
	}{
		{`userName eq "Alice"`, Equality{Attr: "userName", Value: "Alice"}, true},
		{`USERNAME EQ "Alice"`, Equality{Attr: "userName", Value: "Alice"}, true},
		{`externalId eq "e-1"`, Equality{Attr: "externalId", Value: "e-1", CaseExact: true}, true},
		{`id eq "u-1"`, Equality{Attr: "id", Value: "u-1", CaseExact: true}, true},
		{`emails eq "a@x.org"`, Equality{Attr: "emails.value", Value: "a@x.org", MultiValued: true}, true},
		{`name.familyName eq "X"`, Equality{Attr: "name.familyName", Value: "X"}, true},
		{`employeeNumber eq "7"`, Equality{Attr: EnterpriseUserURN + ":employeeNumber", Value: "7"}, true},
		{`(userName eq "Alice")`, Equality{Attr: "userName", Value: "Alice"}, true},
		{`userName ne "Alice"`, Equality{}, false},
		{`userName eq null`, Equality{}, false},
		{`active eq true`, Equality{}, false},
		{`meta.created eq "2024-01-01T00:00:00Z"`, Equality{}, false},
		{`userName eq "a" and active eq true`, Equality{}, false},
		{`emails[value eq "a"]`, Equality{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			t.Parallel()
			f, err := UserResourceType().ParseFilter(tt.filter)
			require.NoError(t, err)
			got, ok := f.Equality()
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}

	g, err := GroupResourceType().ParseFilter(`members.value eq "u1"`)
	require.NoError(t, err)
	eq, ok := g.Equality()
	require.True(t, ok)
	require.Equal(t, Equality{Attr: "members.value", Value: "u1", MultiValued: true}, eq)

	e, err := ParseFilter(`userName Eq "bjensen"`)
	require.NoError(t, err)
	path, value, ok := SimpleEquality(e)
	require.True(t, ok)
	require.Equal(t, "userName", path.String())
	require.Equal(t, "bjensen", value)
	e, err = ParseFilter(`ports eq 5`)
	require.NoError(t, err)
	_, _, ok = SimpleEquality(e)
	require.False(t, ok)
}
