package scimtest

import (
	"net/http"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
)

// checkETags: versions and conditional requests (RFC 7644 §3.14).
func checkETags(t *env) {
	if !t.s.features.ETag {
		t.Skipf("ETags are not supported")
	}
	id := str(t.createUser("etag", map[string]any{"displayName": "Eve Tag"}), "id")
	path := "/Users/" + id
	current := func(t *env) string {
		t.Helper()
		resp := t.do(http.MethodGet, path, nil)
		t.requireStatus(resp, http.StatusOK)
		tag := resp.Header.Get("ETag")
		require.NotEmpty(t, tag, "ETag header: %s", resp)
		require.Equal(t, str(resp.JSON, "meta", "version"), tag, "ETag header and meta.version")
		return tag
	}
	const stale = `W/"0000000000000000stale"`

	t.Run("If-None-Match current is 304", func(t *env) {
		resp := t.do(http.MethodGet, path, nil, "If-None-Match", current(t))
		t.requireStatus(resp, http.StatusNotModified)
		require.Empty(t, resp.Body)
	})

	t.Run("If-None-Match stale is 200", func(t *env) {
		t.requireStatus(t.do(http.MethodGet, path, nil, "If-None-Match", stale), http.StatusOK)
	})

	t.Run("If-Match stale PUT is 412", func(t *env) {
		resp := t.do(http.MethodPut, path, map[string]any{"schemas": []any{scim.UserURN}, "userName": t.name("etag"), "displayName": "Lost Update"},
			"If-Match", stale)
		t.requireError(resp, http.StatusPreconditionFailed)
		require.Equal(t, "Eve Tag", t.get("/Users", id)["displayName"])
	})

	t.Run("a change changes the version", func(t *env) {
		before := current(t)
		resp := t.do(http.MethodPut, path, map[string]any{"schemas": []any{scim.UserURN}, "userName": t.name("etag"), "displayName": "Eve Changed"},
			"If-Match", before)
		t.requireStatus(resp, http.StatusOK)
		after := current(t)
		require.NotEqual(t, before, after)
		require.Equal(t, after, resp.Header.Get("ETag"), "the PUT answer carries the new ETag")

		if !t.s.features.Patch {
			return
		}
		t.requireError(t.do(http.MethodPatch, path, patchBody(op("replace", "displayName", "Lost")), "If-Match", before),
			http.StatusPreconditionFailed)
		resp = t.do(http.MethodPatch, path, patchBody(op("replace", "displayName", "Eve Patched")), "If-Match", after)
		t.requireStatus(resp, http.StatusOK, http.StatusNoContent)
		require.Equal(t, "Eve Patched", t.get("/Users", id)["displayName"])
		require.NotEqual(t, after, current(t))
	})

	t.Run("If-Match star", func(t *env) {
		resp := t.do(http.MethodPut, path, map[string]any{"schemas": []any{scim.UserURN}, "userName": t.name("etag"), "displayName": "Eve Star"}, "If-Match", "*")
		t.requireStatus(resp, http.StatusOK)
	})

	t.Run("DELETE with If-Match", func(t *env) {
		t.requireError(t.do(http.MethodDelete, path, nil, "If-Match", stale), http.StatusPreconditionFailed)
		t.requireStatus(t.do(http.MethodDelete, path, nil, "If-Match", current(t)), http.StatusNoContent)
	})
}
