package scimload

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// userName is the userName of the i-th pre-filled user. Lookups pick their
// targets by index, so both servers must be filled with these names.
func userName(i int) string { return fmt.Sprintf("user%06d@bench.example", i) }

// userBody is a user shaped like the ones Entra ID and Okta provision: the
// core attributes an IdP maps by default, no extension (SCIMMY declares the
// core User schema only, and both servers must get the same body).
func userBody(name string, i int) map[string]any {
	return map[string]any{
		"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName":    name,
		"externalId":  fmt.Sprintf("ext-%06d", i),
		"active":      true,
		"displayName": fmt.Sprintf("User %d", i),
		"name":        map[string]any{"givenName": "User", "familyName": fmt.Sprintf("N%06d", i)},
		"emails":      []any{map[string]any{"value": name, "type": "work", "primary": true}},
	}
}

// newUUID returns a random (version 4) UUID, the form of the ids both
// servers hand out.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newToken returns a random bearer token for one server's run.
func newToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
