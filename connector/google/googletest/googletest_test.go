package googletest_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector/google/googletest"
)

const (
	scopeUser     = "https://www.googleapis.com/auth/admin.directory.user"
	scopeSecurity = "https://www.googleapis.com/auth/admin.directory.user.security"
)

func do(t *testing.T, method, u, auth, ctype, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// jwt signs claims with the key in creds, written here from the
// documented format rather than with the connector's code.
func jwt(t *testing.T, creds []byte, alg string, claims map[string]any) string {
	t.Helper()
	var sa map[string]string
	require.NoError(t, json.Unmarshal(creds, &sa))
	block, _ := pem.Decode([]byte(sa["private_key"]))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT", "kid": sa["private_key_id"]})
	c, _ := json.Marshal(claims)
	in := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(nil, k.(*rsa.PrivateKey), crypto.SHA256, sum[:])
	require.NoError(t, err)
	return in + "." + enc.EncodeToString(sig)
}

func TestFakeTokenEndpointRefuses(t *testing.T) {
	t.Parallel()
	f := googletest.New(t, "admin@acme.example", []string{scopeUser})
	creds := f.Credentials()
	var sa map[string]string
	require.NoError(t, json.Unmarshal(creds, &sa))
	now := time.Now().Unix()
	good := func() map[string]any {
		return map[string]any{"iss": sa["client_email"], "sub": "admin@acme.example", "scope": scopeUser,
			"aud": f.TokenURL(), "iat": now, "exp": now + 3600}
	}
	edit := func(k string, v any) map[string]any { c := good(); c[k] = v; return c }
	grant := "urn:ietf:params:oauth:grant-type:jwt-bearer"
	for _, tc := range []struct {
		name, grant, assertion string
		status                 int
		code, desc             string
	}{
		{"valid", grant, jwt(t, creds, "RS256", good()), 200, "", ""},
		{"other grant", "client_credentials", jwt(t, creds, "RS256", good()), 400, "unsupported_grant_type", "Invalid grant_type"},
		{"tampered", grant, jwt(t, creds, "RS256", good())[:40] + "x" + jwt(t, creds, "RS256", good())[41:], 400, "invalid_grant", ""},
		{"alg not RS256", grant, jwt(t, creds, "RS512", good()), 400, "invalid_grant", "alg"},
		{"longer than an hour", grant, jwt(t, creds, "RS256", edit("exp", now+7200)), 400, "invalid_grant", "short-lived"},
		{"wrong audience", grant, jwt(t, creds, "RS256", edit("aud", "https://oauth2.googleapis.com/token")), 400, "invalid_grant", "audience"},
		{"not an admin", grant, jwt(t, creds, "RS256", edit("sub", "bob@acme.example")), 400, "invalid_grant", "Invalid email or User ID"},
		{"scope not delegated", grant, jwt(t, creds, "RS256", edit("scope", scopeUser+" "+scopeSecurity)), 401, "unauthorized_client", "not authorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, b := do(t, "POST", f.TokenURL(), "", "application/x-www-form-urlencoded",
				url.Values{"grant_type": {tc.grant}, "assertion": {tc.assertion}}.Encode())
			require.Equal(t, tc.status, st, string(b))
			var e map[string]any
			require.NoError(t, json.Unmarshal(b, &e))
			if tc.status == 200 {
				require.Equal(t, "Bearer", e["token_type"])
				require.NotEmpty(t, e["access_token"])
				return
			}
			require.Equal(t, tc.code, e["error"])
			require.Contains(t, e["error_description"], tc.desc)
		})
	}
}

func TestFakeDirectoryRefuses(t *testing.T) {
	t.Parallel()
	f := googletest.New(t, "admin@acme.example", nil)
	id := f.Seed(map[string]any{"primaryEmail": "a@acme.example"}, 1)
	full := "Bearer " + f.IssueToken(scopeUser, scopeSecurity)
	weak := "Bearer " + f.IssueToken(scopeUser)
	base := f.URL + "/admin/directory/v1"
	for _, tc := range []struct {
		name, method, path, auth, ctype, body string
		status                                int
		reason                                string
	}{
		{"no token", "GET", "/users/" + id, "", "", "", 401, "required"},
		{"unknown token", "GET", "/users/" + id, "Bearer ya29.nope", "", "", 401, "authError"},
		{"basic scheme", "GET", "/users/" + id, "Basic YTpi", "", "", 401, "authError"},
		{"signOut without the security scope", "POST", "/users/" + id + "/signOut", weak, "", "", 403, "insufficientPermissions"},
		{"unknown user", "POST", "/users/nobody@acme.example/signOut", full, "", "", 404, "notFound"},
		{"form body", "PATCH", "/users/" + id, full, "application/x-www-form-urlencoded", "suspended=true", 400, "parseError"},
		{"insert without a name", "POST", "/users", full, "application/json", `{"primaryEmail":"b@acme.example","password":"12345678"}`, 400, "required"},
		{"insert a taken email", "POST", "/users", full, "application/json",
			`{"primaryEmail":"a@acme.example","password":"12345678","name":{"givenName":"A","familyName":"B"}}`, 409, "duplicate"},
		{"list without customer", "GET", "/users?query=externalId:1", full, "", "", 400, "badRequest"},
		{"wrong method", "PUT", "/users/" + id + "/signOut", full, "", "", 405, "badRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, b := do(t, tc.method, base+tc.path, tc.auth, tc.ctype, tc.body)
			require.Equal(t, tc.status, st, string(b))
			var e struct {
				Error struct {
					Code    int
					Message string
					Errors  []struct{ Reason, Domain string }
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(b, &e))
			require.Equal(t, tc.status, e.Error.Code)
			require.NotEmpty(t, e.Error.Message)
			require.Len(t, e.Error.Errors, 1)
			require.Equal(t, tc.reason, e.Error.Errors[0].Reason)
		})
	}
	st, b := do(t, "POST", base+"/users/"+id+"/signOut", full, "", "")
	require.Equal(t, 204, st)
	require.Empty(t, b)
}
