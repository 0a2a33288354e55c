package google

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"time"

	"github.com/tenure-dev/tenure/connector/internal/rest"
)

// assertionLifetime is the longest Google accepts (exp at most an hour
// after iat).
const assertionLifetime = time.Hour

// assertion returns an RFC 7523 JWT bearer assertion: RS256 over the
// service account's key, iss its client_email, sub the admin it acts as,
// aud the token endpoint, the scopes asked for, valid for an hour.
func (sa *serviceAccount) assertion(sub string, scopes string, now time.Time) (string, error) {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": sa.PrivateKeyID})
	claims, _ := json.Marshal(map[string]any{"iss": sa.ClientEmail, "sub": sub, "scope": scopes,
		"aud": sa.TokenURI, "iat": now.Unix(), "exp": now.Add(assertionLifetime).Unix()})
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, sa.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// fetcher returns the token cache's fetch for a service account.
func fetcher(rc *rest.Client, sa *serviceAccount, sub string, now func() time.Time) func(context.Context) (string, time.Duration, error) {
	return func(ctx context.Context) (string, time.Duration, error) {
		a, err := sa.assertion(sub, ScopeUser+" "+ScopeUserSecurity, now())
		if err != nil {
			return "", 0, err
		}
		form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {a}}
		return rc.RequestToken(ctx, sa.TokenURI, form, nil)
	}
}

// randomPassword is 130 random bits in base32, which nobody learns: the
// user sets their own at first sign-in (changePasswordAtNextLogin) or
// signs in through SSO.
func randomPassword() string { return rand.Text() }
