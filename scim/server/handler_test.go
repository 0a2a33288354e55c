package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
)

// TestRoutes drives every route to every status it answers. Each case
// runs on a fresh bundle holding one user (id-1, "alice") and one group
// (id-2, "Sales"); "{etag}" in a header is the user's current ETag.
func TestRoutes(t *testing.T) {
	t.Parallel()
	user := `{"schemas":["` + scim.UserURN + `"],"userName":"bob"}`
	patch := `{"schemas":["` + scim.PatchOpURN + `"],"Operations":[{"op":"replace","path":"displayName","value":"A"}]}`
	search := `{"schemas":["` + server.SearchRequestURN + `"],"filter":"userName eq \"alice\""}`
	bulk := `{"schemas":["` + server.BulkRequestURN + `"],"Operations":[{"method":"DELETE","path":"/Users/id-1"}]}`
	const stale = `W/"stale"`
	cases := []struct {
		name, method, target, body string
		headers                    []string
		status                     int
		scimType                   scim.ErrorType
	}{
		// Discovery.
		{"config", "GET", "/ServiceProviderConfig", "", nil, 200, ""},
		{"config 1.1 name", "GET", "/ServiceProviderConfigs", "", nil, 200, ""},
		{"config POST", "POST", "/ServiceProviderConfig", user, nil, 405, ""},
		{"schemas", "GET", "/Schemas", "", nil, 200, ""},
		{"schema", "GET", "/Schemas/" + scim.UserURN, "", nil, 200, ""},
		{"schema in any case", "GET", "/schemas/" + strings.ToLower(scim.GroupURN), "", nil, 200, ""},
		{"schema unknown", "GET", "/Schemas/urn:x:y", "", nil, 404, ""},
		{"schemas filtered", "GET", "/Schemas?filter=" + url.QueryEscape(`id eq "x"`), "", nil, 403, ""},
		{"resource types", "GET", "/ResourceTypes", "", nil, 200, ""},
		{"resource type", "GET", "/ResourceTypes/Group", "", nil, 200, ""},
		{"resource type unknown", "GET", "/ResourceTypes/Printer", "", nil, 404, ""},
		{"resource types filtered", "GET", "/ResourceTypes?filter=x", "", nil, 403, ""},
		{"schemas too deep", "GET", "/Schemas/a/b", "", nil, 404, ""},

		// Collection.
		{"list", "GET", "/Users", "", nil, 200, ""},
		{"list endpoint in any case", "GET", "/users/", "", nil, 200, ""},
		{"list groups", "GET", "/Groups", "", nil, 200, ""},
		{"create", "POST", "/Users", user, nil, 201, ""},
		{"create duplicate", "POST", "/Users", `{"userName":"ALICE"}`, nil, 409, scim.ErrorUniqueness},
		{"create group duplicate", "POST", "/Groups", `{"displayName":"sales"}`, nil, 409, scim.ErrorUniqueness},
		{"collection PATCH", "PATCH", "/Users", patch, nil, 405, ""},
		{"search", "POST", "/Users/.search", search, nil, 200, ""},
		{"search GET", "GET", "/Users/.search", "", nil, 405, ""},

		// One resource.
		{"get", "GET", "/Users/id-1", "", nil, 200, ""},
		{"get unknown", "GET", "/Users/nope", "", nil, 404, ""},
		{"get wrong type", "GET", "/Groups/id-1", "", nil, 404, ""},
		{"get not modified", "GET", "/Users/id-1", "", []string{"If-None-Match", "{etag}"}, 304, ""},
		{"get modified", "GET", "/Users/id-1", "", []string{"If-None-Match", stale}, 200, ""},
		{"put", "PUT", "/Users/id-1", `{"userName":"alice","title":"x"}`, nil, 200, ""},
		{"put unknown", "PUT", "/Users/nope", user, nil, 404, ""},
		{"put If-Match", "PUT", "/Users/id-1", user, []string{"If-Match", "{etag}"}, 200, ""},
		{"put If-Match stale", "PUT", "/Users/id-1", user, []string{"If-Match", stale}, 412, ""},
		{"put If-None-Match current", "PUT", "/Users/id-1", user, []string{"If-None-Match", "{etag}"}, 412, ""},
		{"put keeps its own unique value", "PUT", "/Groups/id-2", `{"displayName":"Sales"}`, nil, 200, ""},
		{"patch", "PATCH", "/Users/id-1", patch, nil, 200, ""},
		{"patch minimal", "PATCH", "/Users/id-1", patch, []string{"Prefer", "return=minimal"}, 204, ""},
		{"patch unknown", "PATCH", "/Users/nope", patch, nil, 404, ""},
		{"patch If-Match", "PATCH", "/Users/id-1", patch, []string{"If-Match", "{etag}"}, 200, ""},
		{"patch If-Match stale", "PATCH", "/Users/id-1", patch, []string{"If-Match", stale}, 412, ""},
		{"patch without PatchOp schema", "PATCH", "/Users/id-1", `{"Operations":[]}`, nil, 400, scim.ErrorInvalidSyntax},
		{"patch with a resource schema", "PATCH", "/Users/id-1", user, nil, 400, scim.ErrorInvalidSyntax},
		{"delete", "DELETE", "/Users/id-1", "", nil, 204, ""},
		{"delete unknown", "DELETE", "/Users/nope", "", nil, 404, ""},
		{"delete If-Match", "DELETE", "/Users/id-1", "", []string{"If-Match", "{etag}"}, 204, ""},
		{"delete If-Match stale", "DELETE", "/Users/id-1", "", []string{"If-Match", stale}, 412, ""},
		{"resource POST", "POST", "/Users/id-1", user, nil, 405, ""},

		// Root and bulk.
		{"root query", "GET", "/", "", nil, 200, ""},
		{"root search", "POST", "/.search", search, nil, 200, ""},
		{"root DELETE", "DELETE", "/", "", nil, 405, ""},
		{"bulk", "POST", "/Bulk", bulk, nil, 200, ""},
		{"bulk GET", "GET", "/Bulk", "", nil, 405, ""},

		// Nothing there.
		{"unknown endpoint", "GET", "/Printers", "", nil, 404, ""},
		{"too deep", "GET", "/Users/id-1/emails", "", nil, 404, ""},

		// Client mistakes.
		{"content type", "POST", "/Users", user, []string{"Content-Type", "text/plain"}, 415, ""},
		{"charset", "POST", "/Users", user, []string{"Content-Type", "application/json; charset=latin1"}, 415, ""},
		{"malformed content type", "POST", "/Users", user, []string{"Content-Type", "application/"}, 415, ""},
		{"oversized", "POST", "/Users", `{"userName":"` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, scim.ErrorTooLarge},
		{"malformed JSON", "POST", "/Users", `{"userName":`, nil, 400, scim.ErrorInvalidSyntax},
		{"not an object", "POST", "/Users", `["bob"]`, nil, 400, scim.ErrorInvalidSyntax},
		{"empty body", "POST", "/Users", "", []string{"Content-Type", "application/json"}, 400, scim.ErrorInvalidSyntax},
		{"wrong type", "POST", "/Users", `{"userName":7}`, nil, 400, scim.ErrorInvalidValue},
		{"unknown attribute", "POST", "/Users", `{"userName":"x","shoeSize":7}`, nil, 400, scim.ErrorInvalidSyntax},
		{"unknown schema", "POST", "/Users", `{"schemas":["urn:x"],"userName":"x"}`, nil, 400, scim.ErrorInvalidSyntax},
		{"group schema on a user", "POST", "/Users", `{"schemas":["` + scim.GroupURN + `"],"userName":"x"}`, nil, 400, scim.ErrorInvalidSyntax},
		{"missing userName", "POST", "/Users", `{"displayName":"x"}`, nil, 400, scim.ErrorInvalidValue},
		{"deep nesting", "POST", "/Users", `{"userName":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, nil, 400, scim.ErrorInvalidSyntax},
		{"bad UTF-8 body", "POST", "/Users", "{\"userName\":\"\xff\"}", nil, 400, scim.ErrorInvalidSyntax},
		{"invalid filter", "GET", "/Users?filter=" + url.QueryEscape(`userName eq`), "", nil, 400, scim.ErrorInvalidFilter},
		{"unknown filter attribute", "GET", "/Users?filter=" + url.QueryEscape(`shoeSize eq 7`), "", nil, 400, scim.ErrorInvalidFilter},
		{"password filter", "GET", "/Users?filter=" + url.QueryEscape(`password sw "a"`), "", nil, 400, scim.ErrorInvalidFilter},
		{"long filter", "GET", "/Users?filter=" + url.QueryEscape(`userName eq "`+strings.Repeat("a", 5000)+`"`), "", nil, 400, scim.ErrorInvalidFilter},
		{"deep filter", "GET", "/Users?filter=" + url.QueryEscape(strings.Repeat("(", 100)+`userName eq "a"`+strings.Repeat(")", 100)), "", nil, 400, scim.ErrorInvalidFilter},
		{"bad UTF-8 filter", "GET", "/Users?filter=userName%20eq%20%22%FF%22", "", nil, 400, scim.ErrorInvalidFilter},
		{"bad query escape", "GET", "/Users?filter=%zz", "", nil, 400, scim.ErrorInvalidValue},
		{"bad startIndex", "GET", "/Users?startIndex=one", "", nil, 400, scim.ErrorInvalidValue},
		{"bad count", "GET", "/Users?count=1.5", "", nil, 400, scim.ErrorInvalidValue},
		{"bad sortBy", "GET", "/Users?sortBy=shoeSize", "", nil, 400, scim.ErrorInvalidValue},
		{"bad sortOrder", "GET", "/Users?sortBy=userName&sortOrder=up", "", nil, 400, scim.ErrorInvalidValue},
		{"bad attributes", "GET", "/Users?attributes=" + url.QueryEscape("user Name"), "", nil, 400, scim.ErrorInvalidValue},
		{"bad attributes on create", "POST", "/Users?attributes=%2A", user, nil, 400, scim.ErrorInvalidValue},
		{"bad search body", "POST", "/Users/.search", `{"filter": 7}`, nil, 400, scim.ErrorInvalidValue},
		{"unknown search member", "POST", "/Users/.search", `{"fitler": "x"}`, nil, 400, scim.ErrorInvalidSyntax},
		{"bulk without schema", "POST", "/Bulk", `{"Operations":[]}`, nil, 400, scim.ErrorInvalidSyntax},
		{"bulk without Operations", "POST", "/Bulk", `{"schemas":["` + server.BulkRequestURN + `"]}`, nil, 400, scim.ErrorInvalidSyntax},
		{"bulk bad failOnErrors", "POST", "/Bulk", `{"schemas":["` + server.BulkRequestURN + `"],"failOnErrors":-1,"Operations":[]}`, nil, 400, scim.ErrorInvalidValue},
		{"bulk too many", "POST", "/Bulk", bulkOps(51), nil, 413, scim.ErrorTooMany},
		{"bulk too large", "POST", "/Bulk", `{"schemas":["` + server.BulkRequestURN + `"],"Operations":[],"x":"` + strings.Repeat("x", 64<<10) + `"}`, nil, 413, scim.ErrorTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.createUser(t, "alice")
			b.createGroup(t, "Sales")
			etag := b.do(t, "GET", "/Users/id-1", nil).Header().Get("ETag")
			headers := make([]string, len(c.headers))
			for i, h := range c.headers {
				headers[i] = strings.ReplaceAll(h, "{etag}", etag)
			}
			var body any
			if c.body != "" || len(headers) > 0 && headers[0] == "Content-Type" {
				body = c.body
			}
			res := b.do(t, c.method, c.target, body, headers...)
			switch {
			case c.status >= 400:
				requireError(t, res, c.status, c.scimType)
			case c.status == http.StatusNoContent || c.status == http.StatusNotModified:
				requireStatus(t, res, c.status)
				require.Empty(t, res.Body.String())
			default:
				requireStatus(t, res, c.status)
				require.Equal(t, server.ContentType, res.Header().Get("Content-Type"))
			}
			if c.status == http.StatusMethodNotAllowed {
				require.NotEmpty(t, res.Header().Get("Allow"))
			}
		})
	}
}

func bulkOps(n int) string {
	ops := make([]string, n)
	for i := range ops {
		ops[i] = `{"method":"DELETE","path":"/Users/x"}`
	}
	return `{"schemas":["` + server.BulkRequestURN + `"],"Operations":[` + strings.Join(ops, ",") + `]}`
}

// TestCreate checks a create response in full.
func TestCreate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.do(t, "POST", "/Users", map[string]any{
		"schemas": []any{scim.UserURN, scim.EnterpriseUserURN}, "userName": "alice",
		"password": "hunter2", "active": true,
		scim.EnterpriseUserURN: map[string]any{"department": "Sales"},
	})
	requireStatus(t, res, http.StatusCreated)
	require.Equal(t, server.ContentType, res.Header().Get("Content-Type"))
	require.Equal(t, "http://example.com/Users/id-1", res.Header().Get("Location"))
	require.Equal(t, map[string]any{
		"resourceType": "User", "created": "2026-03-02T09:00:00Z", "lastModified": "2026-03-02T09:00:00Z",
		"location": "http://example.com/Users/id-1", "version": res.Header().Get("ETag"),
	}, res.json["meta"])
	require.True(t, strings.HasPrefix(res.Header().Get("ETag"), `W/"`))
	require.Equal(t, "id-1", res.json["id"])
	require.NotContains(t, res.json, "password")

	stored, err := b.store.Get(t.Context(), "User", "id-1")
	require.NoError(t, err)
	require.NotContains(t, stored, "password", "password is not kept without changePassword")
	require.NotContains(t, stored["meta"], "location", "location is not stored")
	require.NoError(t, scim.UserResourceType().Validate(stored))

	t.Run("changePassword keeps it", func(t *testing.T) {
		b := setup(t, func(c *server.Config) { c.ServiceProviderConfig.ChangePassword = true })
		b.createUser(t, "alice", "password", "hunter2")
		stored, err := b.store.Get(t.Context(), "User", "id-1")
		require.NoError(t, err)
		require.Equal(t, "hunter2", stored["password"])
		require.NotContains(t, b.do(t, "GET", "/Users/id-1", nil).json, "password")
	})
}

// TestWriteMeta: versions and lastModified move only when content does.
func TestWriteMeta(t *testing.T) {
	t.Parallel()
	b := setup(t)
	created := b.createUser(t, "alice", "displayName", "Alice")
	v1 := dig(created, "meta", "version")

	b.clock.Advance(time.Hour)
	res := b.do(t, "PATCH", "/Users/id-1", patchOp(map[string]any{"op": "replace", "path": "displayName", "value": "Alice"}))
	requireStatus(t, res, http.StatusOK)
	require.Equal(t, created["meta"], res.json["meta"], "a PATCH that changes nothing keeps meta")

	res = b.do(t, "PUT", "/Users/id-1", map[string]any{"userName": "alice", "displayName": "Alice"})
	requireStatus(t, res, http.StatusOK)
	require.Equal(t, created["meta"], res.json["meta"], "a PUT that changes nothing keeps meta")

	res = b.do(t, "PUT", "/Users/id-1", map[string]any{"userName": "alice", "displayName": "Alice B"})
	requireStatus(t, res, http.StatusOK)
	require.Equal(t, "2026-03-02T09:00:00Z", dig(res.json, "meta", "created"))
	require.Equal(t, "2026-03-02T10:00:00Z", dig(res.json, "meta", "lastModified"))
	require.NotEqual(t, v1, dig(res.json, "meta", "version"))
	require.Equal(t, res.Header().Get("ETag"), dig(res.json, "meta", "version"))

	res = b.do(t, "PATCH", "/Users/id-1", patchOp(map[string]any{"op": "replace", "path": "displayName", "value": "C"}),
		"Prefer", "return=minimal")
	requireStatus(t, res, http.StatusNoContent)
	require.Equal(t, "return=minimal", res.Header().Get("Preference-Applied"))
	require.Equal(t, dig(b.do(t, "GET", "/Users/id-1", nil).json, "meta", "version"), res.Header().Get("ETag"))
}

// TestLocation: meta.location and Location follow the mount point.
func TestLocation(t *testing.T) {
	t.Parallel()
	t.Run("derived under StripPrefix", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		h := http.StripPrefix("/t/acme/scim/v2", b.h)
		req := httptest.NewRequest("POST", "https://tenure.example/t/acme/scim/v2/Users", strings.NewReader(`{"userName":"a"}`))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		require.Equal(t, "https://tenure.example/t/acme/scim/v2/Users/id-1", rec.Header().Get("Location"))

		req = httptest.NewRequest("GET", "https://tenure.example/t/acme/scim/v2/Schemas/"+scim.UserURN, nil)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Contains(t, rec.Body.String(), `"location":"https://tenure.example/t/acme/scim/v2/Schemas/`+scim.UserURN)
	})
	t.Run("configured", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(c *server.Config) {
			c.BaseURL = func(*http.Request) string { return "https://scim.example/v2" }
		})
		u := b.createUser(t, "a")
		require.Equal(t, "https://scim.example/v2/Users/id-1", dig(u, "meta", "location"))
		res := b.do(t, "GET", "/Users?filter="+url.QueryEscape(`userName eq "a"`), nil)
		require.Equal(t, "https://scim.example/v2/Users/id-1", dig(res.json["Resources"].([]any)[0], "meta", "location"))
	})
}

