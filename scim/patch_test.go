package scim

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func patchBody(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`
}

func TestDecodePatch(t *testing.T) {
	t.Parallel()
	req, err := DecodePatch(decode(t, `{"schemas":["URN:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[
		{"op":"Add","path":"members","value":[{"value":"u1"}]},
		{"OP":"REPLACE","Path":"emails[type eq \"work\"].value","Value":"x"},
		{"op":"remove","path":"title"},
		{"op":"replace","path":null,"value":{"active":false}},
		{"op":"replace","path":"  ","value":{"active":true}}
	]}`))
	require.NoError(t, err)
	require.Len(t, req.Operations, 5)
	require.Equal(t, []Op{OpAdd, OpReplace, OpRemove, OpReplace, OpReplace}, []Op{
		req.Operations[0].Op, req.Operations[1].Op, req.Operations[2].Op, req.Operations[3].Op, req.Operations[4].Op,
	})
	require.Equal(t, `emails[type eq "work"].value`, req.Operations[1].Path.String())
	require.Nil(t, req.Operations[3].Path)
	require.Nil(t, req.Operations[4].Path, "a blank path is no path")
}

func TestDecodePatchErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		typ        ErrorType
		detail     string
	}{
		{"no PatchOp schema", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"remove","path":"title"}]}`,
			ErrorInvalidSyntax, "schemas must include"},
		{"schemas not an array", `{"schemas":"x","Operations":[]}`, ErrorInvalidSyntax, "schemas"},
		{"no operations", patchBody(`[]`), ErrorInvalidValue, "at least one operation"},
		{"operations not an array", patchBody(`{}`), ErrorInvalidSyntax, "Operations: expected an array"},
		{"unknown member", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[],"id":"x"}`,
			ErrorInvalidSyntax, `unknown member "id"`},
		{"operation not an object", patchBody(`["add"]`), ErrorInvalidSyntax, "Operations[0]: expected an object"},
		{"unknown op", patchBody(`[{"op":"move","path":"title"}]`), ErrorInvalidSyntax, `op "move" is not add, replace or remove`},
		{"op not a string", patchBody(`[{"op":1,"path":"title"}]`), ErrorInvalidSyntax, "op: expected a string"},
		{"unknown operation member", patchBody(`[{"op":"remove","path":"title","from":"x"}]`), ErrorInvalidSyntax, `"from"`},
		{"path not a string", patchBody(`[{"op":"remove","path":7}]`), ErrorInvalidPath, "path: expected a string"},
		{"bad path", patchBody(`[{"op":"remove","path":"emails[type eq]"}]`), ErrorInvalidPath, "Operations[0]: invalid path at offset 14"},
		{"remove without path", patchBody(`[{"op":"Remove"}]`), ErrorNoTarget, "remove needs a path"},
		{"add without value", patchBody(`[{"op":"add","path":"title"}]`), ErrorInvalidValue, "add needs a value"},
		{"no path, value not an object", patchBody(`[{"op":"replace","value":"x"}]`), ErrorInvalidValue, "needs an object value"},
		{"second operation is bad", patchBody(`[{"op":"remove","path":"title"},{"op":"x"}]`), ErrorInvalidSyntax, "Operations[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodePatch(decode(t, tt.body))
			se := requireSCIMError(t, err, 400, tt.typ)
			require.Contains(t, se.Detail, tt.detail)
		})
	}
}

type patchCase struct {
	name string
	ops  string // the Operations array
	// want holds the expected value of some top-level keys; null means
	// absent. Other keys must be unchanged.
	want   string
	err    ErrorType
	detail string
}

// runPatchCases applies each case to a fresh copy of before and checks the
// result: the wanted keys, every other key unchanged, canonical form; or
// the error, with before untouched.
func runPatchCases(t *testing.T, rt *ResourceType, before func(testing.TB) Resource, tests []patchCase) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := before(t)
			orig := deepCopy(res).(Resource)
			req, err := DecodePatch(decode(t, patchBody(tt.ops)))
			require.NoError(t, err)
			got, err := rt.ApplyPatch(res, req)
			require.Equal(t, orig, res, "ApplyPatch must not modify its input")
			if tt.err != "" {
				se := requireSCIMError(t, err, 400, tt.err)
				require.Contains(t, se.Detail, tt.detail)
				require.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.NoError(t, rt.Validate(got))
			var want map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(tt.want), &want))
			for k, v := range want {
				if string(v) == "null" {
					require.NotContains(t, got, k)
					continue
				}
				b, err := json.Marshal(got[k])
				require.NoError(t, err)
				require.JSONEq(t, string(v), string(b), "key %s", k)
			}
			for k, v := range orig {
				if _, checked := want[k]; !checked && k != "schemas" {
					require.Equal(t, v, got[k], "key %s changed", k)
				}
			}
		})
	}
}

func TestPatchUserSimpleAndComplex(t *testing.T) {
	t.Parallel()
	runPatchCases(t, UserResourceType(), sampleUser, []patchCase{
		{name: "replace simple", ops: `[{"op":"replace","path":"displayName","value":"Alice E."}]`,
			want: `{"displayName":"Alice E."}`},
		{name: "add simple when absent", ops: `[{"op":"add","path":"nickName","value":"Al"}]`, want: `{"nickName":"Al"}`},
		{name: "add simple when present replaces", ops: `[{"op":"add","path":"title","value":"CTO"}]`, want: `{"title":"CTO"}`},
		{name: "path in any case", ops: `[{"op":"replace","path":"DISPLAYNAME","value":"A"}]`, want: `{"displayName":"A"}`},
		{name: "core URN-qualified path", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:title","value":"X"}]`,
			want: `{"title":"X"}`},
		{name: "remove simple", ops: `[{"op":"remove","path":"title"}]`, want: `{"title":null}`},
		{name: "remove absent is a no-op", ops: `[{"op":"remove","path":"nickName"}]`, want: `{}`},
		{name: "null unassigns", ops: `[{"op":"replace","path":"title","value":null}]`, want: `{"title":null}`},
		{name: "boolean as string", ops: `[{"op":"Replace","path":"active","value":"False"}]`, want: `{"active":false}`},
		{name: "replace complex merges", ops: `[{"op":"replace","path":"name","value":{"givenName":"Alicia","middleName":"M"}}]`,
			want: `{"name":{"givenName":"Alicia","middleName":"M","familyName":"Example","formatted":"Alice Example"}}`},
		{name: "add complex merges", ops: `[{"op":"add","path":"name","value":{"honorificPrefix":"Dr."}}]`,
			want: `{"name":{"givenName":"Alice","familyName":"Example","formatted":"Alice Example","honorificPrefix":"Dr."}}`},
		{name: "a null sub-attribute in a merge is unassigned", ops: `[{"op":"replace","path":"name","value":{"givenName":"Al","formatted":null}}]`,
			want: `{"name":{"givenName":"Al","familyName":"Example"}}`},
		{name: "an empty object changes nothing", ops: `[{"op":"add","path":"name","value":{}}]`, want: `{}`},
		{name: "sub-attribute", ops: `[{"op":"replace","path":"name.familyName","value":"Smith"}]`,
			want: `{"name":{"givenName":"Alice","familyName":"Smith","formatted":"Alice Example"}}`},
		{name: "remove sub-attribute", ops: `[{"op":"remove","path":"name.formatted"}]`,
			want: `{"name":{"givenName":"Alice","familyName":"Example"}}`},
		{name: "remove the last sub-attributes unassigns", ops: `[{"op":"remove","path":"name.givenName"},{"op":"remove","path":"name.familyName"},{"op":"remove","path":"name.formatted"}]`,
			want: `{"name":null}`},
		{name: "filter on a single complex value", ops: `[{"op":"replace","path":"name[givenName eq \"alice\"].familyName","value":"F"}]`,
			want: `{"name":{"givenName":"Alice","familyName":"F","formatted":"Alice Example"}}`},
		{name: "operations apply in order", ops: `[{"op":"add","path":"nickName","value":"A"},{"op":"replace","path":"nickName","value":"B"},{"op":"remove","path":"title"}]`,
			want: `{"nickName":"B","title":null}`},
		{name: "password is writable", ops: `[{"op":"replace","path":"password","value":"n3w"}]`, want: `{"password":"n3w"}`},

		{name: "readOnly id", ops: `[{"op":"replace","path":"id","value":"x"}]`, err: ErrorMutability, detail: `"id" is readOnly`},
		{name: "readOnly meta sub-attribute", ops: `[{"op":"replace","path":"meta.created","value":"2020-01-01T00:00:00Z"}]`,
			err: ErrorMutability, detail: "readOnly"},
		{name: "readOnly groups", ops: `[{"op":"add","path":"groups","value":[{"value":"g"}]}]`, err: ErrorMutability},
		{name: "readOnly schemas", ops: `[{"op":"remove","path":"schemas"}]`, err: ErrorMutability},
		{name: "required userName cannot be removed", ops: `[{"op":"remove","path":"userName"}]`,
			err: ErrorInvalidValue, detail: `"userName" is required`},
		{name: "required userName cannot be nulled", ops: `[{"op":"replace","path":"userName","value":null}]`, err: ErrorInvalidValue},
		{name: "unknown attribute", ops: `[{"op":"replace","path":"shoeSize","value":42}]`, err: ErrorInvalidPath, detail: `unknown attribute "shoeSize"`},
		{name: "unknown sub-attribute", ops: `[{"op":"replace","path":"name.nick","value":"x"}]`, err: ErrorInvalidPath},
		{name: "wrong type", ops: `[{"op":"replace","path":"active","value":"maybe"}]`, err: ErrorInvalidValue, detail: "active: expected a boolean"},
		{name: "object for a simple attribute", ops: `[{"op":"add","path":"title","value":{"x":1}}]`, err: ErrorInvalidValue},
		{name: "filter on a simple attribute", ops: `[{"op":"replace","path":"title[value eq \"x\"]","value":"y"}]`,
			err: ErrorInvalidPath, detail: "only a complex attribute"},
		{name: "no match on a single complex value", ops: `[{"op":"replace","path":"name[givenName eq \"bob\"].familyName","value":"F"}]`,
			err: ErrorNoTarget},
		{name: "atomic: a failing operation undoes the earlier ones", ops: `[{"op":"replace","path":"displayName","value":"X"},{"op":"remove","path":"emails[type eq \"fax\"]"}]`,
			err: ErrorNoTarget, detail: "Operations[1]"},
	})
}

