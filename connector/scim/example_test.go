package scimconn_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/tenure-dev/tenure/connector"
	scimconn "github.com/tenure-dev/tenure/connector/scim"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
)

// A connector for config type "scim": the URL and the token resolved from
// token_env or token_file. Ensure creates the account, or adopts the one
// the app already has.
func Example() {
	const token = "example-token"
	appHandler := server.New(server.Config{Store: memstore.New(), Logger: slog.New(slog.DiscardHandler)})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		appHandler.ServeHTTP(w, r)
	}))
	defer app.Close()

	ctx := context.Background()
	conn, err := scimconn.New(ctx, scimconn.Config{
		BaseURL:       app.URL, // "https://app.example/scim/v2"
		Token:         token,
		AllowLoopback: true,                          // only because the test server is local
		Logger:        slog.New(slog.DiscardHandler), // nil logs to slog.Default()
	})
	if err != nil {
		panic(err)
	}
	ann := connector.Subject{PersonID: "E1001", Email: "ann@acme.example", GivenName: "Ann", FamilyName: "Lee"}
	acc, err := conn.Ensure(ctx, ann)
	if err != nil {
		panic(err)
	}
	fmt.Println(acc.PersonID, acc.UserName, acc.State)
	if err := conn.Disable(ctx, ann); err != nil {
		panic(err)
	}
	acc, err = conn.Read(ctx, ann)
	if err != nil {
		panic(err)
	}
	fmt.Println(acc.State)
	// Output:
	// E1001 ann@acme.example enabled
	// disabled
}
