package scimtest

import (
	"net/http"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
)

// fullUser is a user with every kind of attribute: simple, complex,
// multi-valued, boolean, and the enterprise extension.
func (t *env) fullUser(userName string) map[string]any {
	return map[string]any{
		"schemas":     []any{scim.UserURN, scim.EnterpriseUserURN},
		"userName":    t.name(userName),
		"externalId":  t.name("ext-" + userName),
		"displayName": "Alice Archer",
		"nickName":    "Ali",
		"title":       "Engineer",
		"active":      true,
		"name":        map[string]any{"givenName": "Alice", "familyName": "Archer", "formatted": "Alice Archer"},
		"emails": []any{
			map[string]any{"value": userName + "@work.example", "type": "work", "primary": true},
		},
		"phoneNumbers": []any{map[string]any{"value": "+1 555 0100", "type": "work"}},
		"password":     "Correct-Horse-Battery-9",
		scim.EnterpriseUserURN: map[string]any{
			"employeeNumber": "701984",
			"department":     "Engineering",
		},
	}
}

// checkUsers: create, read, replace and delete a user (RFC 7644 §3.3–3.6).
func checkUsers(t *env) {
	body := t.fullUser("crud")
	resp := t.do(http.MethodPost, "/Users", body)
	if resp.Status == http.StatusCreated {
		t.created("/Users", str(resp.JSON, "id"))
	}
	var id, created string
	t.Run("create", func(t *env) {
		t.requireStatus(resp, http.StatusCreated)
		t.requireSCIMContentType(resp)
		u := resp.JSON
		id = str(u, "id")
		require.NotEmpty(t, id)
		require.Equal(t, t.name("crud"), u["userName"])
		require.Equal(t, "User", str(u, "meta", "resourceType"))
		require.NotEmpty(t, str(u, "meta", "created"))
		require.NotEmpty(t, str(u, "meta", "lastModified"))
		created = str(u, "meta", "created")
		require.ElementsMatch(t, []string{scim.UserURN, scim.EnterpriseUserURN}, stringsOf(u["schemas"]))
		require.Equal(t, "Engineering", str(u, scim.EnterpriseUserURN, "department"))
		require.Equal(t, "Alice", str(u, "name", "givenName"))
		require.Equal(t, true, u["active"])
		require.NotContains(t, u, "password", "password is returned never (RFC 7643 §4.1.1)")
		if loc := resp.Header.Get("Location"); loc != "" || str(u, "meta", "location") != "" {
			require.Equal(t, str(u, "meta", "location"), loc, "Location header and meta.location")
		}
		if t.s.features.ETag {
			require.NotEmpty(t, resp.Header.Get("ETag"), "ETag header on create")
			require.Equal(t, str(u, "meta", "version"), resp.Header.Get("ETag"), "ETag header and meta.version")
		}
	})
	if id == "" {
		t.FailNow()
	}

	t.Run("read", func(t *env) {
		resp := t.do(http.MethodGet, "/Users/"+id, nil)
		t.requireStatus(resp, http.StatusOK)
		t.requireSCIMContentType(resp)
		require.Equal(t, id, str(resp.JSON, "id"))
		require.Equal(t, t.name("crud"), resp.JSON["userName"])
		require.Equal(t, "Archer", str(resp.JSON, "name", "familyName"))
		require.Equal(t, []string{"crud@work.example"}, values(resp.JSON, "emails"))
		require.NotContains(t, resp.JSON, "password")
		if t.s.features.ETag {
			require.Equal(t, str(resp.JSON, "meta", "version"), resp.Header.Get("ETag"))
		}
	})

	t.Run("replace", func(t *env) {
		put := t.fullUser("crud")
		delete(put, "title")
		delete(put, "password")
		delete(put, scim.EnterpriseUserURN)
		put["schemas"] = []any{scim.UserURN}
		put["displayName"] = "Alice A. Archer"
		resp := t.do(http.MethodPut, "/Users/"+id, put)
		t.requireStatus(resp, http.StatusOK)
		t.requireSCIMContentType(resp)
		require.Equal(t, id, str(resp.JSON, "id"))
		require.Equal(t, "Alice A. Archer", resp.JSON["displayName"])
		require.NotContains(t, resp.JSON, "title", "PUT replaces: an omitted attribute is cleared")
		require.NotContains(t, resp.JSON, scim.EnterpriseUserURN)
		require.Equal(t, created, str(resp.JSON, "meta", "created"), "PUT keeps meta.created")
		got := t.get("/Users", id)
		require.Equal(t, "Alice A. Archer", got["displayName"])
		require.NotContains(t, got, "title")
	})

	t.Run("delete", func(t *env) {
		resp := t.do(http.MethodDelete, "/Users/"+id, nil)
		t.requireStatus(resp, http.StatusNoContent)
		require.Empty(t, resp.Body)
		t.requireError(t.do(http.MethodGet, "/Users/"+id, nil), http.StatusNotFound)
		t.requireError(t.do(http.MethodDelete, "/Users/"+id, nil), http.StatusNotFound)
		t.requireError(t.do(http.MethodPut, "/Users/"+id, t.fullUser("crud")), http.StatusNotFound)
	})

	t.Run("missing userName", func(t *env) {
		resp := t.do(http.MethodPost, "/Users", map[string]any{"schemas": []any{scim.UserURN}, "displayName": "No Name"})
		t.requireError(resp, http.StatusBadRequest, scim.ErrorInvalidValue)
	})

	t.Run("unknown id", func(t *env) {
		t.requireError(t.do(http.MethodGet, "/Users/00000000-0000-4000-8000-000000000000", nil), http.StatusNotFound)
	})
}

