package scimconn

import (
	"context"
	"math"
	"sync"
	"time"
)

// bucket is a token bucket: rate tokens a second, holding at most burst.
// A nil *bucket is no limit.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

// newBucket returns a bucket of rate tokens a second whose burst is one
// second's worth (at least one), starting full; nil for rate <= 0.
func newBucket(rate float64, now func() time.Time) *bucket {
	if rate <= 0 {
		return nil
	}
	burst := max(1, math.Floor(rate))
	return &bucket{rate: rate, burst: burst, tokens: burst, last: now(), now: now}
}

// reserve takes a token and returns how long to wait before using it.
func (b *bucket) reserve() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(b.burst, b.tokens+elapsed.Seconds()*b.rate)
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// wait blocks until a token is available or ctx ends, in which case the
// token is given back.
func (b *bucket) wait(ctx context.Context) error {
	if b == nil {
		return nil
	}
	d := b.reserve()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		b.tokens = min(b.burst, b.tokens+1)
		b.mu.Unlock()
		return ctx.Err()
	}
}
