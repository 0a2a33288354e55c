package msgraphtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector/msgraph/msgraphtest"
)

func do(t *testing.T, method, u, auth, ctype, body string) (int, http.Header, []byte) {
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
	return resp.StatusCode, resp.Header, b
}

func token(t *testing.T, f *msgraphtest.Server) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"c"}, "client_secret": {"s"},
		"scope": {"https://graph.microsoft.com/.default"}}
	st, _, b := do(t, "POST", f.TokenURL(), "", "application/x-www-form-urlencoded", form.Encode())
	require.Equal(t, 200, st, string(b))
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))
	require.Equal(t, "Bearer", raw["token_type"])
	require.NotZero(t, raw["expires_in"])
	tok, _ := raw["access_token"].(string)
	require.NotEmpty(t, tok)
	return tok
}

// The token endpoint refuses like the Microsoft identity platform.
func TestFakeTokenEndpointRefuses(t *testing.T) {
	t.Parallel()
	f := msgraphtest.New(t, "acme.onmicrosoft.com", "c", "s")
	ok := url.Values{"grant_type": {"client_credentials"}, "client_id": {"c"}, "client_secret": {"s"},
		"scope": {"https://graph.microsoft.com/.default"}}
	with := func(k, v string) string {
		f := url.Values{}
		for kk, vv := range ok {
			f[kk] = vv
		}
		f.Set(k, v)
		return f.Encode()
	}
	for _, tc := range []struct {
		name, url, ctype, body string
		status                 int
		code, aadsts           string
	}{
		{"wrong secret", f.TokenURL(), "application/x-www-form-urlencoded", with("client_secret", "x"), 401, "invalid_client", "AADSTS7000215"},
		{"unknown client", f.TokenURL(), "application/x-www-form-urlencoded", with("client_id", "x"), 400, "unauthorized_client", "AADSTS700016"},
		{"unknown tenant", f.URL + "/other/oauth2/v2.0/token", "application/x-www-form-urlencoded", ok.Encode(), 400, "invalid_request", "AADSTS90002"},
		{"scope without /.default", f.TokenURL(), "application/x-www-form-urlencoded", with("scope", "User.Read"), 400, "invalid_scope", "AADSTS1002012"},
		{"other grant", f.TokenURL(), "application/x-www-form-urlencoded", with("grant_type", "password"), 400, "unsupported_grant_type", "AADSTS70003"},
		{"JSON body", f.TokenURL(), "application/json", `{}`, 400, "invalid_request", "AADSTS900144"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, _, b := do(t, "POST", tc.url, "", tc.ctype, tc.body)
			require.Equal(t, tc.status, st)
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
				Codes       []int  `json:"error_codes"`
			}
			require.NoError(t, json.Unmarshal(b, &e))
			require.Equal(t, tc.code, e.Error)
			require.True(t, strings.HasPrefix(e.Description, tc.aadsts+":"), e.Description)
			require.Len(t, e.Codes, 1)
		})
	}
}

// Graph refuses like Graph, with its error body.
func TestFakeGraphRefuses(t *testing.T) {
	t.Parallel()
	f := msgraphtest.New(t, "acme.onmicrosoft.com", "c", "s")
	tok := "Bearer " + token(t, f)
	id := f.Seed(msgraphtest.User{"userPrincipalName": "a@x.example", "accountEnabled": true}, 1)
	for _, tc := range []struct {
		name, method, path, auth, ctype, body string
		status                                int
		code                                  string
	}{
		{"no token", "GET", "/v1.0/users/" + id, "", "", "", 401, "InvalidAuthenticationToken"},
		{"basic scheme", "GET", "/v1.0/users/" + id, "Basic YTpi", "", "", 401, "InvalidAuthenticationToken"},
		{"unknown token", "GET", "/v1.0/users/" + id, "Bearer nope", "", "", 401, "InvalidAuthenticationToken"},
		{"unknown user", "POST", "/v1.0/users/nope/revokeSignInSessions", tok, "", "", 404, "Request_ResourceNotFound"},
		{"GET an action", "GET", "/v1.0/users/" + id + "/revokeSignInSessions", tok, "", "", 405, "Request_BadRequest"},
		{"PATCH not JSON", "PATCH", "/v1.0/users/" + id, tok, "text/plain", "accountEnabled=false", 415, "UnsupportedMediaType"},
		{"create without passwordProfile", "POST", "/v1.0/users", tok, "application/json",
			`{"accountEnabled":true,"displayName":"B","mailNickname":"b","userPrincipalName":"b@x.example"}`, 400, "Request_BadRequest"},
		{"filter it does not support", "GET", "/v1.0/users?%24filter=startswith(displayName,'a')", tok, "", "", 400, "Request_UnsupportedQuery"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, _, b := do(t, tc.method, f.URL+tc.path, tc.auth, tc.ctype, tc.body)
			require.Equal(t, tc.status, st, string(b))
			var e struct {
				Error struct {
					Code, Message string
					InnerError    map[string]string `json:"innerError"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(b, &e))
			require.Equal(t, tc.code, e.Error.Code)
			require.NotEmpty(t, e.Error.Message)
			require.NotEmpty(t, e.Error.InnerError["request-id"])
		})
	}
	f.Throttle(429, 7)
	st, h, _ := do(t, "GET", f.URL+"/v1.0/users/"+id, tok, "", "")
	require.Equal(t, 429, st)
	require.Equal(t, "7", h.Get("Retry-After"))
	st, _, b := do(t, "POST", f.URL+"/v1.0/users/"+id+"/revokeSignInSessions", tok, "", "")
	require.Equal(t, 200, st)
	require.JSONEq(t, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean","value":true}`, string(b))
}