// checkGroups: a group's life with members (RFC 7643 §4.2).
func checkGroups(t *env) {
	u1 := str(t.createUser("g-member-1", nil), "id")
	u2 := str(t.createUser("g-member-2", nil), "id")
	u3 := str(t.createUser("g-member-3", nil), "id")

	resp := t.do(http.MethodPost, "/Groups", map[string]any{
		"schemas": []any{scim.GroupURN}, "displayName": t.name("Engineering"), "members": members(u1),
	})
	if resp.Status == http.StatusCreated {
		t.created("/Groups", str(resp.JSON, "id"))
	}
	t.requireStatus(resp, http.StatusCreated)
	t.requireSCIMContentType(resp)
	gid := str(resp.JSON, "id")
	require.NotEmpty(t, gid)
	require.Equal(t, "Group", str(resp.JSON, "meta", "resourceType"))
	require.Equal(t, []string{u1}, values(resp.JSON, "members"))

	t.Run("read", func(t *env) {
		g := t.get("/Groups", gid)
		require.Equal(t, t.name("Engineering"), g["displayName"])
		require.Equal(t, []string{u1}, values(g, "members"))
	})

	t.Run("patch members", func(t *env) {
		if !t.s.features.Patch {
			t.Skipf("PATCH is not supported")
		}
		g := t.patch("/Groups", gid, op("add", "members", members(u2)))
		require.ElementsMatch(t, []string{u1, u2}, values(g, "members"))
		g = t.patch("/Groups", gid, op("remove", `members[value eq "`+u1+`"]`, nil))
		require.ElementsMatch(t, []string{u2}, values(g, "members"))
	})

	t.Run("replace", func(t *env) {
		resp := t.do(http.MethodPut, "/Groups/"+gid, map[string]any{
			"schemas": []any{scim.GroupURN}, "displayName": t.name("Engineering Team"), "members": members(u2, u3),
		})
		t.requireStatus(resp, http.StatusOK)
		g := t.get("/Groups", gid)
		require.Equal(t, t.name("Engineering Team"), g["displayName"])
		require.ElementsMatch(t, []string{u2, u3}, values(g, "members"))
	})

	t.Run("exclude members", func(t *env) {
		g := t.get("/Groups", gid, "excludedAttributes", "members")
		require.NotContains(t, g, "members")
		require.Equal(t, t.name("Engineering Team"), g["displayName"])
		require.Equal(t, gid, g["id"])
	})

	t.Run("filter by displayName", func(t *env) {
		total, list := t.list(withQuery("/Groups", "filter", `displayName eq "`+t.name("Engineering Team")+`"`,
			"excludedAttributes", "members"))
		require.Equal(t, 1, total)
		require.Len(t, list, 1)
		require.Equal(t, gid, list[0]["id"])
	})

	t.Run("filter by member", func(t *env) {
		total, list := t.list(withQuery("/Groups", "filter", `members.value eq "`+u3+`"`))
		require.Equal(t, 1, total)
		require.Equal(t, gid, list[0]["id"])
	})

	t.Run("delete", func(t *env) {
		t.requireStatus(t.do(http.MethodDelete, "/Groups/"+gid, nil), http.StatusNoContent)
		t.requireError(t.do(http.MethodGet, "/Groups/"+gid, nil), http.StatusNotFound)
		// The members are users of their own: still there.
		for _, u := range []string{u2, u3} {
			t.get("/Users", u)
		}
	})
}