func TestPatchUserMultiValued(t *testing.T) {
	t.Parallel()
	work := `{"value":"alice@example.com","type":"work","primary":true}`
	home := `{"value":"alice@home.example","type":"home"}`
	runPatchCases(t, UserResourceType(), sampleUser, []patchCase{
		{name: "add appends", ops: `[{"op":"add","path":"emails","value":[{"value":"a@other.example","type":"other"}]}]`,
			want: `{"emails":[` + work + `,` + home + `,{"value":"a@other.example","type":"other"}]}`},
		{name: "add a single item without array", ops: `[{"op":"add","path":"emails","value":{"value":"a@other.example"}}]`,
			want: `{"emails":[` + work + `,` + home + `,{"value":"a@other.example"}]}`},
		{name: "add an existing item merges instead of duplicating",
			ops:  `[{"op":"add","path":"emails","value":[{"value":"ALICE@home.example","type":"home","display":"Home"}]}]`,
			want: `{"emails":[` + work + `,{"value":"alice@home.example","type":"home","display":"Home"}]}`},
		{name: "add primary clears the other primaries",
			ops:  `[{"op":"add","path":"emails","value":[{"value":"new@example.com","type":"work","primary":"True"}]}]`,
			want: `{"emails":[{"value":"alice@example.com","type":"work","primary":false},` + home + `,{"value":"new@example.com","type":"work","primary":true}]}`},
		{name: "add two primaries at once", ops: `[{"op":"add","path":"emails","value":[{"value":"a","primary":true},{"value":"b","primary":true}]}]`,
			err: ErrorInvalidValue, detail: "primary is true on 2 items"},
		{name: "replace replaces all", ops: `[{"op":"replace","path":"emails","value":[{"value":"only@example.com"}]}]`,
			want: `{"emails":[{"value":"only@example.com"}]}`},
		{name: "replace with empty array unassigns", ops: `[{"op":"replace","path":"emails","value":[]}]`, want: `{"emails":null}`},
		{name: "remove all", ops: `[{"op":"remove","path":"emails"}]`, want: `{"emails":null}`},
		{name: "remove matched", ops: `[{"op":"remove","path":"emails[type eq \"home\"]"}]`, want: `{"emails":[` + work + `]}`},
		{name: "remove matched, none left, unassigns", ops: `[{"op":"remove","path":"phoneNumbers[type eq \"work\"]"}]`,
			want: `{"phoneNumbers":null}`},
		{name: "remove matching nothing is noTarget", ops: `[{"op":"remove","path":"emails[type eq \"other\"]"}]`,
			err: ErrorNoTarget, detail: `no value of "emails" matches the filter`},
		{name: "remove by value list", ops: `[{"op":"remove","path":"emails","value":[{"value":"alice@home.example"}]}]`,
			want: `{"emails":[` + work + `]}`},
		{name: "remove a sub-attribute of matched items", ops: `[{"op":"remove","path":"emails[type eq \"home\"].type"}]`,
			want: `{"emails":[` + work + `,{"value":"alice@home.example"}]}`},
		{name: "replace a sub-attribute of matched items", ops: `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"alice@new.example"}]`,
			want: `{"emails":[{"value":"alice@new.example","type":"work","primary":true},` + home + `]}`},
		{name: "filter with and", ops: `[{"op":"replace","path":"emails[type eq \"work\" and primary eq true].display","value":"W"}]`,
			want: `{"emails":[{"value":"alice@example.com","type":"work","primary":true,"display":"W"},` + home + `]}`},
		{name: "replace a matched item whole", ops: `[{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"h@x.org","type":"home"}}]`,
			want: `{"emails":[` + work + `,{"value":"h@x.org","type":"home"}]}`},
		{name: "add merges into a matched item", ops: `[{"op":"add","path":"emails[type eq \"home\"]","value":{"display":"Home"}}]`,
			want: `{"emails":[` + work + `,{"value":"alice@home.example","type":"home","display":"Home"}]}`},
		{name: "primary set through a filter, as a string",
			ops:  `[{"op":"replace","path":"emails[type eq \"home\"].primary","value":"True"}]`,
			want: `{"emails":[{"value":"alice@example.com","type":"work","primary":false},{"value":"alice@home.example","type":"home","primary":true}]}`},
		{name: "filtered replace matching nothing creates the item",
			ops:  `[{"op":"replace","path":"emails[type eq \"other\"].value","value":"o@x.org"}]`,
			want: `{"emails":[` + work + `,` + home + `,{"type":"other","value":"o@x.org"}]}`},
		{name: "filtered add matching nothing creates the item, on an absent attribute",
			ops:  `[{"op":"add","path":"ims[type eq \"xmpp\" and primary eq \"true\"].value","value":"alice@jabber.example"}]`,
			want: `{"ims":[{"type":"xmpp","primary":true,"value":"alice@jabber.example"}]}`},
		{name: "filtered add of a whole item matching nothing creates it",
			ops:  `[{"op":"add","path":"phoneNumbers[type eq \"mobile\"]","value":{"value":"+1 555 0199"}}]`,
			want: `{"phoneNumbers":[{"value":"+1 555 0100","type":"work"},{"type":"mobile","value":"+1 555 0199"}]}`},
		{name: "filtered replace matching nothing with null does nothing",
			ops: `[{"op":"replace","path":"emails[type eq \"other\"].value","value":null}]`, want: `{}`},
		{name: "filter that cannot describe an item", ops: `[{"op":"replace","path":"emails[type eq \"x\" or type eq \"y\"].value","value":"v"}]`,
			err: ErrorNoTarget, detail: "none can be created"},
		{name: "filter with co cannot describe an item", ops: `[{"op":"add","path":"emails[value co \"zzz\"].type","value":"work"}]`,
			err: ErrorNoTarget},
		{name: "sub-attribute of every item", ops: `[{"op":"replace","path":"phoneNumbers.type","value":"mobile"}]`,
			want: `{"phoneNumbers":[{"value":"+1 555 0100","type":"mobile"}]}`},
		{name: "sub-attribute of an absent multi-valued attribute creates an item",
			ops: `[{"op":"add","path":"roles.value","value":"admin"}]`, want: `{"roles":[{"value":"admin"}]}`},
		{name: "unknown sub-attribute in a filter", ops: `[{"op":"remove","path":"emails[kind eq \"x\"]"}]`,
			err: ErrorInvalidPath, detail: `unknown sub-attribute "kind"`},
		{name: "bad filter literal", ops: `[{"op":"remove","path":"emails[primary eq \"yes\"]"}]`,
			err: ErrorInvalidPath, detail: "expected true or false"},
	})
}

