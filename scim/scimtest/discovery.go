package scimtest

import (
	"net/http"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
)

// checkDiscovery: the three discovery endpoints of RFC 7644 §4, which IdPs
// read when an administrator connects the app.
func checkDiscovery(t *env) {
	t.Run("ServiceProviderConfig", func(t *env) {
		resp := t.do(http.MethodGet, "/ServiceProviderConfig", nil)
		t.requireStatus(resp, http.StatusOK)
		t.requireSCIMContentType(resp)
		require.Contains(t, stringsOf(resp.JSON["schemas"]), scim.ServiceProviderConfigURN)
		for _, feature := range []string{"patch", "bulk", "filter", "changePassword", "sort", "etag"} {
			_, ok := dig(resp.JSON, feature, "supported").(bool)
			require.True(t, ok, "%s.supported must be a boolean: %s", feature, resp)
		}
		_, ok := resp.JSON["authenticationSchemes"].([]any)
		require.True(t, ok, "authenticationSchemes must be an array: %s", resp)
	})

	t.Run("Schemas", func(t *env) {
		total, list := t.list("/Schemas")
		require.Len(t, list, total)
		byID := map[string]map[string]any{}
		for _, s := range list {
			byID[str(s, "id")] = s
		}
		for _, urn := range []string{scim.UserURN, scim.EnterpriseUserURN, scim.GroupURN} {
			require.Contains(t, byID, urn, "/Schemas lacks %s", urn)
			require.NotEmpty(t, items(byID[urn], "attributes"), "schema %s has no attributes", urn)
		}
		var userName map[string]any
		for _, a := range items(byID[scim.UserURN], "attributes") {
			if str(a, "name") == "userName" {
				userName = a
			}
		}
		require.NotNil(t, userName, "the User schema lacks userName")
		require.Equal(t, true, userName["required"], "userName is required (RFC 7643 §4.1.1)")
		require.Contains(t, []any{"server", "global"}, userName["uniqueness"], "userName is unique")

		one := t.do(http.MethodGet, "/Schemas/"+scim.UserURN, nil)
		t.requireStatus(one, http.StatusOK)
		require.Equal(t, scim.UserURN, str(one.JSON, "id"))

		t.requireError(t.do(http.MethodGet, "/Schemas/urn:example:no:such:schema", nil), http.StatusNotFound)
	})

	t.Run("ResourceTypes", func(t *env) {
		_, list := t.list("/ResourceTypes")
		byName := map[string]map[string]any{}
		for _, rt := range list {
			byName[str(rt, "name")] = rt
		}
		require.Contains(t, byName, "User")
		require.Contains(t, byName, "Group")
		require.Equal(t, "/Users", str(byName["User"], "endpoint"))
		require.Equal(t, scim.UserURN, str(byName["User"], "schema"))
		require.Equal(t, "/Groups", str(byName["Group"], "endpoint"))
		require.Equal(t, scim.GroupURN, str(byName["Group"], "schema"))
		var exts []string
		for _, e := range items(byName["User"], "schemaExtensions") {
			exts = append(exts, str(e, "schema"))
		}
		require.Contains(t, exts, scim.EnterpriseUserURN)

		one := t.do(http.MethodGet, "/ResourceTypes/User", nil)
		t.requireStatus(one, http.StatusOK)
		require.Equal(t, "User", str(one.JSON, "name"))

		t.requireError(t.do(http.MethodGet, "/ResourceTypes/NoSuchType", nil), http.StatusNotFound)
	})
}
