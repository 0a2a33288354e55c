//go:build !unix

package postgres_test

import "testing"

// cpuClock measures nothing where getrusage is missing.
type cpuClock struct{}

func (*cpuClock) start()            {}
func (*cpuClock) stop()             {}
func (*cpuClock) report(*testing.B) {}