func TestPatchUserPathless(t *testing.T) {
	t.Parallel()
	runPatchCases(t, UserResourceType(), sampleUser, []patchCase{
		{name: "Okta deactivate", ops: `[{"op":"replace","value":{"active":false}}]`, want: `{"active":false}`},
		{name: "several attributes, any case, readOnly keys ignored",
			ops:  `[{"op":"Replace","value":{"DisplayName":"A","id":"forged","meta":{"version":"x"},"schemas":["y"],"groups":[]}}]`,
			want: `{"displayName":"A"}`},
		{name: "dotted sub-paths", ops: `[{"op":"add","value":{"name.givenName":"Ally","name.middleName":"B"}}]`,
			want: `{"name":{"givenName":"Ally","middleName":"B","familyName":"Example","formatted":"Alice Example"}}`},
		{name: "URN-qualified extension attributes",
			ops: `[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Sales",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization":"Acme"}}]`,
			want: `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","department":"Sales",
				"organization":"Acme","costCenter":"4130","manager":{"value":"26118915-6090-4610-87e4-49d8ca9f808d"}}}`},
		{name: "extension object",
			ops: `[{"op":"add","value":{"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"Division":"EMEA","costCenter":null}}}]`,
			want: `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","department":"Engineering",
				"division":"EMEA","manager":{"value":"26118915-6090-4610-87e4-49d8ca9f808d"}}}`},
		{name: "unknown key", ops: `[{"op":"replace","value":{"shoeSize":42}}]`, err: ErrorInvalidSyntax, detail: `value member "shoeSize"`},
		{name: "unknown key in extension object",
			ops: `[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"badge":1}}}]`,
			err: ErrorInvalidSyntax, detail: `"badge"`},
		{name: "bad value in the object", ops: `[{"op":"replace","value":{"active":"maybe"}}]`, err: ErrorInvalidValue},
	})
}

