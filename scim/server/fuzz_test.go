package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
)

var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// FuzzHandler holds the handler to its promise on any request: no
// client input is a 500 (or a panic), every error is a SCIM error body
// with the response's status, every success a JSON object. The handler
// serves a user (id-1) and a group (id-2) so that writes reach the store.
func FuzzHandler(f *testing.F) {
	user := `{"schemas":["` + scim.UserURN + `"],"userName":"bob","emails":[{"value":"b@x","primary":"True"}]}`
	seeds := []struct {
		method       uint8
		target, body string
	}{
		{1, "/Users", user},
		{2, "/Users/id-1", user},
		{0, `/Users?filter=userName%20eq%20%22alice%22&attributes=userName&sortBy=userName&count=1`, ""},
		{0, `/?filter=id%20eq%20%22id-2%22&startIndex=2`, ""},
		{1, "/Users/.search", `{"filter":"emails[type eq \"work\"]","attributes":["userName"],"count":2}`},
		{1, "/Bulk", `{"schemas":["` + server.BulkRequestURN + `"],"failOnErrors":1,"Operations":[` +
			`{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"c"}},` +
			`{"method":"PATCH","path":"/Groups/id-2","data":{"schemas":["` + scim.PatchOpURN + `"],"Operations":[{"op":"add","path":"members","value":[{"value":"bulkId:a"}]}]}}]}`},
		{4, "/Groups/id-2", ""},
		{0, "/Schemas/" + scim.EnterpriseUserURN, ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, []byte(s.body))
	}
	files, err := filepath.Glob("../testdata/patch/*.json")
	require.NoError(f, err)
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(f, err)
		var g struct {
			ResourceType string          `json:"resourceType"`
			Request      json.RawMessage `json:"request"`
		}
		require.NoError(f, json.Unmarshal(data, &g))
		var compact bytes.Buffer
		require.NoError(f, json.Compact(&compact, g.Request))
		target := "/Users/id-1"
		if g.ResourceType == "Group" {
			target = "/Groups/id-2"
		}
		f.Add(uint8(3), target, compact.Bytes())
	}

	f.Fuzz(func(t *testing.T, method uint8, target string, body []byte) {
		if len(body) > 4<<10 || len(target) > 512 || !strings.HasPrefix(target, "/") {
			return
		}
		req, err := http.NewRequest(fuzzMethods[int(method)%len(fuzzMethods)], "http://example.com"+target, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.RequestURI = req.URL.RequestURI()
		req.Header.Set("Content-Type", "application/scim+json")
		req.Header.Set("Prefer", "return=representation")
		b := setup(t)
		b.createUser(t, "alice", "emails", []any{map[string]any{"value": "a@x", "type": "work"}})
		b.createGroup(t, "Sales", "id-1")
		rec := httptest.NewRecorder()
		b.h.ServeHTTP(rec, req)

		require.Less(t, rec.Code, 500, "%s %s %q → %s", req.Method, target, body, rec.Body.String())
		if rec.Code == http.StatusNoContent || rec.Code == http.StatusNotModified {
			return
		}
		require.Equal(t, server.ContentType, rec.Header().Get("Content-Type"))
		var obj map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &obj), rec.Body.String())
		if rec.Code >= 400 {
			var e scim.Error
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
			require.Equal(t, rec.Code, e.Status)
			require.Equal(t, []any{scim.ErrorURN}, obj["schemas"])
		}
		// Whatever happened, what is stored is still valid.
		for rt, id := range map[string]string{"User": "id-1", "Group": "id-2"} {
			if res, err := b.store.Get(t.Context(), rt, id); err == nil {
				require.NoError(t, scim.DefaultCatalog().ResourceType(rt).Validate(res), "%s %s", rt, id)
			}
		}
	})
}
