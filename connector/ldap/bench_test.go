package ldap

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector/ldap/ldaptest"
)

// BenchmarkList20k lists a directory of 20,000 people in five groups
// ("all" holds every one of them) through the Lister, a page of 100 at a
// time, checking every account; once with entitlements from a search of
// the groups per page, once from memberOf. It reports entries/s and the peak heap
// seen between pages (runtime.MemStats.HeapAlloc) besides -benchmem.
//
//	TENURE_TEST_SLAPD=1 go test ./connector/ldap -run '^$' -bench List20k -benchmem -benchtime 3x
func BenchmarkList20k(b *testing.B) {
	b.Run("group-search", func(b *testing.B) { benchList(b, false) })
	b.Run("memberOf", func(b *testing.B) { benchList(b, true) })
}

// benchList lists seedPeople(20000) with entitlements from a search of
// the groups (the default) or from memberOf.
func benchList(b *testing.B, memberOf bool) {
	const n = 20000
	t0 := time.Now()
	opts := ldaptest.Options{Seed: seedPeople(n, GroupOfNames, memberOf)}
	if memberOf {
		opts.MemberOf = string(GroupOfNames)
	}
	srv := ldaptest.Start(b, opts)
	b.Logf("slapadd of %d entries and 5 groups + start: %s", n, time.Since(t0).Round(time.Millisecond))
	cfg := testConfig(srv)
	if memberOf {
		cfg.MemberOfAttr = "memberOf"
	}
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
	if kb, err := vmHWM("/proc/self/status"); err == nil {
		b.ReportMetric(float64(kb)/1024, "peak-rss-MB")
	}
	if kb, err := vmHWM(fmt.Sprintf("/proc/%d/status", srv.Pid())); err == nil {
		b.ReportMetric(float64(kb)/1024, "slapd-rss-MB")
	}
}

// vmHWM reads a process's resident high-water mark in KiB.
func vmHWM(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no VmHWM", path)
}
