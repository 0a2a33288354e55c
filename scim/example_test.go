package scim_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tenure-dev/tenure/scim"
)

// A filter is parsed once per request and matched against each resource.
// Names and keywords match in any case; userName is not caseExact.
func ExampleResourceType_ParseFilter() {
	users := scim.UserResourceType()
	f, err := users.ParseFilter(`USERNAME eq "ALICE@example.com" and emails[type eq "work" and primary eq true]`)
	if err != nil {
		panic(err)
	}
	alice, err := users.Normalize(map[string]any{
		"userName": "alice@example.com",
		"emails":   []any{map[string]any{"value": "alice@example.com", "type": "work", "primary": "True"}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(f.String())
	fmt.Println(f.Match(alice))

	// A store answers the simple form from an index instead of scanning.
	byName, _ := users.ParseFilter(`userName eq "bjensen"`)
	eq, ok := byName.Equality()
	fmt.Println(eq.Attr, eq.Value, eq.CaseExact, ok)
	// Output:
	// USERNAME eq "ALICE@example.com" and emails[type eq "work" and primary eq true]
	// true
	// userName bjensen false true
}

// Entra ID removes group members by listing them in a remove operation's
// value. ApplyPatch works on a copy and returns the new resource.
func ExampleResourceType_ApplyPatch() {
	groups := scim.GroupResourceType()
	group, _ := groups.Normalize(map[string]any{
		"displayName": "Sales",
		"members":     []any{map[string]any{"value": "u1"}, map[string]any{"value": "u2"}},
	})
	body, err := scim.DecodeRequest(strings.NewReader(`{
		"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u1"}]}]
	}`), scim.DecodeOptions{MaxBytes: 1 << 20})
	if err != nil {
		panic(err)
	}
	req, err := scim.DecodePatch(body)
	if err != nil {
		panic(err)
	}
	patched, err := groups.ApplyPatch(group, req)
	if err != nil {
		panic(err)
	}
	out, _ := json.Marshal(patched["members"])
	fmt.Println(string(out))
	// Output:
	// [{"value":"u2"}]
}

// Every error is a *scim.Error that marshals to the RFC 7644 error body.
func ExampleError() {
	_, err := scim.ParseFilter(`userName eq`)
	out, _ := json.Marshal(scim.AsError(err))
	fmt.Println(string(out))
	// Output:
	// {"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"invalid filter at offset 11: expected a value (string, number, true, false or null) after \"eq\", got end of input"}
}
