package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/scimtest"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
)

// conformanceConfig is the configuration the suite runs against: every
// feature on, limits small enough for the suite to cross them.
func conformanceConfig() scim.ServiceProviderConfig {
	return scim.ServiceProviderConfig{
		Bulk:   scim.BulkConfig{Supported: true, MaxOperations: 50, MaxPayloadSize: 64 << 10},
		Filter: scim.FilterConfig{MaxResults: 200},
	}
}

// TestConformance runs the whole suite against the handler on memstore,
// mounted under a tenant prefix the way Tenure mounts it, behind a token
// check, with features read from /ServiceProviderConfig.
func TestConformance(t *testing.T) {
	t.Parallel()
	h := server.New(server.Config{Store: memstore.New(), ServiceProviderConfig: conformanceConfig()})
	const prefix = "/t/acme/scim/v2"
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", requireToken("s3cret", http.StripPrefix(prefix, h)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	scimtest.Run(t, scimtest.Config{BaseURL: srv.URL + prefix, Token: "s3cret", Client: srv.Client()})
}

// TestConformanceCheck runs the suite through Check, as a command would,
// and requires a clean report with every feature tested.
func TestConformanceCheck(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(server.New(server.Config{Store: memstore.New(), ServiceProviderConfig: conformanceConfig()}))
	t.Cleanup(srv.Close)

	report, err := scimtest.Check(t.Context(), scimtest.Config{BaseURL: srv.URL, Client: srv.Client()})
	require.NoError(t, err)
	for _, r := range report.Results {
		require.False(t, r.Failed, "%s: %s", r.Name, strings.Join(r.Messages, "\n"))
		require.False(t, r.Skipped, "%s skipped: %s", r.Name, strings.Join(r.Messages, "\n"))
	}
	require.False(t, report.Failed())
	require.Greater(t, len(report.Results), 150)
	require.Equal(t, scimtest.Features{Patch: true, Bulk: true, ETag: true, Sort: true,
		BulkMaxOperations: 50, BulkMaxPayloadSize: 64 << 10}, report.Features)
}

// TestCheckReportsFailures makes sure the suite can fail: a server that
// forgets every write fails CRUD checks, and Check reports them instead
// of stopping.
func TestCheckReportsFailures(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(server.New(server.Config{Store: forgetful{memstore.New()}}))
	t.Cleanup(srv.Close)

	report, err := scimtest.Check(context.Background(), scimtest.Config{BaseURL: srv.URL, Client: srv.Client()})
	require.NoError(t, err)
	require.True(t, report.Failed())
	failed := map[string]bool{}
	for _, r := range report.Results {
		if r.Failed {
			failed[r.Name] = true
			require.NotEmpty(t, r.Messages, r.Name)
		}
	}
	require.True(t, failed["users/replace"], "failed: %v", failed)
	require.False(t, failed["discovery"], "failed: %v", failed)
}

// forgetful is a store whose Replace does nothing: a broken server.
type forgetful struct{ *memstore.Store }

func (f forgetful) Replace(ctx context.Context, rt, id string, fn func(scim.Resource) (scim.Resource, error)) (scim.Resource, error) {
	return f.Get(ctx, rt, id)
}

// requireToken is the kind of check the caller wraps the handler with.
func requireToken(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("Content-Type", server.ContentType)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"bad token"}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}
