package scim

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// patchGolden is one file of testdata/patch: a resource, a PatchOp request
// in the shape an IdP sends it, and the expected resource or error.
type patchGolden struct {
	Description  string          `json:"description"`
	Source       string          `json:"source"`
	ResourceType string          `json:"resourceType"`
	Before       json.RawMessage `json:"before"`
	Request      json.RawMessage `json:"request"`
	// After is the expected resource without id and meta, which PATCH
	// never changes.
	After json.RawMessage `json:"after"`
	Error *struct {
		Status   int       `json:"status"`
		ScimType ErrorType `json:"scimType"`
	} `json:"error"`
}

// TestPatchGoldens replays the tolerance cases of testdata/patch. File
// names start with the tolerance they cover (t1…t7, see ApplyPatch).
func TestPatchGoldens(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/patch/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	covered := map[string]bool{}
	for _, file := range files {
		covered[filepath.Base(file)[:2]] = true
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			var g patchGolden
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(&g))
			require.NotEmpty(t, g.Description)
			require.NotEmpty(t, g.Source)
			rt := DefaultCatalog().ResourceType(g.ResourceType)
			require.NotNil(t, rt, "resourceType %q", g.ResourceType)

			before := stored(t, rt, string(g.Before), "5d48a0a8-e8e4-4bd5-a5e5-7b5c1c2a7d10")
			body, err := DecodeRequest(bytes.NewReader(g.Request), DecodeOptions{Schemas: []string{PatchOpURN}})
			require.NoError(t, err)
			req, err := DecodePatch(body)
			require.NoError(t, err)
			got, err := rt.ApplyPatch(before, req)
			if g.Error != nil {
				requireSCIMError(t, err, g.Error.Status, g.Error.ScimType)
				return
			}
			require.NoError(t, err)
			require.NoError(t, rt.Validate(got))
			require.Equal(t, before["id"], got["id"])
			require.Equal(t, before["meta"], got["meta"])
			delete(got, "id")
			delete(got, "meta")
			b, err := json.Marshal(got)
			require.NoError(t, err)
			require.JSONEq(t, string(g.After), string(b))
		})
	}
	for _, tol := range []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7"} {
		require.True(t, covered[tol], "no golden for tolerance %s", tol)
	}
}
