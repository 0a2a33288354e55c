package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestServeAnswersAndStopsCleanly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.must(t, "tenant", "create", "acme")
	tok := strings.TrimSpace(b.must(t, "token", "create", "--tenant", "acme", "--scope", "hr:write"))

	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	root := newRoot(io.Discard, pw)
	root.SetArgs([]string{"--config", b.path("tenure.yaml"), "--data", filepath.Join(b.dir, "data"),
		"serve", "--addr", "127.0.0.1:0", "--log-format", "json"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()

	var base string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			base = u
			break
		}
	}
	require.NotEmpty(t, base, "serve never said where it listens")
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	req, _ := http.NewRequest("POST", base+"/t/acme/api/v1/hr/events",
		strings.NewReader(`{"id":"e1","employeeId":"E1","email":"e1@acme.example","startDate":"2020-01-01"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// The pushed joiner's operations were queued with the event; with no
	// connector built for the example's apps they become owners' tasks.
	var metrics string
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/metrics")
		require.NoError(t, err)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = string(raw)
		return strings.Contains(metrics, `tenure_operations_total{app="slack",outcome="task",tenant="acme"} 1`)
	}, 20*time.Second, 50*time.Millisecond, "metrics never showed the worked operation")
	require.Contains(t, metrics, `tenure_queue_depth{priority="1"}`)

	cancel() // what SIGTERM does through signal.NotifyContext
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	require.Contains(t, b.must(t, "hr", "events", "--tenant", "acme"), "E1", "the pushed event was stored")
}

func TestServeRejectsNoWorkers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, n := range []string{"0", "-3"} {
		_, _, err := b.run(t, "serve", "--addr", "127.0.0.1:0", "--workers", n)
		require.ErrorContains(t, err, "--workers "+n+": must be at least 1")
	}
}
