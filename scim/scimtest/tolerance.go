package scimtest

import (
	"net/http"
	"strings"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
)

// checkTolerances: what Microsoft Entra ID and Okta send that a strict
// reading of the RFCs would refuse, each as an HTTP request in the shape
// the IdP sends it (their provisioning documentation). A server that
// fails one of these cannot be provisioned by that IdP. t1–t7 are PATCH
// shapes; t8–t10 are about the other requests.
func checkTolerances(t *env) {
	patchOnly := func(t *env) {
		if !t.s.features.Patch {
			t.Skipf("PATCH is not supported")
		}
	}
	entraUser := func(t *env, userName string, attrs map[string]any) string {
		t.Helper()
		body := map[string]any{
			"active": true, "displayName": "Test User",
			"name":   map[string]any{"givenName": "Test", "familyName": "User", "formatted": "Test User"},
			"emails": []any{map[string]any{"value": userName + "@contoso.example", "type": "work", "primary": true}},
		}
		for k, v := range attrs {
			body[k] = v
		}
		return str(t.createUser(userName, body), "id")
	}

	t.Run("t1 capitalised ops and names in any case", func(t *env) {
		patchOnly(t)
		id := entraUser(t, "t1", map[string]any{"title": "Engineer",
			scim.EnterpriseUserURN: map[string]any{"department": "Sales"}})
		u := t.patch("/Users", id,
			op("Replace", `emails[type eq "work"].value`, "updated@contoso.example"),
			op("Replace", "name.familyName", "updatedFamilyName"),
			op("Add", "nickName", "Testy"),
			op("Remove", "title", nil),
			op("REPLACE", "DISPLAYNAME", "Test U."),
			op("replace", strings.ToUpper(scim.EnterpriseUserURN)+":DEPARTMENT", "Marketing"),
		)
		require.Equal(t, []string{"updated@contoso.example"}, values(u, "emails"))
		require.Equal(t, "updatedFamilyName", str(u, "name", "familyName"))
		require.Equal(t, "Testy", u["nickName"])
		require.NotContains(t, u, "title")
		require.Equal(t, "Test U.", u["displayName"])
		require.Equal(t, "Marketing", str(u, scim.EnterpriseUserURN, "department"))
	})

	t.Run("t2 booleans as strings", func(t *env) {
		id := entraUser(t, "t2", map[string]any{"active": "True"})
		require.Equal(t, true, t.get("/Users", id)["active"], `POST with "active": "True"`)
		patchOnly(t)
		u := t.patch("/Users", id,
			op("Replace", "active", "False"),
			op("Add", "emails", []any{map[string]any{"value": "private@example.org", "type": "home", "primary": "False"}}),
		)
		require.Equal(t, false, u["active"])
		require.Equal(t, []string{"t2@contoso.example"}, primaries(u, "emails"))
	})

	t.Run("t3 pathless values", func(t *env) {
		patchOnly(t)
		id := entraUser(t, "t3", nil)
		u := t.patch("/Users", id, op("Add", "", map[string]any{
			"displayName":                              "Barbara Jensen",
			"name.givenName":                           "Barbara",
			scim.EnterpriseUserURN + ":department":     "Tour Operations",
			scim.EnterpriseUserURN + ":employeeNumber": "701984",
		}))
		require.Equal(t, "Barbara Jensen", u["displayName"])
		require.Equal(t, "Barbara", str(u, "name", "givenName"))
		require.Equal(t, "User", str(u, "name", "familyName"))
		require.Equal(t, "Tour Operations", str(u, scim.EnterpriseUserURN, "department"))

		// Okta deactivates with a pathless replace.
		u = t.patch("/Users", id, op("replace", "", map[string]any{"active": false}))
		require.Equal(t, false, u["active"])

		// Okta renames a group with a pathless replace repeating its id.
		gid := str(t.createGroup("t3-group"), "id")
		g := t.patch("/Groups", gid, op("replace", "", map[string]any{"id": gid, "displayName": t.name("t3-renamed")}))
		require.Equal(t, t.name("t3-renamed"), g["displayName"])
		require.Equal(t, gid, g["id"])
	})

	t.Run("t4 member removal", func(t *env) {
		patchOnly(t)
		u1 := entraUser(t, "t4-1", nil)
		u2 := entraUser(t, "t4-2", nil)
		u3 := entraUser(t, "t4-3", nil)
		gid := str(t.createGroup("t4-group", u1, u2, u3), "id")
		// Entra: path "members" with the members to remove as the value.
		g := t.patch("/Groups", gid, map[string]any{"op": "Remove", "path": "members",
			"value": []any{map[string]any{"$ref": nil, "value": u1}}})
		require.ElementsMatch(t, []string{u2, u3}, values(g, "members"))
		// Okta: a value filter.
		g = t.patch("/Groups", gid, op("remove", `members[value eq "`+u2+`"]`, nil))
		require.Equal(t, []string{u3}, values(g, "members"))
	})

	t.Run("t5 filtered path creates the element", func(t *env) {
		patchOnly(t)
		id := str(t.createUser("t5", map[string]any{
			"emails": []any{map[string]any{"value": "home@example.org", "type": "home", "primary": true}},
		}), "id")
		u := t.patch("/Users", id,
			op("Replace", `emails[type eq "work"].value`, "work@contoso.example"),
			op("Add", `phoneNumbers[type eq "mobile"].value`, "+1 206 555 0100"),
		)
		require.ElementsMatch(t, []string{"home@example.org", "work@contoso.example"}, values(u, "emails"))
		for _, e := range items(u, "emails") {
			if e["value"] == "work@contoso.example" {
				require.Equal(t, "work", e["type"])
			}
		}
		require.Equal(t, []string{"+1 206 555 0100"}, values(u, "phoneNumbers"))
	})

	t.Run("t6 member add with $ref null and duplicates", func(t *env) {
		patchOnly(t)
		u1 := entraUser(t, "t6-1", nil)
		u2 := entraUser(t, "t6-2", nil)
		gid := str(t.createGroup("t6-group", u1), "id")
		g := t.patch("/Groups", gid, op("Add", "members", []any{
			map[string]any{"$ref": nil, "value": u2},
			map[string]any{"$ref": nil, "value": u1},
		}))
		require.ElementsMatch(t, []string{u1, u2}, values(g, "members"), "an existing member is not duplicated")
		// Okta re-sends with display.
		g = t.patch("/Groups", gid, op("add", "members", []any{map[string]any{"value": u2, "display": t.name("t6-2")}}))
		require.Len(t, values(g, "members"), 2)
	})

	t.Run("t7 manager as a bare id", func(t *env) {
		patchOnly(t)
		mgr := entraUser(t, "t7-manager", nil)
		id := entraUser(t, "t7", nil)
		u := t.patch("/Users", id, op("Add", scim.EnterpriseUserURN+":manager", mgr))
		require.Equal(t, mgr, str(u, scim.EnterpriseUserURN, "manager", "value"))
		u = t.patch("/Users", id, op("Replace", scim.EnterpriseUserURN+":manager", ""))
		require.Empty(t, dig(u, scim.EnterpriseUserURN, "manager"), "an empty manager removes it")
	})

	t.Run("t8 nulls, readOnly attributes and content types", func(t *env) {
		body := map[string]any{
			"schemas":  []any{scim.UserURN},
			"id":       "client-chosen-id",
			"userName": t.name("t8"),
			"nickName": nil,
			"name":     map[string]any{"givenName": "Null", "middleName": nil},
			"emails":   nil,
			"meta":     map[string]any{"resourceType": "User", "created": "2001-01-01T00:00:00Z"},
			"groups":   []any{map[string]any{"value": "00000000-0000-4000-8000-000000000000"}},
		}
		u := t.create("/Users", body, "Content-Type", "application/json")
		id := str(u, "id")
		require.NotEqual(t, "client-chosen-id", id, "id is assigned by the server")
		require.NotContains(t, u, "nickName")
		require.NotEqual(t, "2001-01-01T00:00:00Z", str(u, "meta", "created"), "meta is the server's")
		for _, g := range values(u, "groups") {
			require.NotEqual(t, "00000000-0000-4000-8000-000000000000", g, "groups is readOnly")
		}

		body["name"] = map[string]any{"givenName": "Put", "familyName": nil}
		body["title"] = nil
		resp := t.do(http.MethodPut, "/Users/"+id, body, "Content-Type", "application/scim+json; charset=utf-8")
		t.requireStatus(resp, http.StatusOK)
		t.requireSCIMContentType(resp)
		require.Equal(t, id, resp.JSON["id"])
		require.Equal(t, "Put", str(resp.JSON, "name", "givenName"))

		resp = t.do(http.MethodGet, "/Users/"+id, nil, "Accept", "application/json")
		t.requireStatus(resp, http.StatusOK)
	})

	t.Run("t9 lookups, duplicates and PATCH answers", func(t *env) {
		total, list := t.list(withQuery("/Users", "filter", `userName eq "`+t.name("t9-nobody")+`"`))
		require.Zero(t, total, "a lookup of an unknown user is 200 with totalResults 0")
		require.Empty(t, list)

		id := entraUser(t, "t9", nil)
		dup := t.do(http.MethodPost, "/Users", map[string]any{"schemas": []any{scim.UserURN}, "userName": t.name("t9")})
		if dup.Status == http.StatusCreated {
			t.created("/Users", str(dup.JSON, "id"))
		}
		t.requireError(dup, http.StatusConflict, scim.ErrorUniqueness)
		dup = t.do(http.MethodPost, "/Users", map[string]any{"schemas": []any{scim.UserURN}, "userName": strings.ToUpper(t.name("t9"))})
		if dup.Status == http.StatusCreated {
			t.created("/Users", str(dup.JSON, "id"))
		}
		t.requireError(dup, http.StatusConflict, scim.ErrorUniqueness)

		total, _ = t.list(withQuery("/Users", "filter", `userName eq "`+strings.ToUpper(t.name("t9"))+`"`))
		require.Equal(t, 1, total, "userName lookups ignore case")

		if !t.s.features.Patch {
			return
		}
		resp := t.do(http.MethodPatch, "/Users/"+id, patchBody(op("Replace", "displayName", "Nine")))
		t.requireStatus(resp, http.StatusOK, http.StatusNoContent)
		resp = t.do(http.MethodPatch, "/Users/"+id, patchBody(op("Replace", "displayName", "Nine Minimal")),
			"Prefer", "return=minimal")
		t.requireStatus(resp, http.StatusOK, http.StatusNoContent)
		require.Equal(t, "Nine Minimal", t.get("/Users", id)["displayName"])
	})

	t.Run("t10 Okta PUT and deactivated users", func(t *env) {
		id := str(t.createUser("t10", map[string]any{
			"externalId": "00ujl29u0le5T6Aj10h7", "active": true,
			"name":   map[string]any{"givenName": "Test", "familyName": "User"},
			"emails": []any{map[string]any{"primary": true, "value": "t10@okta.example", "type": "work"}},
		}), "id")
		current := t.get("/Users", id)
		// Okta PUTs the whole user back, with id, meta and groups, changed.
		put := map[string]any{}
		for k, v := range current {
			put[k] = v
		}
		put["groups"] = []any{}
		put["name"] = map[string]any{"givenName": "Changed", "familyName": "User"}
		put["active"] = false
		resp := t.do(http.MethodPut, "/Users/"+id, put, "Content-Type", "application/json; charset=utf-8")
		t.requireStatus(resp, http.StatusOK)
		require.Equal(t, id, resp.JSON["id"])
		require.Equal(t, "Changed", str(resp.JSON, "name", "givenName"))
		require.Equal(t, false, resp.JSON["active"])

		// A deactivated user is still there, by id and by filter.
		u := t.get("/Users", id)
		require.Equal(t, false, u["active"])
		_, list := t.list(withQuery("/Users", "filter", `userName eq "`+t.name("t10")+`"`))
		require.Len(t, list, 1)
		require.Equal(t, false, list[0]["active"])
	})
}
