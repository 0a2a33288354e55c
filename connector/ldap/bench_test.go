package ldap

import (
	"context"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector/ldap/ldaptest"
)

// BenchmarkList20k lists a directory of 20,000 people in five groups
// ("all" holds every one of them) through the Lister, a page of 100 at a
// time, checking every account. It reports entries/s and the peak heap
// seen between pages (runtime.MemStats.HeapAlloc) besides -benchmem.
//
//	TENURE_TEST_SLAPD=1 go test ./connector/ldap -run '^$' -bench List20k -benchmem -benchtime 3x
func BenchmarkList20k(b *testing.B) {
	const n = 20000
	t0 := time.Now()
	srv := ldaptest.Start(b, ldaptest.Options{Seed: seedPeople(n, GroupOfNames)})
	b.Logf("slapadd of %d entries and 5 groups + start: %s", n, time.Since(t0).Round(time.Millisecond))
	cfg := testConfig(srv)
	cfg.Logger = slog.New(slog.DiscardHandler)
	c, err := New(context.Background(), cfg)
	require.NoError(b, err)
	defer c.Close()
	ctx := context.Background()

	var peak uint64
	var ms runtime.MemStats
	runtime.GC()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		got, cursor := 0, ""
		for {
			page, next, err := c.List(ctx, cursor)
			require.NoError(b, err)
			for _, a := range page {
				checkSeeded(b, a)
			}
			got += len(page)
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			if next == "" {
				break
			}
			cursor = next
		}
		require.Equal(b, n, got)
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "entries/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
