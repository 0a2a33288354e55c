package scimtest

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// runner is what a check reports to: a *testing.T under Run, a recorder
// under Check. It is the part of testing.TB the checks use (require needs
// Errorf and FailNow), plus sub-checks.
type runner interface {
	Helper()
	Errorf(format string, args ...any)
	FailNow()
	Logf(format string, args ...any)
	Skipf(format string, args ...any)
	Cleanup(func())
	Context() context.Context
	sub(name string, f func(runner))
}

// testingRunner runs checks as subtests.
type testingRunner struct{ *testing.T }

func (r testingRunner) sub(name string, f func(runner)) {
	r.Run(name, func(t *testing.T) { f(testingRunner{t}) })
}

// recorder runs checks outside go test and records their outcome. As in
// package testing, FailNow and Skipf end the check's goroutine.
type recorder struct {
	ctx    context.Context
	name   string
	report *reportBuilder

	mu       sync.Mutex
	failed   bool
	skipped  bool
	messages []string
	cleanups []func()
}

type reportBuilder struct {
	mu      sync.Mutex
	results []Result
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.messages = append(r.messages, fmt.Sprintf(format, args...))
}

func (r *recorder) FailNow() {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.messages = append(r.messages, fmt.Sprintf(format, args...))
}

func (r *recorder) Skipf(format string, args ...any) {
	r.mu.Lock()
	r.skipped = true
	r.messages = append(r.messages, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

func (r *recorder) Context() context.Context { return r.ctx }

func (r *recorder) sub(name string, f func(runner)) {
	child := &recorder{ctx: r.ctx, name: r.name + "/" + name, report: r.report}
	child.exec(f)
	if child.failed {
		r.mu.Lock()
		r.failed = true
		r.messages = append(r.messages, name+" failed")
		r.mu.Unlock()
	}
}

// exec runs f in its own goroutine, so that FailNow can end it, then the
// cleanups, newest first, and records the result.
func (r *recorder) exec(f func(runner)) {
	guard := func(f func()) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() {
				if v := recover(); v != nil {
					r.Errorf("panic: %v", v)
				}
			}()
			f()
		}()
		<-done
	}
	guard(func() { f(r) })
	for _, c := range slices.Backward(r.cleanups) {
		guard(c)
	}
	r.report.mu.Lock()
	defer r.report.mu.Unlock()
	r.report.results = append(r.report.results, Result{
		Name: r.name, Failed: r.failed, Skipped: r.skipped && !r.failed, Messages: r.messages,
	})
}