// TestBulkDisabled: without Bulk.Supported, /Bulk is 501 and the
// configuration says so.
func TestBulkDisabled(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *server.Config) { c.ServiceProviderConfig = scim.ServiceProviderConfig{} })
	requireError(t, b.do(t, "POST", "/Bulk", bulkOps(1)), http.StatusNotImplemented, "")
	cfg := b.do(t, "GET", "/ServiceProviderConfig", nil)
	require.Equal(t, false, dig(cfg.json, "bulk", "supported"))
	for _, f := range []string{"patch", "filter", "sort", "etag"} {
		require.Equal(t, true, dig(cfg.json, f, "supported"), f)
	}
	require.Equal(t, json.Number("1000"), dig(cfg.json, "filter", "maxResults"))
	require.Equal(t, "oauthbearertoken", dig(cfg.json["authenticationSchemes"].([]any)[0], "type"))
}

// TestServerFailures: a store failure or a panic is a 500 whose body does
// not leak the cause, which is logged.
func TestServerFailures(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *server.Config) { c.Store = failing{c.Store} })
	res := b.do(t, "GET", "/Users/id-1", nil)
	requireError(t, res, http.StatusInternalServerError, "")
	require.NotContains(t, res.Body.String(), "disk on fire")
	require.Contains(t, b.logs.String(), "disk on fire")

	res = b.do(t, "GET", "/Users", nil)
	requireError(t, res, http.StatusInternalServerError, "")
	require.Contains(t, b.logs.String(), "panic")

	res = b.do(t, "POST", "/Bulk", `{"schemas":["`+server.BulkRequestURN+`"],"Operations":[{"method":"PATCH","path":"/Users/x","data":`+
		`{"schemas":["`+scim.PatchOpURN+`"],"Operations":[{"op":"add","path":"title","value":"x"}]}}]}`)
	requireStatus(t, res, http.StatusOK)
	require.Equal(t, "500", dig(res.json["Operations"].([]any)[0], "status"))
	require.NotContains(t, res.Body.String(), "disk on fire")
}

// failing fails Get and Replace with an internal error, and panics in
// List.
type failing struct{ server.Store }

func (failing) Get(context.Context, string, string) (scim.Resource, error) {
	return nil, errors.New("disk on fire")
}

func (failing) Replace(context.Context, string, string, func(scim.Resource) (scim.Resource, error)) (scim.Resource, error) {
	return nil, errors.New("disk on fire")
}

func (failing) List(context.Context, string, server.Query) ([]scim.Resource, int, error) {
	panic("index corrupted")
}
