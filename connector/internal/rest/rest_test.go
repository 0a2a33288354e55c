package rest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		wait time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"30", 30 * time.Second, true},
		{" 0 ", 0, true},
		{"99999999999999999999999", MaxWait, true},
		{"7200", MaxWait, true},
		{"Thu, 01 Jan 2026 00:00:45 GMT", 45 * time.Second, true},
		{"Wed, 31 Dec 2025 23:00:00 GMT", 0, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(48 * time.Hour).Format(time.RFC850), MaxWait, true},
	} {
		w, ok := RetryAfter(tc.in, now)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.wait, w, tc.in)
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "1", "Thu, 01 Jan 2026 00:00:45 GMT", "18446744073709551616",
		"86400", "Monday, 02-Mar-26 09:00:30 GMT", "-1", "1e9"} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		w, ok := RetryAfter(s, now)
		if w < 0 || w > MaxWait || (!ok && w != 0) {
			t.Fatalf("RetryAfter(%q) = %s, %v", s, w, ok)
		}
	})
}

func TestStatusErrorClasses(t *testing.T) {
	t.Parallel()
	c := &Client{Name: "x", Secrets: []string{"s3cret"}}
	for _, tc := range []struct {
		status int
		header string
		class  connector.Class
		wait   time.Duration
	}{
		{429, "12", connector.RateLimited, 12 * time.Second},
		{429, "", connector.RateLimited, 0},
		{503, "3", connector.RateLimited, 3 * time.Second},
		{503, "", connector.Retryable, 0},
		{500, "", connector.Retryable, 0},
		{409, "", connector.Retryable, 0},
		{408, "", connector.Retryable, 0},
		{400, "", connector.Permanent, 0},
		{401, "", connector.Permanent, 0},
		{404, "", connector.Permanent, 0},
		{302, "", connector.Permanent, 0},
	} {
		h := http.Header{}
		if tc.header != "" {
			h.Set("Retry-After", tc.header)
		}
		err := c.StatusError("GET /x", &Response{Status: tc.status, Header: h, Body: []byte("echo s3cret")}, "said s3cret", 0, false)
		class, wait := connector.Classify(err)
		require.Equal(t, tc.class, class, tc.status)
		require.Equal(t, tc.wait, wait, tc.status)
		var ce *connector.Error
		require.ErrorAs(t, err, &ce)
		require.Equal(t, "echo [redacted]", ce.Detail)
		require.NotContains(t, err.Error(), "s3cret")
	}
}

func TestTokenCacheSharesOneFetch(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	c := &TokenCache{Fetch: func(context.Context) (string, time.Duration, error) {
		return "tok" + string(rune('0'+fetches.Add(1))), time.Hour, nil
	}}
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			tok, err := c.Token(t.Context())
			require.NoError(t, err)
			require.Equal(t, "tok1", tok)
		})
	}
	wg.Wait()
	require.EqualValues(t, 1, fetches.Load())
	c.Invalidate("other")
	tok, _ := c.Token(t.Context())
	require.Equal(t, "tok1", tok, "invalidating another token keeps this one")
	c.Invalidate("tok1")
	tok, _ = c.Token(t.Context())
	require.Equal(t, "tok2", tok)

	failing := &TokenCache{Fetch: func(context.Context) (string, time.Duration, error) { return "", 0, errors.New("down") }}
	_, err := failing.Token(t.Context())
	require.ErrorContains(t, err, "down")
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	require.Equal(t, "abc", Truncate("abc", 3))
	require.Equal(t, "ab…", Truncate("abcdef", 5))
	require.Equal(t, "a…", Truncate("aééé", 5), "never half a rune")
	require.Len(t, Truncate(strings.Repeat("x", 5000), MaxDetail), MaxDetail)
	s := Truncate("ééééé", 6)
	require.True(t, utf8.ValidString(s))
	require.LessOrEqual(t, len(s), 6)
}

// A secret is redacted as sent and as a form would carry it: an endpoint
// that echoes the request back must not put the secret in an error.
func TestRedactCoversTheFormEncodedSecret(t *testing.T) {
	t.Parallel()
	c := &Client{Secrets: []string{"s3cr+t/=&x"}}
	got := c.Redact(`invalid_client: client_secret=s3cr%2Bt%2F%3D%26x was "s3cr+t/=&x"`)
	require.NotContains(t, got, "s3cr")
	require.Equal(t, `invalid_client: client_secret=[redacted] was "[redacted]"`, got)
}
