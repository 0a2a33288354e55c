package connector

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	base := errors.New("boom")
	tests := []struct {
		err   error
		class Class
		wait  time.Duration
	}{
		{base, Retryable, 0},
		{NewRetryable(base), Retryable, 0},
		{NewPermanent(base, `{"detail":"bad"}`), Permanent, 0},
		{NewRateLimited(base, 30*time.Second), RateLimited, 30 * time.Second},
		{fmt.Errorf("scim PATCH: %w", NewRateLimited(base, time.Second)), RateLimited, time.Second},
	}
	for _, tt := range tests {
		c, w := Classify(tt.err)
		require.Equal(t, tt.class, c, tt.err.Error())
		require.Equal(t, tt.wait, w)
		require.ErrorIs(t, tt.err, base, "the cause stays reachable")
	}
	require.Contains(t, NewRateLimited(base, 2*time.Second).Error(), "retry after 2s")
}
