package revoketest_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector/revoke/revoketest"
)

// The fake answers as RFC 7009 and RFC 6749 require.
func TestFakeFollowsRFC7009(t *testing.T) {
	t.Parallel()
	f := revoketest.New(t, "c 1", "s:2")
	f.Issue("rt", "ann", "refresh_token")
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape("c 1")+":"+url.QueryEscape("s:2")))
	form := "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		name, method, path, auth, ctype, body string
		status                                int
		code                                  string
	}{
		{"revoked", "POST", "/oauth2/revoke", basic, form, "token=rt&token_type_hint=refresh_token", 200, ""},
		{"unknown token is success", "POST", "/oauth2/revoke", basic, form, "token=nope", 200, ""},
		{"credentials in the body", "POST", "/oauth2/revoke", "", form, "token=nope&client_id=c+1&client_secret=s%3A2", 200, ""},
		{"no client authentication", "POST", "/oauth2/revoke", "", form, "token=rt", 401, "invalid_client"},
		{"two methods at once", "POST", "/oauth2/revoke", basic, form, "token=rt&client_id=c+1&client_secret=s%3A2", 400, "invalid_request"},
		{"missing token", "POST", "/oauth2/revoke", basic, form, "token_type_hint=refresh_token", 400, "invalid_request"},
		{"JSON body", "POST", "/oauth2/revoke", basic, "application/json", `{"token":"rt"}`, 400, "invalid_request"},
		{"GET", "GET", "/oauth2/revoke?token=rt", basic, "", "", 405, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(tc.method, f.URL+tc.path, strings.NewReader(tc.body))
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			require.Equal(t, tc.status, resp.StatusCode, string(b))
			if tc.code == "" {
				return
			}
			var e map[string]string
			require.NoError(t, json.Unmarshal(b, &e))
			require.Equal(t, tc.code, e["error"])
			if resp.StatusCode == 401 {
				require.NotEmpty(t, resp.Header.Get("WWW-Authenticate"))
			}
			if resp.StatusCode == 405 {
				require.Equal(t, "POST", resp.Header.Get("Allow"))
			}
		})
	}
}
