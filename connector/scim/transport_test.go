package scimconn

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		wait time.Duration
		ok   bool
	}{
		{in: "", ok: false},
		{in: "0", wait: 0, ok: true},
		{in: " 120 ", wait: 2 * time.Minute, ok: true},
		{in: "99999999999999999999", wait: time.Hour, ok: true},
		{in: "-5", ok: false},
		{in: "1.5", ok: false},
		{in: t0.Add(90 * time.Second).Format(http.TimeFormat), wait: 90 * time.Second, ok: true},
		{in: t0.Add(-time.Minute).Format(http.TimeFormat), wait: 0, ok: true},
		{in: t0.Add(48 * time.Hour).Format(time.RFC850), wait: time.Hour, ok: true},
		{in: "soon", ok: false},
	}
	for _, tt := range tests {
		wait, ok := retryAfter(tt.in, t0)
		require.Equal(t, tt.ok, ok, tt.in)
		require.Equal(t, tt.wait, wait, tt.in)
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "7", "86400", "Mon, 02 Mar 2026 09:00:30 GMT", "Monday, 02-Mar-26 09:00:30 GMT", "-1", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		wait, ok := retryAfter(s, t0)
		if wait < 0 || wait > maxRateLimitWait || (!ok && wait != 0) {
			t.Fatalf("retryAfter(%q) = %s, %v", s, wait, ok)
		}
	})
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	require.Equal(t, "abc", truncate("abc", 3))
	require.Equal(t, "ab…", truncate("abcdef", 5))
	require.Equal(t, "a…", truncate("aééé", 5), "never half a rune")
	require.Len(t, truncate(strings.Repeat("x", 5000), maxDetail), maxDetail)
}

func TestBucket(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := newBucket(2, time.Now) // burst 2, then one every 500ms
		start := time.Now()
		for range 2 {
			require.NoError(t, b.wait(t.Context()))
		}
		require.Zero(t, time.Since(start), "the burst is free")
		require.NoError(t, b.wait(t.Context()))
		require.Equal(t, 500*time.Millisecond, time.Since(start))
		require.NoError(t, b.wait(t.Context()))
		require.Equal(t, time.Second, time.Since(start))

		time.Sleep(10 * time.Second) // idle: the bucket refills to its burst only
		start = time.Now()
		for range 3 {
			require.NoError(t, b.wait(t.Context()))
		}
		require.Equal(t, 500*time.Millisecond, time.Since(start))
	})
}

func TestBucketCancelled(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := newBucket(1, time.Now)
		require.NoError(t, b.wait(t.Context()))
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		require.ErrorIs(t, b.wait(ctx), context.DeadlineExceeded)
		start := time.Now()
		require.NoError(t, b.wait(t.Context()))
		require.Equal(t, 900*time.Millisecond, time.Since(start), "the cancelled wait gave its token back")
	})
	require.Nil(t, newBucket(0, time.Now))
	require.NoError(t, (*bucket)(nil).wait(t.Context()), "no limit")
}
