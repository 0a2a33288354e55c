//go:build unix

package postgres_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuClock reports the process's CPU time (user and system, every thread,
// GC included) per op beside the wall time: on a shared machine the wall
// time says as much about the neighbours as about the code.
type cpuClock struct {
	total   time.Duration
	started time.Duration
}

// cpuNow is the CPU time the process has used so far.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// start and stop bracket the timed part of one iteration.
func (c *cpuClock) start() { c.started = cpuNow() }
func (c *cpuClock) stop()  { c.total += cpuNow() - c.started }

// report adds the cpu-ms/op metric.
func (c *cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(c.total)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
