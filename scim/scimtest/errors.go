package scimtest

import (
	"net/http"
	"strings"

	"github.com/tenure-dev/tenure/scim"
)

// checkErrors: error responses (RFC 7644 §3.12) — the status and scimType
// a client acts on, in a SCIM error body — and that no client mistake,
// however malformed, is a server error.
func checkErrors(t *env) {
	id := str(t.createUser("err", nil), "id")

	t.Run("status and scimType", func(t *env) {
		cases := []struct {
			name         string
			method, path string
			body         any
			status       int
			types        []scim.ErrorType
		}{
			{"malformed JSON", http.MethodPost, "/Users", `{"userName": `, 400, []scim.ErrorType{scim.ErrorInvalidSyntax}},
			{"wrong type", http.MethodPost, "/Users", map[string]any{"schemas": []any{scim.UserURN}, "userName": 42},
				400, []scim.ErrorType{scim.ErrorInvalidValue, scim.ErrorInvalidSyntax}},
			{"complex as string", http.MethodPost, "/Users", map[string]any{"schemas": []any{scim.UserURN}, "userName": t.name("e1"), "name": "Alice"},
				400, []scim.ErrorType{scim.ErrorInvalidValue, scim.ErrorInvalidSyntax}},
			{"unknown schema", http.MethodPost, "/Users", map[string]any{"schemas": []any{"urn:example:no:such:schema"}, "userName": t.name("e2")},
				400, []scim.ErrorType{scim.ErrorInvalidSyntax, scim.ErrorInvalidValue}},
			{"missing required", http.MethodPut, "/Users/" + id, map[string]any{"schemas": []any{scim.UserURN}, "displayName": "x"},
				400, []scim.ErrorType{scim.ErrorInvalidValue}},
			{"invalid filter", http.MethodGet, withQuery("/Users", "filter", `userName eq`), nil, 400, []scim.ErrorType{scim.ErrorInvalidFilter}},
			{"unknown endpoint", http.MethodGet, "/NoSuchEndpoint", nil, 404, nil},
			{"unknown user", http.MethodGet, "/Users/00000000-0000-4000-8000-000000000000", nil, 404, nil},
			{"unknown group", http.MethodGet, "/Groups/00000000-0000-4000-8000-000000000000", nil, 404, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *env) {
				resp := t.do(c.method, c.path, c.body)
				t.requireError(resp, c.status, c.types...)
				t.requireSCIMContentType(resp)
			})
		}
	})

	t.Run("no server error for client mistakes", func(t *env) {
		deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
		// lenient bodies are ambiguous rather than wrong: a server may
		// accept them (then what it created is deleted).
		bodies := []struct {
			name, body string
			lenient    bool
		}{
			{"empty", "", false},
			{"not JSON", "userName=alice", false},
			{"array", "[]", false},
			{"string", `"user"`, false},
			{"null", "null", false},
			{"number", "12", false},
			{"truncated", `{"schemas": ["` + scim.UserURN, false},
			{"trailing data", `{"userName": "x"} {}`, false},
			{"deep nesting", `{"userName": ` + deep + `}`, false},
			{"bad UTF-8", "{\"userName\": \"\xff\xfe\"}", false},
			{"NUL", "{\"userName\": \"a\x00b\"}", false},
			{"huge number", `{"userName": "x", "active": 1e999999}`, false},
			{"schemas not array", `{"schemas": "` + scim.UserURN + `", "userName": "x"}`, false},
			{"duplicate key in another case", `{"userName": "` + t.name("dup-a") + `", "USERNAME": "` + t.name("dup-b") + `"}`, true},
			{"unknown attribute", `{"schemas": ["` + scim.UserURN + `"], "userName": "` + t.name("unknown-attr") + `", "noSuchAttribute": 1}`, true},
		}
		targets := []struct{ method, path string }{
			{http.MethodPost, "/Users"},
			{http.MethodPut, "/Users/" + id},
			{http.MethodPost, "/Groups"},
			{http.MethodPost, "/Users/.search"},
		}
		if t.s.features.Patch {
			targets = append(targets, struct{ method, path string }{http.MethodPatch, "/Users/" + id})
		}
		if t.s.features.Bulk {
			targets = append(targets, struct{ method, path string }{http.MethodPost, "/Bulk"})
		}
		for _, target := range targets {
			for _, b := range bodies {
				t.Run(target.method+" "+strings.SplitN(target.path[1:], "/", 2)[0]+" "+b.name, func(t *env) {
					resp := t.do(target.method, target.path, b.body)
					if resp.Status == http.StatusCreated && target.path != "/Bulk" {
						t.created(target.path, str(resp.JSON, "id"))
					}
					if b.lenient && resp.Status < 300 {
						return
					}
					t.requireClientError(resp)
				})
			}
		}

		filters := []struct{ name, filter string }{
			{"deep parentheses", strings.Repeat("(", 2000) + `userName eq "x"` + strings.Repeat(")", 2000)},
			{"deep not", strings.Repeat("not (", 500) + `userName eq "x"` + strings.Repeat(")", 500)},
			{"long", `userName eq "` + strings.Repeat("a", 6000) + `"`},
			{"bad UTF-8", "userName eq \"\xff\""},
			{"NUL", "userName eq \"a\x00\""},
			{"many terms", strings.Repeat(`userName eq "x" or `, 2000) + `userName eq "y"`},
			{"unknown operator", `userName like "x"`},
			{"unknown attribute", `noSuchAttribute eq "x"`},
			{"bad value path", `emails[type eq "work"]]`},
			{"number overflow", `meta.version gt 1e999999`},
		}
		for _, f := range filters {
			t.Run("filter "+f.name, func(t *env) {
				resp := t.do(http.MethodGet, withQuery("/Users", "filter", f.filter), nil)
				if f.name == "unknown attribute" && resp.Status == http.StatusOK {
					return // a server may treat an unknown attribute as absent
				}
				t.requireClientError(resp)
			})
		}
		t.Run("bad query escape", func(t *env) {
			resp := t.do(http.MethodGet, "/Users?filter=userName%zz", nil)
			t.requireClientError(resp)
		})
	})
}
