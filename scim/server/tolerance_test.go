package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
)

// The tolerances that involve the handler rather than PATCH alone
// (t1–t7 are golden-tested in scim/testdata/patch), end to end.

// TestTolerance8 — POST and PUT with nulls and with the readOnly id, meta
// and groups a client echoes, in either content type.
func TestTolerance8(t *testing.T) {
	t.Parallel()
	contentTypes := []string{
		"application/scim+json",
		"application/json",
		"application/json; charset=utf-8",
		"application/scim+json;charset=UTF-8",
		"", // some clients send none
	}
	for _, ct := range contentTypes {
		t.Run("content type "+ct, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			body := `{
				"schemas": ["` + scim.UserURN + `"],
				"id": "chosen-by-client",
				"userName": "alice",
				"nickName": null,
				"name": {"givenName": "Alice", "middleName": null},
				"emails": null,
				"phoneNumbers": [],
				"meta": {"resourceType": "User", "created": "2001-01-01T00:00:00Z", "version": "W/\"x\""},
				"groups": [{"value": "g1", "display": "Admins"}]
			}`
			res := b.do(t, http.MethodPost, "/Users", body, "Content-Type", ct)
			requireStatus(t, res, http.StatusCreated)
			require.Equal(t, server.ContentType, res.Header().Get("Content-Type"))
			require.Equal(t, map[string]any{
				"schemas": []any{scim.UserURN}, "id": "id-1", "userName": "alice",
				"name": map[string]any{"givenName": "Alice"},
				"meta": map[string]any{"resourceType": "User", "created": "2026-03-02T09:00:00Z",
					"lastModified": "2026-03-02T09:00:00Z", "location": "http://example.com/Users/id-1",
					"version": res.Header().Get("ETag")},
			}, res.json)

			put := `{"schemas": ["` + scim.UserURN + `"], "id": "other", "userName": "alice", "title": null,
				"displayName": "Alice", "name": {"givenName": "Alice", "familyName": null},
				"meta": {"created": "2001-01-01T00:00:00Z"}, "groups": null}`
			res = b.do(t, http.MethodPut, "/Users/id-1", put, "Content-Type", ct)
			requireStatus(t, res, http.StatusOK)
			require.Equal(t, server.ContentType, res.Header().Get("Content-Type"))
			require.Equal(t, "id-1", res.json["id"])
			require.Equal(t, "Alice", res.json["displayName"])
			require.NotContains(t, res.json, "title")
			require.Equal(t, "2026-03-02T09:00:00Z", dig(res.json, "meta", "created"))
		})
	}
}

// TestTolerance9 — lookups of unknown users, duplicates, PATCH answers.
func TestTolerance9(t *testing.T) {
	t.Parallel()
	b := setup(t)

	// Entra ID and Okta look a user up before creating it.
	res := b.do(t, http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "Test_User_00aa00aa@contoso.com"`), nil)
	requireStatus(t, res, http.StatusOK)
	require.Equal(t, json.Number("0"), res.json["totalResults"])
	require.Equal(t, []any{}, res.json["Resources"])

	b.createUser(t, "Test_User_00aa00aa@contoso.com")
	b.createUser(t, "other@contoso.com")
	res = b.do(t, http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "test_user_00AA00AA@contoso.com"`), nil)
	require.Equal(t, []string{"Test_User_00aa00aa@contoso.com"}, listNames(t, res))
	res = b.do(t, http.MethodGet, `/Users?filter=userName+eq+"Test_User_00aa00aa@contoso.com"`, nil)
	require.Equal(t, []string{"Test_User_00aa00aa@contoso.com"}, listNames(t, res), "+ for spaces, raw quotes")

	// Duplicates, in any case, by create, replace or patch: 409 uniqueness.
	res = b.do(t, http.MethodPost, "/Users", `{"userName":"TEST_USER_00aa00aa@contoso.com"}`)
	requireError(t, res, http.StatusConflict, scim.ErrorUniqueness)
	require.Contains(t, res.json["detail"], "userName")
	requireError(t, b.do(t, http.MethodPut, "/Users/id-2", `{"userName":"test_user_00aa00aa@contoso.com"}`),
		http.StatusConflict, scim.ErrorUniqueness)
	requireError(t, b.do(t, http.MethodPatch, "/Users/id-2",
		patchOp(map[string]any{"op": "Replace", "path": "userName", "value": "Test_User_00AA00AA@contoso.com"})),
		http.StatusConflict, scim.ErrorUniqueness)
	require.Equal(t, "other@contoso.com", b.do(t, http.MethodGet, "/Users/id-2", nil).json["userName"])
	// A user may change the case of its own userName.
	requireStatus(t, b.do(t, http.MethodPatch, "/Users/id-2",
		patchOp(map[string]any{"op": "replace", "path": "userName", "value": "OTHER@contoso.com"})), http.StatusOK)

	// PATCH: 200 with the resource, or 204 when asked.
	disable := patchOp(map[string]any{"op": "Replace", "path": "active", "value": "False"})
	res = b.do(t, http.MethodPatch, "/Users/id-1", disable)
	requireStatus(t, res, http.StatusOK)
	require.Equal(t, false, res.json["active"])
	require.Equal(t, "id-1", res.json["id"])
	res = b.do(t, http.MethodPatch, "/Users/id-1", disable, "Prefer", "respond-async, return=minimal")
	requireStatus(t, res, http.StatusNoContent)
	require.Empty(t, res.Body.String())
}

