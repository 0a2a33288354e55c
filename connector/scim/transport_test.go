package scimconn

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

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
