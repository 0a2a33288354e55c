package scimtest

import (
	"net/http"
	"strconv"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
)

// checkProjection: the attributes and excludedAttributes parameters
// (RFC 7644 §3.9) on GET by id, on queries and on writes.
func checkProjection(t *env) {
	u := t.createUser("proj", map[string]any{
		"title":                "Engineer",
		"name":                 map[string]any{"givenName": "Paula", "familyName": "Projector"},
		"emails":               []any{map[string]any{"value": "paula@work.example", "type": "work"}},
		scim.EnterpriseUserURN: map[string]any{"department": "Engineering", "costCenter": "4130"},
	})
	id := str(u, "id")

	t.Run("attributes", func(t *env) {
		got := t.get("/Users", id, "attributes", "userName")
		require.Equal(t, id, got["id"], "id is returned always")
		require.Equal(t, t.name("proj"), got["userName"])
		for _, a := range []string{"title", "name", "emails", scim.EnterpriseUserURN} {
			require.NotContains(t, got, a)
		}
	})

	t.Run("attributes sub-attribute", func(t *env) {
		got := t.get("/Users", id, "attributes", "name.givenName")
		require.Equal(t, map[string]any{"givenName": "Paula"}, got["name"])
		require.NotContains(t, got, "userName")
	})

	t.Run("attributes extension attribute", func(t *env) {
		got := t.get("/Users", id, "attributes", scim.EnterpriseUserURN+":department")
		require.Equal(t, map[string]any{"department": "Engineering"}, got[scim.EnterpriseUserURN])
	})

	t.Run("excludedAttributes", func(t *env) {
		got := t.get("/Users", id, "excludedAttributes", "emails,title")
		require.NotContains(t, got, "emails")
		require.NotContains(t, got, "title")
		require.Equal(t, "Paula", str(got, "name", "givenName"))
		require.Equal(t, id, got["id"])
	})

	t.Run("excludedAttributes cannot drop id", func(t *env) {
		got := t.get("/Users", id, "excludedAttributes", "id")
		require.Equal(t, id, got["id"])
	})

	t.Run("query", func(t *env) {
		_, list := t.list(withQuery("/Users", "filter", `userName eq "`+t.name("proj")+`"`, "attributes", "userName"))
		require.Len(t, list, 1)
		require.Equal(t, id, list[0]["id"])
		require.NotContains(t, list[0], "name")
	})

	t.Run("write response", func(t *env) {
		if !t.s.features.Patch {
			t.Skipf("PATCH is not supported")
		}
		resp := t.do(http.MethodPatch, withQuery("/Users/"+id, "attributes", "title"),
			patchBody(op("replace", "title", "Lead")))
		t.requireStatus(resp, http.StatusOK, http.StatusNoContent)
		if resp.Status == http.StatusOK {
			require.Equal(t, "Lead", resp.JSON["title"])
			require.NotContains(t, resp.JSON, "name")
		}
	})
}

// checkSorting: sortBy and sortOrder (RFC 7644 §3.4.2.3).
func checkSorting(t *env) {
	if !t.s.features.Sort {
		t.Skipf("sorting is not supported")
	}
	for _, u := range []struct{ name, family string }{{"s-b", "Alpha"}, {"s-c", "Mid"}, {"s-a", "Zeta"}} {
		t.createUser(u.name, map[string]any{"name": map[string]any{"familyName": u.family}})
	}
	scope := `userName sw "` + t.name("s-") + `"`
	cases := []struct {
		name   string
		params []string
		want   []string
	}{
		{"userName ascending", []string{"sortBy", "userName"}, []string{"s-a", "s-b", "s-c"}},
		{"userName descending", []string{"sortBy", "userName", "sortOrder", "descending"}, []string{"s-c", "s-b", "s-a"}},
		{"sub-attribute", []string{"sortBy", "name.familyName"}, []string{"s-b", "s-c", "s-a"}},
		{"sub-attribute descending", []string{"sortBy", "name.familyName", "sortOrder", "descending"}, []string{"s-a", "s-c", "s-b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *env) {
			require.Equal(t, c.want, t.filterUsers(scope, c.params...))
		})
	}
	t.Run("invalid sortOrder", func(t *env) {
		resp := t.do(http.MethodGet, withQuery("/Users", "filter", scope, "sortBy", "userName", "sortOrder", "sideways"), nil)
		t.requireClientError(resp)
	})
}

