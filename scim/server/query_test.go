package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
)

// queryBundle holds three users (alice, bob, carol: id-1…id-3) and two
// groups (Sales, Eng: id-4, id-5).
func queryBundle(t *testing.T, mutate ...func(*server.Config)) *testBundle {
	t.Helper()
	b := setup(t, mutate...)
	b.createUser(t, "alice", "title", "Engineer", "active", true)
	b.createUser(t, "bob", "title", "Manager", "active", false)
	b.createUser(t, "carol", "active", true)
	b.createGroup(t, "Sales", "id-1")
	b.createGroup(t, "Eng", "id-1", "id-3")
	return b
}

func TestQuery(t *testing.T) {
	t.Parallel()
	b := queryBundle(t)
	q := func(target string, params ...string) result {
		v := url.Values{}
		for i := 0; i+1 < len(params); i += 2 {
			v.Set(params[i], params[i+1])
		}
		return b.do(t, http.MethodGet, target+"?"+v.Encode(), nil)
	}

	t.Run("no match is 200 with an empty list", func(t *testing.T) {
		res := q("/Users", "filter", `userName eq "nobody"`)
		requireStatus(t, res, http.StatusOK)
		require.JSONEq(t, `{"schemas":["`+scim.ListResponseURN+`"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`,
			res.Body.String())
	})

	cases := []struct {
		name   string
		target string
		params []string
		want   []string
		total  int
	}{
		{"all in creation order", "/Users", nil, []string{"alice", "bob", "carol"}, 3},
		{"userName eq ignores case", "/Users", []string{"filter", `userName eq "BOB"`}, []string{"bob"}, 1},
		{"deactivated users are returned", "/Users", []string{"filter", `active eq false`}, []string{"bob"}, 1},
		{"sorted descending, paged", "/Users", []string{"sortBy", "userName", "sortOrder", "descending", "count", "2"}, []string{"carol", "bob"}, 3},
		{"second page", "/Users", []string{"sortBy", "userName", "startIndex", "3", "count", "2"}, []string{"carol"}, 3},
		{"count 0", "/Users", []string{"count", "0"}, nil, 3},
		{"group by member", "/Groups", []string{"filter", `members.value eq "id-3"`}, []string{"Eng"}, 1},
		{"group displayName ignores case", "/Groups", []string{"filter", `displayName eq "sales"`}, []string{"Sales"}, 1},
		{"root: users then groups", "/", nil, []string{"alice", "bob", "carol", "Sales", "Eng"}, 5},
		{"root: a page across types", "/", []string{"startIndex", "3", "count", "2"}, []string{"carol", "Sales"}, 5},
		{"root: a page in the second type", "/", []string{"startIndex", "5", "count", "2"}, []string{"Eng"}, 5},
		{"root: types that cannot take the filter are left out", "/", []string{"filter", `userName sw "a"`}, []string{"alice"}, 1},
		{"root: id", "/", []string{"filter", `id eq "id-4"`}, []string{"Sales"}, 1},
		{"root: sorted within each type", "/", []string{"sortBy", "displayName", "filter", `meta.resourceType eq "Group"`}, []string{"Eng", "Sales"}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := q(c.target, c.params...)
			require.Equal(t, c.want, listNames(t, res))
			require.Equal(t, json.Number(strconv.Itoa(c.total)), res.json["totalResults"])
			require.Equal(t, json.Number(strconv.Itoa(len(c.want))), res.json["itemsPerPage"])
		})
	}

	t.Run("root: a filter no type can take", func(t *testing.T) {
		requireError(t, q("/", "filter", `shoeSize eq 7`), http.StatusBadRequest, scim.ErrorInvalidFilter)
	})

	t.Run("projection applies to each resource", func(t *testing.T) {
		res := q("/Users", "filter", `userName eq "alice"`, "attributes", "title")
		require.Equal(t, map[string]any{"id": "id-1", "title": "Engineer", "schemas": []any{scim.UserURN}},
			res.json["Resources"].([]any)[0])
	})
}

func TestQueryMaxResults(t *testing.T) {
	t.Parallel()
	b := queryBundle(t, func(c *server.Config) { c.ServiceProviderConfig.Filter.MaxResults = 2 })
	res := b.do(t, http.MethodGet, "/Users?count=100", nil)
	require.Equal(t, []string{"alice", "bob"}, listNames(t, res))
	require.Equal(t, json.Number("3"), res.json["totalResults"])
}

func TestSearchBody(t *testing.T) {
	t.Parallel()
	b := queryBundle(t)
	cases := []struct {
		name   string
		target string
		body   string
		want   []string
	}{
		{"RFC form", "/Users/.search", `{"schemas":["` + server.SearchRequestURN + `"],"attributes":["userName","title"],` +
			`"filter":"title pr","sortBy":"userName","sortOrder":"descending","startIndex":1,"count":10}`, []string{"bob", "alice"}},
		{"strings for numbers and lists", "/Users/.search", `{"ATTRIBUTES":"userName","startIndex":"2","count":"1"}`, []string{"bob"}},
		{"no schemas, nulls", "/Users/.search", `{"filter":null,"count":null}`, []string{"alice", "bob", "carol"}},
		{"root", "/.search", `{"filter":"displayName sw \"S\""}`, []string{"Sales"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, listNames(t, b.do(t, http.MethodPost, c.target, c.body)))
		})
	}
	res := b.do(t, http.MethodPost, "/Users/.search", `{"attributes":["userName"],"filter":"userName eq \"alice\""}`)
	require.Equal(t, map[string]any{"id": "id-1", "userName": "alice", "schemas": []any{scim.UserURN}},
		res.json["Resources"].([]any)[0])
	requireError(t, b.do(t, http.MethodPost, "/Users/.search", `{"attributes":[1]}`), http.StatusBadRequest, scim.ErrorInvalidValue)
	requireError(t, b.do(t, http.MethodPost, "/Users/.search", `{"count":true}`), http.StatusBadRequest, scim.ErrorInvalidValue)
	requireError(t, b.do(t, http.MethodPost, "/Users/.search", `{"schemas":["`+scim.UserURN+`"]}`), http.StatusBadRequest, scim.ErrorInvalidSyntax)
}
