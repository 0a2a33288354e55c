// Package token issues and checks API tokens. A token is bound to one tenant
// and a set of scopes; only its SHA-256 hash is stored, and the check compares
// hashes in constant time.
package token

import "time"

// Token is the stored form of an API token: never the secret itself.
type Token struct {
	// ID is public (it is the token's prefix) and names the token in audit
	// entries and `tenure token revoke`.
	ID          string    `json:"id"`
	Tenant      string    `json:"tenant"`
	Hash        []byte    `json:"-"`
	Scopes      []string  `json:"scopes"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	RevokedAt   time.Time `json:"revokedAt,omitzero"`
}