// checkPaging: startIndex and count (RFC 7644 §3.4.2.4) over five users.
func checkPaging(t *env) {
	for i := 1; i <= 5; i++ {
		t.createUser("pg-"+strconv.Itoa(i), nil)
	}
	scope := `userName sw "` + t.name("pg-") + `"`
	page := func(t *env, startIndex, count string) (int, []string, *response) {
		t.Helper()
		params := []string{"filter", scope}
		if t.s.features.Sort {
			params = append(params, "sortBy", "userName")
		}
		if startIndex != "" {
			params = append(params, "startIndex", startIndex)
		}
		if count != "" {
			params = append(params, "count", count)
		}
		resp := t.do(http.MethodGet, withQuery("/Users", params...), nil)
		total, list := t.listResponse(resp)
		var names []string
		for _, u := range list {
			names = append(names, str(u, "userName")[len(t.s.prefix):])
		}
		return total, names, resp
	}

	t.Run("pages cover everything once", func(t *env) {
		var all []string
		for start := 1; start <= 5; start += 2 {
			total, names, resp := page(t, strconv.Itoa(start), "2")
			require.Equal(t, 5, total)
			require.Equal(t, start, intOf(resp.JSON["startIndex"]))
			require.Equal(t, len(names), intOf(resp.JSON["itemsPerPage"]))
			require.LessOrEqual(t, len(names), 2)
			all = append(all, names...)
		}
		require.ElementsMatch(t, []string{"pg-1", "pg-2", "pg-3", "pg-4", "pg-5"}, all)
	})

	t.Run("window", func(t *env) {
		if !t.s.features.Sort {
			t.Skipf("needs sorting for a known order")
		}
		_, names, _ := page(t, "3", "2")
		require.Equal(t, []string{"pg-3", "pg-4"}, names)
		_, names, _ = page(t, "5", "2")
		require.Equal(t, []string{"pg-5"}, names)
	})

	t.Run("past the end", func(t *env) {
		total, names, _ := page(t, "6", "2")
		require.Equal(t, 5, total)
		require.Empty(t, names)
	})

	t.Run("count 0 gives the total only", func(t *env) {
		total, names, _ := page(t, "", "0")
		require.Equal(t, 5, total)
		require.Empty(t, names)
	})

	t.Run("startIndex below 1 is 1", func(t *env) {
		total, names, resp := page(t, "0", "5")
		require.Equal(t, 5, total)
		require.Len(t, names, 5)
		require.Equal(t, 1, intOf(resp.JSON["startIndex"]))
	})

	t.Run("negative count is 0", func(t *env) {
		total, names, _ := page(t, "1", "-1")
		require.Equal(t, 5, total)
		require.Empty(t, names)
	})

	t.Run("POST .search", func(t *env) {
		body := map[string]any{
			"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
			"filter":  scope, "startIndex": 1, "count": 2, "attributes": []any{"userName"},
		}
		if t.s.features.Sort {
			body["sortBy"] = "userName"
		}
		total, list := t.listResponse(t.do(http.MethodPost, "/Users/.search", body))
		require.Equal(t, 5, total)
		require.Len(t, list, 2)
		require.NotContains(t, list[0], "meta")
	})

	t.Run("root .search", func(t *env) {
		_, list := t.list(withQuery("/Users", "filter", `userName eq "`+t.name("pg-3")+`"`))
		require.Len(t, list, 1)
		id := str(list[0], "id")
		resp := t.do(http.MethodPost, "/.search", map[string]any{
			"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
			"filter":  `id eq "` + id + `"`,
		})
		switch resp.Status {
		case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
			t.Skipf("the server does not support root searches: %s", resp)
		}
		total, found := t.listResponse(resp)
		require.Equal(t, 1, total)
		require.Equal(t, id, found[0]["id"])
	})
}