func TestPatchManagerAndExtension(t *testing.T) {
	t.Parallel()
	const ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	rest := `"employeeNumber":"701984","department":"Engineering","costCenter":"4130"`
	withBoss := func(tb testing.TB) Resource {
		res := sampleUser(tb)
		res[ext].(map[string]any)["manager"].(map[string]any)["displayName"] = "Boss"
		return res
	}
	runPatchCases(t, UserResourceType(), withBoss, []patchCase{
		{name: "bare string", ops: `[{"op":"Replace","path":"` + ext + `:manager","value":"m-2"}]`,
			want: `{"` + ext + `":{` + rest + `,"manager":{"value":"m-2"}}}`},
		{name: "one-element array", ops: `[{"op":"add","path":"` + ext + `:manager","value":[{"value":"m-2"}]}]`,
			want: `{"` + ext + `":{` + rest + `,"manager":{"value":"m-2"}}}`},
		{name: "object, readOnly displayName dropped", ops: `[{"op":"add","path":"` + ext + `:manager","value":{"value":"m-2","displayName":"X"}}]`,
			want: `{"` + ext + `":{` + rest + `,"manager":{"value":"m-2"}}}`},
		{name: "same manager keeps displayName", ops: `[{"op":"replace","path":"` + ext + `:manager","value":"26118915-6090-4610-87e4-49d8ca9f808d"}]`,
			want: `{"` + ext + `":{` + rest + `,"manager":{"value":"26118915-6090-4610-87e4-49d8ca9f808d","displayName":"Boss"}}}`},
		{name: "manager.value path", ops: `[{"op":"replace","path":"` + ext + `:manager.value","value":"m-3"}]`,
			want: `{"` + ext + `":{` + rest + `,"manager":{"value":"m-3"}}}`},
		{name: "empty string removes", ops: `[{"op":"replace","path":"` + ext + `:manager","value":""}]`,
			want: `{"` + ext + `":{` + rest + `}}`},
		{name: "null removes", ops: `[{"op":"replace","path":"` + ext + `:manager","value":null}]`,
			want: `{"` + ext + `":{` + rest + `}}`},
		{name: "empty value removes", ops: `[{"op":"replace","path":"` + ext + `:manager","value":{"value":""}}]`,
			want: `{"` + ext + `":{` + rest + `}}`},
		{name: "remove", ops: `[{"op":"remove","path":"` + ext + `:manager"}]`, want: `{"` + ext + `":{` + rest + `}}`},
		{name: "unqualified extension path", ops: `[{"op":"replace","path":"department","value":"Ops"}]`,
			want: `{"` + ext + `":{"employeeNumber":"701984","department":"Ops","costCenter":"4130","manager":{"value":"26118915-6090-4610-87e4-49d8ca9f808d","displayName":"Boss"}}}`},
		{name: "readOnly manager.displayName path", ops: `[{"op":"replace","path":"` + ext + `:manager.displayName","value":"X"}]`,
			err: ErrorMutability},
		{name: "remove the whole extension", ops: `[{"op":"remove","path":"` + ext + `"}]`, want: `{"` + ext + `":null}`},
		{name: "replace the whole extension merges",
			ops:  `[{"op":"replace","path":"` + ext + `","value":{"department":"Ops","manager":"m-9"}}]`,
			want: `{"` + ext + `":{"employeeNumber":"701984","department":"Ops","costCenter":"4130","manager":{"value":"m-9"}}}`},
		{name: "two managers", ops: `[{"op":"replace","path":"` + ext + `:manager","value":["a","b"]}]`,
			err: ErrorInvalidValue, detail: "expected one value"},
		{name: "removing every extension attribute drops the extension",
			ops:  `[{"op":"remove","path":"` + ext + `:manager"},{"op":"remove","path":"employeeNumber"},{"op":"remove","path":"department"},{"op":"remove","path":"costCenter"}]`,
			want: `{"` + ext + `":null}`},
	})
}

