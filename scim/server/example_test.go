package server_test

import (
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
)

// The handler serves paths relative to the SCIM base URL and does no
// authentication: the caller mounts it under the tenant's prefix, behind
// a check of a token bound to that tenant.
func Example() {
	scimHandler := server.New(server.Config{
		Store: memstore.New(), // scoped to tenant "acme"
		ServiceProviderConfig: scim.ServiceProviderConfig{
			Bulk: scim.BulkConfig{Supported: true},
		},
		NewID: func() string { return "2819c223" },
	})
	const prefix = "/t/acme/scim/v2"
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", bearer("acme-token", http.StripPrefix(prefix, scimHandler)))

	srv := httptest.NewServer(mux)
	defer srv.Close()
	send := func(method, path, body string) {
		req, _ := http.NewRequest(method, srv.URL+prefix+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer acme-token")
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Println(strings.TrimSpace(fmt.Sprint(resp.StatusCode, " ", strings.TrimPrefix(resp.Header.Get("Location"), srv.URL))))
		if strings.Contains(path, "filter") {
			fmt.Println(string(b))
		}
	}

	// Entra ID looks the user up, finds nothing, creates it.
	lookup := "/Users?filter=" + url.QueryEscape(`userName eq "alice@contoso.com"`) + "&attributes=userName"
	send("GET", lookup, "")
	send("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@contoso.com","active":"True"}`)
	send("GET", lookup, "")
	// Output:
	// 200
	// {"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}
	// 201 /t/acme/scim/v2/Users/2819c223
	// 200
	// {"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{"id":"2819c223","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@contoso.com"}]}
}

// bearer stands for Tenure's token check: tenant-bound, constant time,
// 401 with a SCIM error body.
func bearer(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("Content-Type", server.ContentType)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"invalid token"}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}