// TestTolerance10 — Okta's PUT of the whole resource, and deactivated
// users, which must still be found (Okta reactivates them by PUT or
// PATCH; Entra ID soft-deletes with active false).
func TestTolerance10(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createUser(t, "test.user@okta.local", "externalId", "00ujl29u0le5T6Aj10h7", "active", true,
		"emails", []any{map[string]any{"primary": true, "value": "test.user@okta.local", "type": "work"}})
	b.createGroup(t, "Test SCIMv2", "id-1")

	// Okta's documented PUT: everything it read, plus its changes.
	put := `{
		"schemas": ["` + scim.UserURN + `"],
		"id": "id-1",
		"externalId": "00ujl29u0le5T6Aj10h7",
		"userName": "test.user@okta.local",
		"name": {"givenName": "Another", "familyName": "User"},
		"emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
		"active": true,
		"password": "OktaPass!1",
		"groups": [],
		"meta": {"resourceType": "User", "created": "2019-01-01T00:00:00Z", "lastModified": "2019-01-01T00:00:00Z"}
	}`
	res := b.do(t, http.MethodPut, "/Users/id-1", put, "Content-Type", "application/json; charset=utf-8")
	requireStatus(t, res, http.StatusOK)
	require.Equal(t, "Another", dig(res.json, "name", "givenName"))
	require.Equal(t, "id-1", res.json["id"])
	require.Equal(t, "2026-03-02T09:00:00Z", dig(res.json, "meta", "created"))
	require.NotContains(t, res.json, "password")
	require.NotContains(t, res.json, "groups")

	groupPut := `{"schemas": ["` + scim.GroupURN + `"], "id": "id-2", "displayName": "Test SCIMv2",
		"members": [{"value": "id-1", "display": "test.user@okta.local"}]}`
	res = b.do(t, http.MethodPut, "/Groups/id-2", groupPut)
	requireStatus(t, res, http.StatusOK)
	require.Equal(t, []any{map[string]any{"value": "id-1", "display": "test.user@okta.local"}}, res.json["members"])

	// Okta deactivates with a pathless PATCH; the user stays readable.
	res = b.do(t, http.MethodPatch, "/Users/id-1",
		`{"schemas":["`+scim.PatchOpURN+`"],"Operations":[{"op":"replace","value":{"active":false}}]}`)
	requireStatus(t, res, http.StatusOK)
	res = b.do(t, http.MethodGet, "/Users/id-1", nil)
	requireStatus(t, res, http.StatusOK)
	require.Equal(t, false, res.json["active"])
	for _, f := range []string{`userName eq "test.user@okta.local"`, `active eq false`, `externalId eq "00ujl29u0le5T6Aj10h7"`} {
		res = b.do(t, http.MethodGet, "/Users?filter="+url.QueryEscape(f), nil)
		require.Equal(t, []string{"test.user@okta.local"}, listNames(t, res), f)
	}
	// Reactivation by PUT.
	res = b.do(t, http.MethodPut, "/Users/id-1", put)
	requireStatus(t, res, http.StatusOK)
	require.Equal(t, true, res.json["active"])
}