func TestPatchGroupMembers(t *testing.T) {
	t.Parallel()
	alice := `{"value":"2819c223-7f76-453a-919d-413861904646","display":"alice@example.com"}`
	bob := `{"value":"902c246b-6245-4190-8e05-00816be7344a","display":"bob@example.com","type":"User"}`
	runPatchCases(t, GroupResourceType(), sampleGroup, []patchCase{
		{name: "add several, $ref null", ops: `[{"op":"Add","path":"members","value":[{"$ref":null,"value":"c1"},{"value":"c2","display":"Carol"}]}]`,
			want: `{"members":[` + alice + `,` + bob + `,{"value":"c1"},{"value":"c2","display":"Carol"}]}`},
		{name: "adding an existing member is a no-op",
			ops:  `[{"op":"add","path":"members","value":[{"value":"902c246b-6245-4190-8e05-00816be7344a"}]}]`,
			want: `{"members":[` + alice + `,` + bob + `]}`},
		{name: "remove by value list", ops: `[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"2819c223-7f76-453a-919d-413861904646"}]}]`,
			want: `{"members":[` + bob + `]}`},
		{name: "remove by value list of a non-member is a no-op", ops: `[{"op":"remove","path":"members","value":[{"value":"nobody"}]}]`,
			want: `{"members":[` + alice + `,` + bob + `]}`},
		{name: "remove by filter", ops: `[{"op":"remove","path":"members[value eq \"902c246b-6245-4190-8e05-00816be7344a\"]"}]`,
			want: `{"members":[` + alice + `]}`},
		{name: "remove by filter, non-member", ops: `[{"op":"remove","path":"members[value eq \"nobody\"]"}]`, err: ErrorNoTarget},
		{name: "replace all", ops: `[{"op":"replace","path":"members","value":[{"value":"z"}]}]`, want: `{"members":[{"value":"z"}]}`},
		{name: "immutable member value cannot change", ops: `[{"op":"replace","path":"members[value eq \"902c246b-6245-4190-8e05-00816be7344a\"].value","value":"other"}]`,
			err: ErrorMutability, detail: "immutable"},
		{name: "immutable member type can be set while absent",
			ops:  `[{"op":"add","path":"members[value eq \"2819c223-7f76-453a-919d-413861904646\"].type","value":"User"}]`,
			want: `{"members":[{"value":"2819c223-7f76-453a-919d-413861904646","display":"alice@example.com","type":"User"},` + bob + `]}`},
		{name: "immutable member type cannot change", ops: `[{"op":"replace","path":"members[value eq \"902c246b-6245-4190-8e05-00816be7344a\"].type","value":"Group"}]`,
			err: ErrorMutability},
		{name: "member without value", ops: `[{"op":"add","path":"members","value":[{"display":"ghost"}]}]`,
			err: ErrorInvalidValue, detail: "members[0].value is required"},
		{name: "removing a member's value", ops: `[{"op":"remove","path":"members[value eq \"902c246b-6245-4190-8e05-00816be7344a\"].value"}]`,
			err: ErrorMutability},
		{name: "Okta rename with id in the value", ops: `[{"op":"replace","value":{"id":"e9e30dba-f08f-4109-8486-d5c6a331660a","displayName":"Eng"}}]`,
			want: `{"displayName":"Eng"}`},
	})
}

