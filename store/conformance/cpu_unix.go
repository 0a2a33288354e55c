//go:build unix

package conformance

import (
	"syscall"
	"testing"
	"time"
)

// CPUClock reports the process's CPU time (user and system, every thread,
// GC included) per op beside the wall time: on a shared machine the wall
// time says as much about the neighbours as about the code.
type CPUClock struct {
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

// Start and Stop bracket the timed part of one iteration.
func (c *CPUClock) Start() { c.started = cpuNow() }
func (c *CPUClock) Stop()  { c.total += cpuNow() - c.started }

// report adds the cpu-ms/op metric.
func (c *CPUClock) Report(b *testing.B) {
	b.ReportMetric(float64(c.total)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
