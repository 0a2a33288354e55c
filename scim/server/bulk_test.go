package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
)

// bulkResults posts a BulkRequest with ops (JSON objects) and returns the
// results.
func (b *testBundle) bulk(t *testing.T, failOnErrors string, ops ...string) []map[string]any {
	t.Helper()
	body := `{"schemas":["` + server.BulkRequestURN + `"],` + failOnErrors + `"Operations":[` + strings.Join(ops, ",") + `]}`
	res := b.do(t, http.MethodPost, "/Bulk", body)
	requireStatus(t, res, http.StatusOK)
	require.Equal(t, []any{server.BulkResponseURN}, res.json["schemas"])
	var out []map[string]any
	for _, r := range res.json["Operations"].([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

// statuses returns each result's status, and scimType for errors.
func statuses(results []map[string]any) []string {
	var out []string
	for _, r := range results {
		s := r["status"].(string)
		if t, ok := dig(r, "response", "scimType").(string); ok {
			s += " " + t
		}
		out = append(out, s)
	}
	return out
}

func TestBulk(t *testing.T) {
	t.Parallel()
	user := func(bulkID, userName string) string {
		return `{"method":"POST","path":"/Users","bulkId":"` + bulkID + `","data":{"schemas":["` + scim.UserURN + `"],"userName":"` + userName + `"}}`
	}
	patchMembers := func(path, member string) string {
		return `{"method":"PATCH","path":"` + path + `","data":{"schemas":["` + scim.PatchOpURN + `"],` +
			`"Operations":[{"op":"add","path":"members","value":[{"value":"` + member + `"}]}]}}`
	}

	t.Run("bulkId references", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		results := b.bulk(t, "",
			user("u1", "alice"),
			user("u2", "bob"),
			`{"method":"POST","path":"/Groups","bulkId":"g1","data":{"displayName":"Sales","members":[{"value":"bulkId:u1"}]}}`,
			patchMembers("/Groups/bulkId:g1", "bulkId:u2"),
			`{"method":"PATCH","path":"/Users/bulkId:u1","data":{"schemas":["`+scim.PatchOpURN+`"],"Operations":[`+
				`{"op":"add","path":"`+scim.EnterpriseUserURN+`:manager","value":"bulkId:u2"}]}}`,
			`{"method":"DELETE","path":"/Users/bulkId:u2"}`,
		)
		require.Equal(t, []string{"201", "201", "201", "200", "200", "204"}, statuses(results))
		require.NotEmpty(t, results[0]["version"])
		delete(results[0], "version")
		require.Equal(t, map[string]any{
			"method": "POST", "bulkId": "u1", "status": "201", "location": "http://example.com/Users/id-1",
		}, results[0])
		require.Equal(t, b.do(t, "GET", "/Users/id-1", nil).Header().Get("ETag"), results[4]["version"],
			"version is the resource's after the operation")
		require.Equal(t, "http://example.com/Groups/id-3", results[3]["location"])
		require.Equal(t, "http://example.com/Users/id-2", results[5]["location"])
		require.NotContains(t, results[5], "version")

		g := b.do(t, "GET", "/Groups/id-3", nil).json
		require.Equal(t, []any{map[string]any{"value": "id-1"}, map[string]any{"value": "id-2"}}, g["members"])
		require.Equal(t, "id-2", dig(b.do(t, "GET", "/Users/id-1", nil).json, scim.EnterpriseUserURN, "manager", "value"))
		requireStatus(t, b.do(t, "GET", "/Users/id-2", nil), http.StatusNotFound)
	})

	t.Run("per-operation errors", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.createUser(t, "alice")
		results := b.bulk(t, "",
			user("a", "alice"),                    // taken
			user("b", "bob"),                      // id-2
			user("b", "carol"),                    // bulkId used twice
			patchMembers("/Groups/bulkId:a", "x"), // a failed
			patchMembers("/Groups/bulkId:zz", "x"),
			`{"method":"POST","path":"/Groups","data":{"displayName":"G","members":[{"value":"bulkId:zz"}]}}`,
			`"not an object"`,
			`{"method":"GET","path":"/Users/id-1"}`,
			`{"method":"POST","path":"/Printers","data":{}}`,
			`{"method":"POST","path":"/Users/id-1","data":{}}`,
			`{"method":"DELETE","path":"/Users"}`,
			`{"method":"POST","path":"/Users"}`,
			`{"method":"DELETE","path":"/Users/id-1","color":"red"}`,
			`{"method":"DELETE","path":7}`,
			`{"method":"PUT","path":"/Users/id-1","data":{"userName":"alice","nickName":"Al"}}`,
		)
		require.Equal(t, []string{
			"409 uniqueness", "201", "400 invalidValue", "409 invalidValue", "409 invalidValue", "409 invalidValue",
			"400 invalidSyntax", "400 invalidSyntax", "400 invalidValue", "400 invalidValue", "400 invalidValue",
			"400 invalidSyntax", "400 invalidSyntax", "400 invalidSyntax", "200",
		}, statuses(results))
		require.Equal(t, []any{scim.ErrorURN}, dig(results[0], "response", "schemas"))
		require.Equal(t, "409", dig(results[0], "response", "status"))
		require.Equal(t, "http://example.com/Users/id-1", results[14]["location"])
	})

	t.Run("failOnErrors", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		bad := `{"method":"POST","path":"/Users","data":{"displayName":"no userName"}}`
		results := b.bulk(t, `"failOnErrors":2,`, bad, user("a", "alice"), bad, user("b", "bob"))
		require.Equal(t, []string{"400 invalidValue", "201", "400 invalidValue"}, statuses(results))
		requireStatus(t, b.do(t, "GET", "/Users/id-2", nil), http.StatusNotFound)
	})

	t.Run("version is If-Match", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		etag := b.createUser(t, "alice")["meta"].(map[string]any)["version"].(string)
		del := func(version string) string {
			op, err := json.Marshal(map[string]any{"method": "DELETE", "path": "/Users/id-1", "version": version})
			require.NoError(t, err)
			return string(op)
		}
		require.Equal(t, []string{"412"}, statuses(b.bulk(t, "", del(`W/"stale"`))))
		require.Equal(t, []string{"204"}, statuses(b.bulk(t, "", del(etag))))
	})

	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		require.Empty(t, setup(t).bulk(t, ""))
	})
}