func TestPatchNoChangeIsEqual(t *testing.T) {
	t.Parallel()
	g := sampleGroup(t)
	req, err := DecodePatch(decode(t, patchBody(`[{"op":"add","path":"members","value":[{"value":"2819c223-7f76-453a-919d-413861904646"}]}]`)))
	require.NoError(t, err)
	got, err := GroupResourceType().ApplyPatch(g, req)
	require.NoError(t, err)
	require.True(t, Equal(g, got))
	require.Equal(t, ETag(g), ETag(got))
}

func TestPatchImmutableSimple(t *testing.T) {
	t.Parallel()
	badge := &ResourceType{Name: "Badge", Endpoint: "/Badges", Schema: &Schema{ID: "urn:example:Badge", Attributes: []*Attribute{
		{Name: "serial", Type: TypeString, Mutability: Immutable},
		{Name: "label", Type: TypeString},
	}}}
	empty := func(testing.TB) Resource { return Resource{"schemas": []any{"urn:example:Badge"}} }
	set := func(testing.TB) Resource { return Resource{"schemas": []any{"urn:example:Badge"}, "serial": "S1"} }
	runPatchCases(t, badge, empty, []patchCase{
		{name: "settable while absent", ops: `[{"op":"add","path":"serial","value":"S1"}]`, want: `{"serial":"S1"}`},
	})
	runPatchCases(t, badge, set, []patchCase{
		{name: "same value is fine", ops: `[{"op":"replace","path":"serial","value":"S1"}]`, want: `{}`},
		{name: "cannot change", ops: `[{"op":"replace","path":"serial","value":"S2"}]`, err: ErrorMutability},
		{name: "cannot remove", ops: `[{"op":"remove","path":"serial"}]`, err: ErrorMutability},
		{name: "pathless too", ops: `[{"op":"replace","value":{"serial":"S2","label":"x"}}]`, err: ErrorMutability},
	})
}

