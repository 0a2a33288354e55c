package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/signal"
)

// Not parallel: the key-encryption key is an environment variable.
func TestKeysRotateNeedsAKEK(t *testing.T) {
	t.Setenv(signal.KEKEnv, "")
	t.Setenv(signal.KEKFileEnv, "")
	b := setup(t)
	b.must(t, "tenant", "create", "acme")
	_, _, err := b.run(t, "keys", "rotate", "--tenant", "acme")
	require.ErrorContains(t, err, signal.KEKEnv)

	t.Setenv(signal.KEKEnv, "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	out := b.must(t, "keys", "rotate", "--tenant", "acme")
	require.Contains(t, out, "new RS256 signing key")
	out2 := b.must(t, "keys", "rotate", "--tenant", "acme")
	require.NotEqual(t, out, out2)
	listed := b.must(t, "keys", "list", "--tenant", "acme")
	require.Equal(t, 2, strings.Count(listed, "RS256"), listed)
	require.Equal(t, 1, strings.Count(listed, "signing"), listed)
	require.Contains(t, listed, "published until")
	b.must(t, "audit", "verify", "--tenant", "acme") // the rotations are in an intact chain
}

// TestServePublishesSignals: with a key-encryption key, serve publishes
// the tenant's JWKS and SSF metadata under --public-url.
func TestServePublishesSignals(t *testing.T) {
	t.Setenv(signal.KEKEnv, "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	b := setup(t)
	b.must(t, "tenant", "create", "acme")
	b.must(t, "keys", "rotate", "--tenant", "acme")
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	root := newRoot(io.Discard, pw)
	root.SetArgs([]string{"--config", b.path("tenure.yaml"), "--data", filepath.Join(b.dir, "data"),
		"serve", "--addr", "127.0.0.1:0", "--public-url", "https://tenure.acme.example/"})
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
	require.NotEmpty(t, base)
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	var md map[string]any
	getJSON(t, base+"/.well-known/ssf-configuration/t/acme", &md)
	require.Equal(t, "https://tenure.acme.example/t/acme", md["issuer"])
	require.Equal(t, "https://tenure.acme.example/t/acme/jwks.json", md["jwks_uri"])
	var jwks struct{ Keys []map[string]any }
	getJSON(t, base+"/t/acme/jwks.json", &jwks)
	require.Len(t, jwks.Keys, 1)
	require.NotContains(t, jwks.Keys[0], "d")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}
