package scim

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sampleUserJSON is a user as Entra ID would create it, with every kind of
// attribute the tests touch.
const sampleUserJSON = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
  "userName": "alice@example.com",
  "active": true,
  "displayName": "Alice Example",
  "title": "Engineer",
  "name": {"givenName": "Alice", "familyName": "Example", "formatted": "Alice Example"},
  "emails": [
    {"value": "alice@example.com", "type": "work", "primary": true},
    {"value": "alice@home.example", "type": "home"}
  ],
  "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
  "addresses": [{"type": "work", "locality": "Lisbon", "country": "PT", "primary": true}],
  "password": "s3cret!",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984",
    "department": "Engineering",
    "costCenter": "4130",
    "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
  }
}`

const (
	sampleUserID  = "2819c223-7f76-453a-919d-413861904646"
	sampleGroupID = "e9e30dba-f08f-4109-8486-d5c6a331660a"
)

var (
	sampleCreated  = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	sampleModified = time.Date(2024, 6, 1, 17, 30, 0, 0, time.UTC)
)

// sampleUser returns a stored user: normalised and stamped with id and meta.
func sampleUser(t testing.TB) Resource {
	t.Helper()
	return stored(t, UserResourceType(), sampleUserJSON, sampleUserID)
}

// sampleGroupJSON is a group with two members, as Okta pushes it.
const sampleGroupJSON = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  "displayName": "Engineering",
  "members": [
    {"value": "2819c223-7f76-453a-919d-413861904646", "display": "alice@example.com"},
    {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "bob@example.com", "type": "User"}
  ]
}`

func sampleGroup(t testing.TB) Resource {
	t.Helper()
	return stored(t, GroupResourceType(), sampleGroupJSON, sampleGroupID)
}

func stored(t testing.TB, rt *ResourceType, body, id string) Resource {
	t.Helper()
	res, err := storedE(rt, body, id)
	require.NoError(t, err)
	return res
}

func storedE(rt *ResourceType, body, id string) (Resource, error) {
	m, err := DecodeRequest(strings.NewReader(body), DecodeOptions{})
	if err != nil {
		return nil, err
	}
	res, err := rt.Normalize(m)
	if err != nil {
		return nil, err
	}
	rt.SetMeta(res, id, "https://example.com/scim/v2"+rt.Endpoint+"/"+id, sampleCreated, sampleModified)
	return res, rt.Validate(res)
}

// mustStored is stored for package-level fixtures, where no test is at hand.
func mustStored(rt *ResourceType, body, id string) Resource {
	res, err := storedE(rt, body, id)
	if err != nil {
		panic(err)
	}
	return res
}

// decode parses JSON the way DecodeRequest does (numbers as json.Number).
func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	m, err := DecodeRequest(strings.NewReader(s), DecodeOptions{})
	require.NoError(t, err)
	return m
}

// requireSCIMError checks that err is a *Error of the given type and status.
func requireSCIMError(t testing.TB, err error, status int, typ ErrorType) *Error {
	t.Helper()
	require.Error(t, err)
	var se *Error
	require.True(t, errors.As(err, &se), "want *scim.Error, got %T: %v", err, err)
	require.Equal(t, typ, se.Type, "detail: %s", se.Detail)
	require.Equal(t, status, se.Status, "detail: %s", se.Detail)
	return se
}

// jsonEq compares a value with expected JSON text.
func jsonEq(t testing.TB, want string, got any) {
	t.Helper()
	b, err := json.Marshal(got)
	require.NoError(t, err)
	require.JSONEq(t, want, string(b))
}

// get walks a canonical resource along keys, for assertions.
func get(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			if r, isRes := v.(Resource); isRes {
				m = r
			} else {
				return nil
			}
		}
		v = m[k]
	}
	return v
}
