package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
)

// oauthApp is a SCIM app behind an OAuth 2.0 authorization server: the
// token endpoint grants client credentials (RFC 6749 §4.4) to one client,
// and the SCIM API accepts only the tokens it issued. It records the most
// requests it ever had in flight.
type oauthApp struct {
	mu       sync.Mutex
	tokens   map[string]bool
	issued   int
	inFlight atomic.Int32
	maxSeen  atomic.Int32
}

func (o *oauthApp) handler(scimH http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok || id != "tenure" || secret != "client-s3cret" || r.PostFormValue("grant_type") != "client_credentials" ||
			r.PostFormValue("scope") != "scim" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		o.mu.Lock()
		o.issued++
		tok := "at-" + strings.Repeat("x", o.issued)
		o.tokens[tok] = true
		o.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
	})
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		o.mu.Lock()
		ok := o.tokens[tok]
		o.mu.Unlock()
		if !ok {
			http.Error(w, `{"status":"401"}`, http.StatusUnauthorized)
			return
		}
		n := o.inFlight.Add(1)
		defer o.inFlight.Add(-1)
		for {
			m := o.maxSeen.Load()
			if n <= m || o.maxSeen.CompareAndSwap(m, n) {
				break
			}
		}
		scimH.ServeHTTP(w, r)
	})))
	return mux
}

// `tenure apply` builds the SCIM connector from the config: OAuth 2.0
// client credentials with the secret from a file, the concurrency limit
// and the attribute mapping all reach the app.
func TestApplyUsesTheConnectorConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := memstore.New()
	app := &oauthApp{tokens: map[string]bool{}}
	srv := httptest.NewServer(app.handler(server.New(server.Config{Store: store, Logger: slog.New(slog.DiscardHandler)})))
	t.Cleanup(srv.Close)
	secretFile := filepath.Join(dir, "client.secret")
	require.NoError(t, os.WriteFile(secretFile, []byte("client-s3cret\n"), 0o600))
	cfg := `tenants:
  - id: acme
    apps:
      - id: wiki
        owner: it@acme.example
        connector:
          type: scim
          url: ` + srv.URL + `/scim/v2
          allow_loopback: true
          concurrency: 1
          rate_limit: 500
          auth:
            type: oauth2
            token_url: ` + srv.URL + `/oauth2/token
            client_id: tenure
            client_secret_file: ` + secretFile + `
            scopes: [scim]
          mapping:
            title: "{person.title} ({person.department})"
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": person.department
    roles:
      - id: staff
        grants: [{app: wiki}]
    birthright:
      - name: everyone
        when: "true"
        roles: [staff]
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tenure.yaml"), []byte(cfg), 0o600))
	var roster strings.Builder
	roster.WriteString("employeeId,email,givenName,familyName,department,title\n")
	for _, r := range []string{"E1,ann@acme.example,Ann,Lee,Engineering,Engineer", "E2,bob@acme.example,Bob,Ray,Support,Agent",
		"E3,cy@acme.example,Cy,Fox,Sales,Rep", "E4,di@acme.example,Di,Oak,Finance,Analyst"} {
		roster.WriteString(r + "\n")
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "roster.csv"), []byte(roster.String()), 0o600))
	run := func(args ...string) string {
		var out, errOut bytes.Buffer
		root := newRoot(&out, &errOut)
		root.SetArgs(append([]string{"--config", filepath.Join(dir, "tenure.yaml"), "--data", filepath.Join(dir, "data")}, args...))
		require.NoError(t, root.ExecuteContext(context.Background()), "tenure %v\n%s\n%s", args, out.String(), errOut.String())
		require.NotContains(t, errOut.String(), "client-s3cret", "the secret is never logged")
		return out.String()
	}
	run("tenant", "create", "acme")
	run("hr", "import", filepath.Join(dir, "roster.csv"))
	out := run("apply")
	require.Contains(t, out, "done. 0 open tasks", "every operation ran over SCIM")

	require.Equal(t, 4, store.Len("User"))
	require.Equal(t, 1, app.issued, "one token served every request")
	require.Equal(t, int32(1), app.maxSeen.Load(), "concurrency: 1 is honoured")
	res, _ := http.NewRequest(http.MethodGet, srv.URL+"/scim/v2/Users?filter=externalId%20eq%20%22E2%22", nil)
	res.Header.Set("Authorization", "Bearer at-x")
	resp, err := http.DefaultClient.Do(res)
	require.NoError(t, err)
	defer resp.Body.Close()
	var list struct{ Resources []map[string]any }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	require.Len(t, list.Resources, 1)
	require.Equal(t, "Agent (Support)", list.Resources[0]["title"], "the mapping is applied")
	ext, _ := list.Resources[0]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
	require.Equal(t, "Support", ext["department"])
}
