package scim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProjection(t *testing.T) {
	t.Parallel()
	user := sampleUser(t)
	const ext = `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
	tests := []struct {
		name, attributes, excluded string
		want                       string
	}{{
		name:       "attributes: always-returned id and schemas come too",
		attributes: "userName",
		want:       `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223-7f76-453a-919d-413861904646","userName":"alice@example.com"}`,
	}, {
		name:       "attributes: a sub-attribute keeps only that sub-attribute",
		attributes: "name.givenName,emails.value",
		want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223-7f76-453a-919d-413861904646",
			"name":{"givenName":"Alice"},"emails":[{"value":"alice@example.com"},{"value":"alice@home.example"}]}`,
	}, {
		name:       "attributes: names in any case, extension attribute",
		attributes: "DISPLAYNAME, urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:Department",
		want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + ext + `],"id":"2819c223-7f76-453a-919d-413861904646",
			"displayName":"Alice Example",` + ext + `:{"department":"Engineering"}}`,
	}, {
		name:       "attributes: a whole extension",
		attributes: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
		want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",` + ext + `],"id":"2819c223-7f76-453a-919d-413861904646",
			` + ext + `:{"employeeNumber":"701984","department":"Engineering","costCenter":"4130","manager":{"value":"26118915-6090-4610-87e4-49d8ca9f808d"}}}`,
	}, {
		name:       "attributes: password is never returned, even when asked",
		attributes: "password,userName",
		want:       `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223-7f76-453a-919d-413861904646","userName":"alice@example.com"}`,
	}, {
		name:       "attributes: unknown names are ignored",
		attributes: "shoeSize,userName",
		want:       `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223-7f76-453a-919d-413861904646","userName":"alice@example.com"}`,
	}, {
		name:       "attributes wins over excludedAttributes",
		attributes: "userName", excluded: "userName",
		want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223-7f76-453a-919d-413861904646","userName":"alice@example.com"}`,
	}, {
		name:     "excludedAttributes cannot remove id",
		excluded: "id,emails,phoneNumbers,addresses,name,meta,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,title,displayName,externalId,active",
		want:     `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223-7f76-453a-919d-413861904646","userName":"alice@example.com"}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := UserResourceType().NewProjection(tt.attributes, tt.excluded)
			require.NoError(t, err)
			jsonEq(t, tt.want, p.Apply(user))
		})
	}

	t.Run("default drops password only", func(t *testing.T) {
		t.Parallel()
		p, err := UserResourceType().NewProjection("", "")
		require.NoError(t, err)
		got := p.Apply(user)
		want := deepCopy(user).(Resource)
		delete(want, "password")
		require.Equal(t, want, got)
		require.Contains(t, user, "password", "Apply does not modify its input")
	})
	t.Run("excluded sub-attributes", func(t *testing.T) {
		t.Parallel()
		p, err := UserResourceType().NewProjection("", "emails.type,name.formatted,meta.version")
		require.NoError(t, err)
		got := p.Apply(user)
		jsonEq(t, `[{"value":"alice@example.com","primary":true},{"value":"alice@home.example"}]`, got["emails"])
		jsonEq(t, `{"givenName":"Alice","familyName":"Example"}`, got["name"])
		require.NotContains(t, got["meta"], "version")
	})
	t.Run("syntax error", func(t *testing.T) {
		t.Parallel()
		_, err := UserResourceType().NewProjection("emails[type eq \"work\"]", "")
		requireSCIMError(t, err, 400, ErrorInvalidValue)
		_, err = UserResourceType().NewProjection("", "a b")
		requireSCIMError(t, err, 400, ErrorInvalidValue)
	})
	t.Run("returned=request", func(t *testing.T) {
		t.Parallel()
		rt := &ResourceType{Name: "Key", Endpoint: "/Keys", Schema: &Schema{ID: "urn:example:Key", Attributes: []*Attribute{
			{Name: "label", Type: TypeString},
			{Name: "fingerprint", Type: TypeString, Returned: ReturnedRequest},
		}}}
		res := Resource{"schemas": []any{"urn:example:Key"}, "id": "k", "label": "L", "fingerprint": "F"}
		p, err := rt.NewProjection("", "")
		require.NoError(t, err)
		require.NotContains(t, p.Apply(res), "fingerprint")
		p, err = rt.NewProjection("fingerprint", "")
		require.NoError(t, err)
		jsonEq(t, `{"schemas":["urn:example:Key"],"id":"k","fingerprint":"F"}`, p.Apply(res))
	})
}
