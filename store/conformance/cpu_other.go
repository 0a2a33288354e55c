//go:build !unix

package conformance

import "testing"

// CPUClock measures nothing where getrusage is missing.
type CPUClock struct{}

func (*CPUClock) Start()            {}
func (*CPUClock) Stop()             {}
func (*CPUClock) Report(*testing.B) {}