func TestPatchInvalidStoredResource(t *testing.T) {
	t.Parallel()
	broken := sampleGroup(t)
	broken["members"] = []any{"not an object"}
	req, err := DecodePatch(decode(t, patchBody(`[{"op":"replace","path":"members.display","value":"x"}]`)))
	require.NoError(t, err)
	_, err = GroupResourceType().ApplyPatch(broken, req)
	se := requireSCIMError(t, err, 500, "")
	require.Equal(t, "stored resource is invalid", se.Detail, "the client is not told about server internals")
}

func TestPatchAcceptsStoreDecodedNumbers(t *testing.T) {
	t.Parallel()
	// A store that decoded its JSON without UseNumber hands back float64.
	stored := Resource{"schemas": []any{"urn:example:scim:Device"}, "id": "d1", "label": "x", "ports": float64(48)}
	req, err := DecodePatch(decode(t, patchBody(`[{"op":"replace","path":"label","value":"y"}]`)))
	require.NoError(t, err)
	got, err := deviceType.ApplyPatch(stored, req)
	require.NoError(t, err)
	require.Equal(t, json.Number("48"), got["ports"])
	require.Equal(t, "y", got["label"])
	require.Equal(t, float64(48), stored["ports"], "input untouched")
}

func TestPatchImmutableComplexAndMultiValued(t *testing.T) {
	t.Parallel()
	kit := &ResourceType{Name: "Kit", Endpoint: "/Kits", Schema: &Schema{ID: "urn:example:Kit", Attributes: []*Attribute{
		{Name: "codes", Type: TypeString, MultiValued: true, Mutability: Immutable},
		{Name: "owner", Type: TypeComplex, Mutability: Immutable, SubAttributes: []*Attribute{
			{Name: "name", Type: TypeString}, {Name: "since", Type: TypeDateTime},
		}},
	}}}
	set := func(testing.TB) Resource {
		return Resource{"schemas": []any{"urn:example:Kit"}, "codes": []any{"A", "B"},
			"owner": map[string]any{"name": "Ops", "since": "2024-01-01T00:00:00Z"}}
	}
	runPatchCases(t, kit, set, []patchCase{
		{name: "same list, other case, keeps the stored spelling", ops: `[{"op":"replace","path":"codes","value":["a","b"]}]`, want: `{}`},
		{name: "same list", ops: `[{"op":"replace","path":"codes","value":["A","B"]}]`, want: `{}`},
		{name: "adding to an immutable list", ops: `[{"op":"add","path":"codes","value":["C"]}]`, err: ErrorMutability},
		{name: "adding an existing value", ops: `[{"op":"add","path":"codes","value":["b"]}]`, want: `{}`},
		{name: "same complex value, instant written differently",
			ops: `[{"op":"replace","path":"owner","value":{"NAME":"ops","since":"2024-01-01T01:00:00+01:00"}}]`, want: `{}`},
		{name: "changed complex value", ops: `[{"op":"replace","path":"owner.name","value":"Sales"}]`, err: ErrorMutability},
	})
}
