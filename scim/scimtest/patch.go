package scimtest

import (
	"net/http"
	"strconv"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
)

// patchUser is the user each PATCH check starts from.
func (t *env) patchUser(userName string) string {
	t.Helper()
	u := t.createUser(userName, map[string]any{
		"displayName":  "Pat Patcher",
		"nickName":     "Pat",
		"title":        "Engineer",
		"name":         map[string]any{"givenName": "Pat", "familyName": "Patcher"},
		"emails":       []any{map[string]any{"value": "pat@work.example", "type": "work", "primary": true}},
		"phoneNumbers": []any{map[string]any{"value": "+1 555 0100", "type": "work"}},
	})
	return str(u, "id")
}

// primaries returns the values of the elements whose primary is true.
func primaries(res map[string]any, attr string) []string {
	var out []string
	for _, it := range items(res, attr) {
		if it["primary"] == true {
			out = append(out, str(it, "value"))
		}
	}
	return out
}

// checkPatch: the PATCH operations of RFC 7644 §3.5.2, each on a fresh
// user, read back with GET (a server may answer PATCH with 204).
func checkPatch(t *env) {
	if !t.s.features.Patch {
		t.Skipf("PATCH is not supported")
	}
	cases := []struct {
		name  string
		ops   []map[string]any
		check func(t *env, u map[string]any)
	}{
		{"add without path", []map[string]any{op("add", "", map[string]any{"nickName": "Patty", "userType": "Employee"})},
			func(t *env, u map[string]any) {
				require.Equal(t, "Patty", u["nickName"])
				require.Equal(t, "Employee", u["userType"])
				require.Equal(t, "Engineer", u["title"], "untouched")
			}},
		{"replace without path", []map[string]any{op("replace", "", map[string]any{"displayName": "P. Patcher", "title": "Lead"})},
			func(t *env, u map[string]any) {
				require.Equal(t, "P. Patcher", u["displayName"])
				require.Equal(t, "Lead", u["title"])
			}},
		{"replace with path", []map[string]any{op("replace", "displayName", "Patricia Patcher")},
			func(t *env, u map[string]any) { require.Equal(t, "Patricia Patcher", u["displayName"]) }},
		{"replace complex keeps other sub-attributes", []map[string]any{op("replace", "name", map[string]any{"givenName": "Patricia"})},
			func(t *env, u map[string]any) {
				require.Equal(t, "Patricia", str(u, "name", "givenName"))
				require.Equal(t, "Patcher", str(u, "name", "familyName"), "RFC 7644 §3.5.2.3: unspecified sub-attributes are left unchanged")
			}},
		{"add sub-attribute", []map[string]any{op("add", "name.middleName", "Q")},
			func(t *env, u map[string]any) {
				require.Equal(t, "Q", str(u, "name", "middleName"))
				require.Equal(t, "Pat", str(u, "name", "givenName"))
			}},
		{"remove attribute", []map[string]any{op("remove", "title", nil)},
			func(t *env, u map[string]any) { require.NotContains(t, u, "title") }},
		{"remove sub-attribute", []map[string]any{op("remove", "name.familyName", nil)},
			func(t *env, u map[string]any) {
				require.Empty(t, str(u, "name", "familyName"))
				require.Equal(t, "Pat", str(u, "name", "givenName"))
			}},
		{"add to multi-valued appends", []map[string]any{op("add", "emails", []any{map[string]any{"value": "pat@home.example", "type": "home"}})},
			func(t *env, u map[string]any) {
				require.ElementsMatch(t, []string{"pat@work.example", "pat@home.example"}, values(u, "emails"))
			}},
		{"replace multi-valued replaces all", []map[string]any{op("replace", "phoneNumbers", []any{map[string]any{"value": "+1 555 0199", "type": "mobile"}})},
			func(t *env, u map[string]any) {
				require.Equal(t, []string{"+1 555 0199"}, values(u, "phoneNumbers"))
			}},
		{"replace value-filtered sub-attribute", []map[string]any{
			op("add", "emails", []any{map[string]any{"value": "pat@home.example", "type": "home"}}),
			op("replace", `emails[type eq "work"].value`, "patricia@work.example"),
		}, func(t *env, u map[string]any) {
			require.ElementsMatch(t, []string{"patricia@work.example", "pat@home.example"}, values(u, "emails"))
		}},
		{"remove value-filtered element", []map[string]any{
			op("add", "emails", []any{map[string]any{"value": "pat@home.example", "type": "home"}}),
			op("remove", `emails[type eq "home"]`, nil),
		}, func(t *env, u map[string]any) {
			require.Equal(t, []string{"pat@work.example"}, values(u, "emails"))
		}},
		{"remove whole multi-valued attribute", []map[string]any{op("remove", "phoneNumbers", nil)},
			func(t *env, u map[string]any) { require.Empty(t, items(u, "phoneNumbers")) }},
		{"primary stays unique", []map[string]any{op("add", "emails", []any{map[string]any{"value": "pat@home.example", "type": "home", "primary": true}})},
			func(t *env, u map[string]any) {
				require.Equal(t, []string{"pat@home.example"}, primaries(u, "emails"),
					"RFC 7643 §2.4: primary true appears at most once")
			}},
		{"extension attribute with path", []map[string]any{op("add", scim.EnterpriseUserURN+":department", "Research")},
			func(t *env, u map[string]any) {
				require.Equal(t, "Research", str(u, scim.EnterpriseUserURN, "department"))
				require.Contains(t, stringsOf(u["schemas"]), scim.EnterpriseUserURN)
			}},
		{"several operations in order", []map[string]any{
			op("replace", "displayName", "First"),
			op("replace", "displayName", "Second"),
			op("remove", "nickName", nil),
		}, func(t *env, u map[string]any) {
			require.Equal(t, "Second", u["displayName"])
			require.NotContains(t, u, "nickName")
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *env) {
			id := t.patchUser("p-" + strconv.Itoa(i))
			c.check(t, t.patch("/Users", id, c.ops...))
		})
	}

	t.Run("response", func(t *env) {
		id := t.patchUser("p-response")
		resp := t.do(http.MethodPatch, "/Users/"+id, patchBody(op("replace", "displayName", "Answered")))
		t.requireStatus(resp, http.StatusOK, http.StatusNoContent)
		if resp.Status == http.StatusOK {
			t.requireSCIMContentType(resp)
			require.Equal(t, "Answered", resp.JSON["displayName"], "a 200 answer holds the patched resource")
			require.Equal(t, id, resp.JSON["id"])
		}
	})

	t.Run("atomic", func(t *env) {
		id := t.patchUser("p-atomic")
		resp := t.do(http.MethodPatch, "/Users/"+id, patchBody(
			op("replace", "displayName", "Half Done"),
			op("remove", `emails[type eq "nonexistent"]`, nil),
		))
		t.requireError(resp, http.StatusBadRequest, scim.ErrorNoTarget)
		require.Equal(t, "Pat Patcher", t.get("/Users", id)["displayName"],
			"RFC 7644 §3.5.2: a failed PATCH changes nothing")
	})

	t.Run("errors", func(t *env) {
		id := t.patchUser("p-errors")
		errs := []struct {
			name   string
			body   any
			status int
			types  []scim.ErrorType
		}{
			{"invalid path", patchBody(op("replace", "name..givenName", "x")), 400, []scim.ErrorType{scim.ErrorInvalidPath}},
			{"unknown attribute in path", patchBody(op("replace", "noSuchAttribute", "x")), 400, []scim.ErrorType{scim.ErrorInvalidPath}},
			{"readOnly id", patchBody(op("replace", "id", "other")), 400, []scim.ErrorType{scim.ErrorMutability}},
			{"remove without path", patchBody(op("remove", "", nil)), 400, []scim.ErrorType{scim.ErrorNoTarget}},
			{"remove with unmatched filter", patchBody(op("remove", `emails[type eq "fax"]`, nil)), 400, []scim.ErrorType{scim.ErrorNoTarget}},
			{"remove required userName", patchBody(op("remove", "userName", nil)), 400, nil},
			{"unknown op", patchBody(op("move", "displayName", "x")), 400, []scim.ErrorType{scim.ErrorInvalidSyntax, scim.ErrorInvalidValue}},
			{"no PatchOp schema", map[string]any{"Operations": []any{op("replace", "displayName", "x")}}, 400, nil},
			{"wrong value type", patchBody(op("replace", "active", map[string]any{"x": 1})), 400, []scim.ErrorType{scim.ErrorInvalidValue}},
		}
		for _, e := range errs {
			t.Run(e.name, func(t *env) {
				t.requireError(t.do(http.MethodPatch, "/Users/"+id, e.body), e.status, e.types...)
			})
		}
		t.Run("unknown id", func(t *env) {
			t.requireError(t.do(http.MethodPatch, "/Users/00000000-0000-4000-8000-000000000000",
				patchBody(op("replace", "displayName", "x"))), http.StatusNotFound)
		})
		require.Equal(t, "Pat Patcher", t.get("/Users", id)["displayName"])
	})
}
