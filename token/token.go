// Package token issues and checks API tokens. A token is bound to one tenant
// and a set of scopes; only its SHA-256 hash is stored, and the check compares
// hashes in constant time.
package token

import "time"

// Token is the stored form of an API token: never the secret itself.
type Token struct {
	// ID is public (it is the token's prefix) and names the token in audit
	// entries and `tenure token revoke`.
	ID          string   `json:"id"`
	Tenant      string   `json:"tenant"`
	Hash        []byte   `json:"-"`
	Scopes      []string `json:"scopes"`
	Description string   `json:"description,omitempty"`
	// Source names the identity provider a SCIM token is given to; its
	// pushes live in that source's namespace (see WithSource). Empty for
	// tokens that cannot reach SCIM and for tokens stored before sources.
	Source    string    `json:"source,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
}
