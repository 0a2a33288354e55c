package oktatest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector/okta/oktatest"
)

// The fake refuses what Okta refuses, with Okta's error body.
func TestFakeRefusesLikeOkta(t *testing.T) {
	t.Parallel()
	f := oktatest.New(t, "tok", "ro")
	id := f.Seed("STAGED", map[string]string{"login": "a@x.example"}, 0, 0, 0)
	for _, tc := range []struct {
		name, method, path, auth, ctype, body string
		status                                int
		code                                  string
	}{
		{"no auth", "GET", "/api/v1/users/" + id, "", "", "", 401, "E0000011"},
		{"bearer scheme for an API token", "GET", "/api/v1/users/" + id, "Bearer tok", "", "", 401, "E0000011"},
		{"wrong token", "GET", "/api/v1/users/" + id, "SSWS nope", "", "", 401, "E0000011"},
		{"read-only token writes", "DELETE", "/api/v1/users/" + id + "/sessions", "SSWS ro", "", "", 403, "E0000006"},
		{"unknown user", "GET", "/api/v1/users/00unope", "SSWS tok", "", "", 404, "E0000007"},
		{"wrong method", "PATCH", "/api/v1/users", "SSWS tok", "", "", 405, "E0000022"},
		{"not JSON", "POST", "/api/v1/users", "SSWS tok", "text/plain", "profile=x", 415, "E0000003"},
		{"malformed JSON", "POST", "/api/v1/users", "SSWS tok", "application/json", "{", 400, "E0000003"},
		{"missing required profile fields", "POST", "/api/v1/users", "SSWS tok", "application/json", `{"profile":{"login":"b@x.example"}}`, 400, "E0000001"},
		{"duplicate login", "POST", "/api/v1/users", "SSWS tok", "application/json",
			`{"profile":{"login":"a@x.example","email":"a@x.example","firstName":"A","lastName":"B"}}`, 400, "E0000001"},
		{"suspend a user who is not active", "POST", "/api/v1/users/" + id + "/lifecycle/suspend", "SSWS tok", "", "", 400, "E0000001"},
		{"search it does not understand", "GET", "/api/v1/users?search=profile.city+sw+%22B%22", "SSWS tok", "", "", 400, "E0000031"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tc.method, f.URL+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tc.status, resp.StatusCode)
			var e struct{ ErrorCode, ErrorSummary, ErrorLink, ErrorID string }
			b, _ := io.ReadAll(resp.Body)
			require.NoError(t, json.Unmarshal(b, &e), string(b))
			require.Equal(t, tc.code, e.ErrorCode)
			require.NotEmpty(t, e.ErrorSummary)
			require.Equal(t, tc.code, e.ErrorLink)
		})
	}
}

func TestFakeRateLimitHeaders(t *testing.T) {
	t.Parallel()
	f := oktatest.New(t, "tok", "")
	reset := time.Now().Add(time.Minute).Truncate(time.Second)
	f.RateLimit(1, reset)
	req, _ := http.NewRequest("GET", f.URL+"/api/v1/users/x", nil)
	req.Header.Set("Authorization", "SSWS tok")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, "0", resp.Header.Get("X-Rate-Limit-Remaining"))
	require.NotEmpty(t, resp.Header.Get("X-Rate-Limit-Limit"))
	require.Equal(t, reset.Unix(), mustInt(t, resp.Header.Get("X-Rate-Limit-Reset")))
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, json.Unmarshal([]byte(s), &n))
	return n
}
