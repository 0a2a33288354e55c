package scimtest

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
)

const (
	bulkRequestURN  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	bulkResponseURN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

func bulkBody(failOnErrors int, ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	b := map[string]any{"schemas": []any{bulkRequestURN}, "Operations": list}
	if failOnErrors > 0 {
		b["failOnErrors"] = failOnErrors
	}
	return b
}

func bulkOp(method, path, bulkID string, data any) map[string]any {
	m := map[string]any{"method": method, "path": path}
	if bulkID != "" {
		m["bulkId"] = bulkID
	}
	if data != nil {
		m["data"] = data
	}
	return m
}

// bulk sends a BulkRequest, requires a 200 BulkResponse, schedules the
// deletion of what it created and returns the operation results.
func (t *env) bulk(body map[string]any) []map[string]any {
	t.Helper()
	resp := t.do(http.MethodPost, "/Bulk", body)
	results := t.bulkCreated(resp)
	t.requireStatus(resp, http.StatusOK)
	require.Contains(t, stringsOf(resp.JSON["schemas"]), bulkResponseURN)
	return results
}

// bulkCreated schedules the deletion of the resources a bulk response
// says were created, and returns its operation results.
func (t *env) bulkCreated(resp *response) []map[string]any {
	var results []map[string]any
	if resp.JSON != nil {
		results = items(resp.JSON, "Operations")
	}
	for _, r := range results {
		status := intOf(r["status"])
		if strings.EqualFold(str(r, "method"), http.MethodPost) && status == http.StatusCreated {
			endpoint, id := "/Users", idOf(r)
			if strings.Contains(str(r, "location"), "/Groups/") {
				endpoint = "/Groups"
			}
			if id != "" {
				t.created(endpoint, id)
			}
		}
	}
	return results
}

// idOf returns the id at the end of a bulk result's location.
func idOf(result map[string]any) string {
	loc := str(result, "location")
	return loc[strings.LastIndexByte(loc, '/')+1:]
}

// checkBulk: /Bulk (RFC 7644 §3.7) with bulkId references, failOnErrors
// and the limits.
func checkBulk(t *env) {
	if !t.s.features.Bulk {
		t.Skipf("bulk is not supported")
	}

	t.Run("bulkId references", func(t *env) {
		results := t.bulk(bulkBody(0,
			bulkOp("POST", "/Users", "u1", map[string]any{"schemas": []any{scim.UserURN}, "userName": t.name("bulk-1")}),
			bulkOp("POST", "/Users", "u2", map[string]any{"schemas": []any{scim.UserURN}, "userName": t.name("bulk-2")}),
			bulkOp("POST", "/Groups", "g1", map[string]any{
				"schemas": []any{scim.GroupURN}, "displayName": t.name("bulk-group"),
				"members": []any{map[string]any{"value": "bulkId:u1", "type": "User"}},
			}),
			bulkOp("PATCH", "/Groups/bulkId:g1", "", patchBody(op("add", "members", []any{map[string]any{"value": "bulkId:u2"}}))),
			bulkOp("PUT", "/Users/bulkId:u2", "", map[string]any{
				"schemas": []any{scim.UserURN}, "userName": t.name("bulk-2"), "displayName": "Bulk Two",
			}),
		))
		require.Len(t, results, 5)
		wantStatus := []int{201, 201, 201, 200, 200}
		for i, r := range results {
			require.Equal(t, wantStatus[i], intOf(r["status"]), "operation %d: %v", i, r)
			require.NotEmpty(t, str(r, "location"), "operation %d has a location", i)
		}
		require.Equal(t, "u1", results[0]["bulkId"])
		u1, u2, g1 := idOf(results[0]), idOf(results[1]), idOf(results[2])
		g := t.get("/Groups", g1)
		require.ElementsMatch(t, []string{u1, u2}, values(g, "members"), "bulkId references resolved to ids")
		require.Equal(t, "Bulk Two", t.get("/Users", u2)["displayName"])
		require.Equal(t, idOf(results[3]), g1)

		results = t.bulk(bulkBody(0, bulkOp("DELETE", "/Groups/"+g1, "", nil)))
		require.Equal(t, 204, intOf(results[0]["status"]))
		t.requireError(t.do(http.MethodGet, "/Groups/"+g1, nil), http.StatusNotFound)
	})

	t.Run("errors are per operation", func(t *env) {
		results := t.bulk(bulkBody(0,
			bulkOp("POST", "/Users", "bad", map[string]any{"schemas": []any{scim.UserURN}, "displayName": "no userName"}),
			bulkOp("POST", "/Users", "good", map[string]any{"schemas": []any{scim.UserURN}, "userName": t.name("bulk-after-error")}),
		))
		require.Len(t, results, 2)
		require.Equal(t, 400, intOf(results[0]["status"]))
		require.Contains(t, stringsOf(dig(results[0], "response", "schemas")), scim.ErrorURN)
		require.Equal(t, 201, intOf(results[1]["status"]))
	})

	t.Run("failOnErrors", func(t *env) {
		results := t.bulk(bulkBody(1,
			bulkOp("POST", "/Users", "bad", map[string]any{"schemas": []any{scim.UserURN}, "displayName": "no userName"}),
			bulkOp("POST", "/Users", "never", map[string]any{"schemas": []any{scim.UserURN}, "userName": t.name("bulk-never")}),
		))
		require.Len(t, results, 1, "processing stops after failOnErrors errors")
		require.Equal(t, 400, intOf(results[0]["status"]))
		require.Empty(t, t.filterUsers(`userName eq "`+t.name("bulk-never")+`"`))
	})

	t.Run("unresolved bulkId", func(t *env) {
		results := t.bulk(bulkBody(0,
			bulkOp("PATCH", "/Users/bulkId:nowhere", "", patchBody(op("replace", "displayName", "x"))),
		))
		require.Len(t, results, 1)
		status := intOf(results[0]["status"])
		require.True(t, status >= 400 && status < 500, "an unresolvable bulkId is a client error: %v", results[0])
	})

	t.Run("maxOperations", func(t *env) {
		n := t.s.features.BulkMaxOperations
		if n <= 0 || n > 10000 {
			t.Skipf("maxOperations %d is not testable", n)
		}
		ops := make([]map[string]any, n+1)
		for i := range ops {
			ops[i] = bulkOp("DELETE", "/Users/00000000-0000-4000-8000-"+strconv.Itoa(100000000000+i), "", nil)
		}
		resp := t.do(http.MethodPost, "/Bulk", bulkBody(0, ops...))
		t.requireError(resp, http.StatusRequestEntityTooLarge)
	})

	t.Run("maxPayloadSize", func(t *env) {
		n := t.s.features.BulkMaxPayloadSize
		if n <= 0 || n > 16<<20 {
			t.Skipf("maxPayloadSize %d is not testable", n)
		}
		resp := t.do(http.MethodPost, "/Bulk", bulkBody(0, bulkOp("POST", "/Users", "big", map[string]any{
			"schemas": []any{scim.UserURN}, "userName": t.name("bulk-big"), "displayName": strings.Repeat("x", n),
		})))
		t.bulkCreated(resp)
		t.requireError(resp, http.StatusRequestEntityTooLarge)
	})
}
