package scimtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRecorder: outside go test, FailNow and Skipf end a check as they do
// in package testing, cleanups run newest first even after a failure, and
// a failed sub-check fails its parent.
func TestRecorder(t *testing.T) {
	t.Parallel()
	rb := &reportBuilder{}
	var order []string
	rec := &recorder{ctx: context.Background(), name: "top", report: rb}
	rec.exec(func(r runner) {
		r.Cleanup(func() { order = append(order, "first") })
		r.Cleanup(func() { order = append(order, "second") })
		r.sub("skips", func(r runner) {
			r.Skipf("not supported")
			order = append(order, "after skip")
		})
		r.sub("fails", func(r runner) {
			require.Equal(r, 1, 2)
			order = append(order, "after FailNow")
		})
		r.sub("panics", func(runner) { panic("boom") })
		r.sub("passes", func(r runner) { r.Logf("fine") })
		order = append(order, "parent goes on")
	})
	require.Equal(t, []string{"parent goes on", "second", "first"}, order)
	byName := map[string]Result{}
	for _, r := range rb.results {
		byName[r.Name] = r
	}
	require.True(t, byName["top/skips"].Skipped)
	require.Equal(t, []string{"not supported"}, byName["top/skips"].Messages)
	require.True(t, byName["top/fails"].Failed)
	require.True(t, byName["top/panics"].Failed)
	require.Contains(t, byName["top/panics"].Messages[0], "boom")
	require.False(t, byName["top/passes"].Failed)
	require.True(t, byName["top"].Failed)
	require.Equal(t, []string{"fails failed", "panics failed"}, byName["top"].Messages)
}

func TestCheckCannotStart(t *testing.T) {
	t.Parallel()
	_, err := Check(t.Context(), Config{})
	require.ErrorContains(t, err, "BaseURL")

	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	_, err = Check(t.Context(), Config{BaseURL: srv.URL, Client: srv.Client()})
	require.ErrorContains(t, err, "ServiceProviderConfig")
}

// TestFeaturesGiven: Features in the configuration win over the server's
// claims, and a feature that is off skips its checks.
func TestFeaturesGiven(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	s, err := newSuite(t.Context(), Config{BaseURL: srv.URL + "/", Features: &Features{Sort: true}})
	require.NoError(t, err)
	require.Equal(t, Features{Sort: true}, s.features)
	require.Equal(t, srv.URL, s.base)

	rb := &reportBuilder{}
	rec := &recorder{ctx: t.Context(), name: "bulk", report: rb}
	rec.exec(func(r runner) { checkBulk(&env{runner: r, s: s}) })
	require.Len(t, rb.results, 1)
	require.True(t, rb.results[0].Skipped)
}
