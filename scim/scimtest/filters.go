package scimtest

import (
	"net/http"
	"strings"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
)

// checkFilters: every operator of RFC 7644 §3.4.2.2, logical operators and
// precedence, value paths, extension attributes and case rules, over three
// users. Each filter is and-ed with `userName sw "<run prefix>f-"` so that
// other data on the server does not count.
func checkFilters(t *env) {
	t.createUser("f-alice", map[string]any{
		"externalId":           t.name("ext-alice"),
		"title":                "Engineer",
		"active":               true,
		"name":                 map[string]any{"givenName": "Alice", "familyName": "Archer"},
		"emails":               []any{map[string]any{"value": "alice@work.example", "type": "work", "primary": true}},
		scim.EnterpriseUserURN: map[string]any{"employeeNumber": "1001", "department": "Engineering"},
	})
	t.createUser("f-bob", map[string]any{
		"externalId":           t.name("ext-bob"),
		"title":                "Manager",
		"active":               false,
		"name":                 map[string]any{"givenName": "Bob", "familyName": "Baker"},
		"emails":               []any{map[string]any{"value": "bob@home.example", "type": "home"}},
		scim.EnterpriseUserURN: map[string]any{"employeeNumber": "1002", "department": "Sales"},
	})
	t.createUser("f-carol", map[string]any{
		"externalId": t.name("ext-carol"),
		"active":     true,
		"name":       map[string]any{"givenName": "Carol", "familyName": "Carter"},
		"emails": []any{
			map[string]any{"value": "carol@work.example", "type": "work"},
			map[string]any{"value": "carol@home.example", "type": "home", "primary": true},
		},
		scim.EnterpriseUserURN: map[string]any{"employeeNumber": "1003", "department": "Engineering"},
	})
	scope := `userName sw "` + t.name("f-") + `"`
	p := t.name("")
	cases := []struct {
		name, filter string
		want         []string
	}{
		{"eq", `userName eq "` + p + `f-bob"`, []string{"f-bob"}},
		{"eq userName ignores case", `userName eq "` + strings.ToUpper(p+"f-bob") + `"`, []string{"f-bob"}},
		{"eq externalId is caseExact", `externalId eq "` + strings.ToUpper(p+"ext-bob") + `"`, nil},
		{"eq externalId", `externalId eq "` + p + `ext-bob"`, []string{"f-bob"}},
		{"ne", `title pr and title ne "Engineer"`, []string{"f-bob"}},
		{"co", `name.familyName co "rch"`, []string{"f-alice"}},
		{"co ignores case", `name.familyName co "RCH"`, []string{"f-alice"}},
		{"sw", `name.familyName sw "Ba"`, []string{"f-bob"}},
		{"ew", `name.familyName ew "ter"`, []string{"f-carol"}},
		{"pr", `title pr`, []string{"f-alice", "f-bob"}},
		{"gt", `userName gt "` + p + `f-alice"`, []string{"f-bob", "f-carol"}},
		{"ge", `userName ge "` + p + `f-bob"`, []string{"f-bob", "f-carol"}},
		{"lt", `userName lt "` + p + `f-bob"`, []string{"f-alice"}},
		{"le", `userName le "` + p + `f-bob"`, []string{"f-alice", "f-bob"}},
		{"dateTime gt", `meta.lastModified gt "2000-01-01T00:00:00Z"`, []string{"f-alice", "f-bob", "f-carol"}},
		{"boolean", `active eq false`, []string{"f-bob"}},
		{"and", `title pr and active eq true`, []string{"f-alice"}},
		{"or", `name.familyName eq "Baker" or name.familyName eq "Carter"`, []string{"f-bob", "f-carol"}},
		{"not", `not (title pr)`, []string{"f-carol"}},
		{"and binds tighter than or", `name.familyName eq "Archer" or name.familyName eq "Baker" and active eq true`,
			[]string{"f-alice"}},
		{"parentheses", `(name.familyName eq "Archer" or name.familyName eq "Baker") and active eq true`,
			[]string{"f-alice"}},
		{"operators in any case", `name.familyName EQ "Baker"`, []string{"f-bob"}},
		{"value path", `emails[type eq "work" and value co "alice"]`, []string{"f-alice"}},
		{"value path any element", `emails[type eq "home"]`, []string{"f-bob", "f-carol"}},
		{"sub-attribute of a multi-valued attribute", `emails.type eq "home"`, []string{"f-bob", "f-carol"}},
		{"primary", `emails[primary eq true and type eq "home"]`, []string{"f-carol"}},
		{"extension attribute", scim.EnterpriseUserURN + `:employeeNumber eq "1002"`, []string{"f-bob"}},
		{"extension and core", scim.EnterpriseUserURN + `:department eq "Engineering" and active eq true`,
			[]string{"f-alice", "f-carol"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *env) {
			got := t.filterUsers(scope + " and (" + c.filter + ")")
			require.ElementsMatch(t, c.want, got, "filter %s", c.filter)
		})
	}

	t.Run("POST .search", func(t *env) {
		resp := t.do(http.MethodPost, "/Users/.search", map[string]any{
			"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
			"filter":  scope + ` and name.familyName eq "Carter"`,
		})
		total, list := t.listResponse(resp)
		require.Equal(t, 1, total)
		require.Equal(t, p+"f-carol", list[0]["userName"])
	})

	t.Run("invalid filters", func(t *env) {
		for _, f := range []string{
			`userName eq`,
			`userName zz "x"`,
			`(userName eq "x"`,
			`userName eq "unterminated`,
			`emails[type eq "work"`,
		} {
			t.requireError(t.do(http.MethodGet, withQuery("/Users", "filter", f), nil),
				http.StatusBadRequest, scim.ErrorInvalidFilter)
		}
	})
}
