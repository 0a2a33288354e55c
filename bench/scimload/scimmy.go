package scimload

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Limits of starting SCIMMY.
const (
	// scimmyStartTimeout bounds the wait for "listening on".
	scimmyStartTimeout = 30 * time.Second
	// scimmyInstallTimeout bounds install.sh (npm ci).
	scimmyInstallTimeout = 5 * time.Minute
	// fillConcurrency is the number of POSTs in flight while pre-filling.
	fillConcurrency = 16
)

// StartSCIMMY runs the SCIMMY server in dir (bench/scimmy: server.js and
// install.sh) as a child process on a loopback port, and pre-fills it with
// users users over HTTP (POST /Users, fillConcurrency at a time), logging
// progress. If dir's node_modules is missing or older than its
// package-lock.json, install.sh runs first. stop kills the process; so
// does the end of ctx.
func StartSCIMMY(ctx context.Context, dir string, users int) (baseURL, token string, stop func(), err error) {
	if err := ensureInstalled(ctx, dir); err != nil {
		return "", "", nil, err
	}
	token = newToken()
	cmd := exec.CommandContext(ctx, "node", "server.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SCIMMY_TOKEN="+token, "PORT=0", "NODE_ENV=production")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	stderr := &tail{max: 4096}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", "", nil, fmt.Errorf("scimload: scimmy: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return "", "", nil, fmt.Errorf("scimload: starting node server.js in %s: %w", dir, err)
	}
	exited := make(chan struct{})
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		})
	}

	// Wait for the "listening on" line; keep draining stdout after it so
	// the child never blocks on a full pipe.
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				select {
				case addr <- strings.TrimSpace(u):
				default:
				}
			}
		}
		_ = cmd.Wait() // after stdout is drained, as StdoutPipe requires
		close(exited)
	}()
	select {
	case u := <-addr:
		baseURL = u + basePath
	case <-exited:
		return "", "", nil, fmt.Errorf("scimload: scimmy exited before listening: %s", stderr)
	case <-time.After(scimmyStartTimeout):
		stop()
		return "", "", nil, fmt.Errorf("scimload: scimmy did not listen within %s: %s", scimmyStartTimeout, stderr)
	case <-ctx.Done():
		stop()
		return "", "", nil, ctx.Err()
	}
	if err := fillOverHTTP(ctx, baseURL, token, users); err != nil {
		stop()
		return "", "", nil, fmt.Errorf("scimload: pre-filling scimmy: %w (stderr: %s)", err, stderr)
	}
	return baseURL, token, stop, nil
}

// ensureInstalled runs dir/install.sh unless node_modules is at least as
// new as package-lock.json (npm ci writes node_modules/.package-lock.json).
func ensureInstalled(ctx context.Context, dir string) error {
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return fmt.Errorf("scimload: %s is not the SCIMMY server folder: %w", dir, err)
	}
	if inst, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil && !inst.ModTime().Before(lock.ModTime()) {
		return nil
	}
	slog.Info("scimload: installing the SCIMMY server's packages", "dir", dir)
	ctx, cancel := context.WithTimeout(ctx, scimmyInstallTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "install.sh")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("scimload: %s/install.sh: %w: %s", dir, err, bytes.TrimSpace(out))
	}
	return nil
}

// fillOverHTTP POSTs userName(0) … userName(n-1), fillConcurrency at a
// time, logging progress every tenth.
func fillOverHTTP(ctx context.Context, baseURL, token string, n int) error {
	c, err := newClient(baseURL, token, fillConcurrency, DefaultRequestTimeout)
	if err != nil {
		return err
	}
	defer c.close()
	var (
		next, done atomic.Int64
		wg         sync.WaitGroup
		mu         sync.Mutex
		firstErr   error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	step := max(n/10, 1)
	for range min(fillConcurrency, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				body, err := json.Marshal(userBody(userName(i), i))
				if err != nil {
					fail(err)
					cancel()
					return
				}
				status, resp, err := c.do(ctx, "POST", "/Users", body)
				if err == nil && status != 201 {
					err = statusError("POST", "/Users", status, resp)
				}
				if err != nil {
					fail(fmt.Errorf("user %d: %w", i, err))
					cancel()
					return
				}
				if d := done.Add(1); d%int64(step) == 0 {
					slog.Info("scimload: pre-filling scimmy", "users", d, "of", n,
						"elapsed", time.Since(start).Round(time.Millisecond))
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if int(done.Load()) != n {
		return errors.New("not every user was created")
	}
	return nil
}

// tail keeps the last max bytes written to it, for error messages.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) == 0 {
		return "(no stderr)"
	}
	return strings.TrimSpace(string(t.buf))
}
