package token

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Prefix starts every token, so secret scanners and humans can recognise one.
const Prefix = "tnr_"

// Scopes a token can carry. Later features add theirs here; an unknown
// scope is refused at creation so a typo never silently grants nothing.
var Scopes = []string{"admin", "hr:write", "hr:read", "scim", "ssf", "plan:read"}

// ErrInvalid is returned for any token that does not check out. The reason
// is deliberately not distinguished to the caller (no oracle for guessing).
var ErrInvalid = errors.New("invalid token")

// New makes a token for tenant with scopes. It returns the secret, to be
// shown once, and the stored form, which holds only its hash.
//
// Format: tnr_<id>_<secret>, id 12 hex characters (public, the lookup key),
// secret 32 random bytes base64url.
//
// A token that can reach the SCIM endpoint gets DefaultSource unless an
// option names another.
func New(tenant string, scopes []string, description string, now time.Time, opts ...Option) (string, Token, error) {
	if len(scopes) == 0 {
		return "", Token{}, errors.New("a token needs at least one scope")
	}
	for _, s := range scopes {
		if !slices.Contains(Scopes, s) {
			return "", Token{}, fmt.Errorf("unknown scope %q (known: %s)", s, strings.Join(Scopes, ", "))
		}
	}
	idb := make([]byte, 6)
	sec := make([]byte, 32)
	if _, err := rand.Read(idb); err != nil {
		return "", Token{}, err
	}
	if _, err := rand.Read(sec); err != nil {
		return "", Token{}, err
	}
	id := hex.EncodeToString(idb)
	secret := base64.RawURLEncoding.EncodeToString(sec)
	sc := slices.Clone(scopes)
	slices.Sort(sc)
	sc = slices.Compact(sc)
	tok := Token{
		ID: id, Tenant: tenant, Hash: hash(secret), Scopes: sc,
		Description: description, CreatedAt: now.UTC(),
	}
	if tok.reachesSCIM() {
		tok.Source = DefaultSource
	}
	for _, o := range opts {
		if err := o(&tok); err != nil {
			return "", Token{}, err
		}
	}
	return Prefix + id + "_" + secret, tok, nil
}

// Parse splits a presented token into its id and secret.
func Parse(presented string) (id, secret string, err error) {
	rest, ok := strings.CutPrefix(presented, Prefix)
	if !ok {
		return "", "", ErrInvalid
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != 12 || secret == "" {
		return "", "", ErrInvalid
	}
	return id, secret, nil
}

// Check verifies a presented secret against a stored token for tenant and
// a required scope. The hash comparison is constant-time; the tenant check
// is the token-audience discipline: a token of tenant A is never valid at
// tenant B's endpoints even if the lookup were to find it.
func Check(t Token, secret, tenant, scope string) error {
	if subtle.ConstantTimeCompare(hash(secret), t.Hash) != 1 {
		return ErrInvalid
	}
	if t.Tenant != tenant || !t.RevokedAt.IsZero() {
		return ErrInvalid
	}
	if !slices.Contains(t.Scopes, scope) && !slices.Contains(t.Scopes, "admin") {
		return fmt.Errorf("%w: scope %q required", ErrForbidden, scope)
	}
	return nil
}

// ErrForbidden is a valid token lacking the scope a call needs (403, not 401).
var ErrForbidden = errors.New("token lacks scope")

func hash(secret string) []byte {
	s := sha256.Sum256([]byte(secret))
	return s[:]
}
