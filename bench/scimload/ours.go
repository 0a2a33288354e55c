package scimload

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
)

// basePath is where both servers mount SCIM.
const basePath = "/scim/v2"

// StartOurs serves Tenure's SCIM handler on a memstore pre-filled with
// users users, on a loopback port, behind a bearer token, as Tenure
// mounts it. The store is filled directly, as the handler would store a
// POSTed user, rather than over HTTP. stop shuts the server down; ctx only
// bounds the start.
func StartOurs(ctx context.Context, users int) (baseURL, token string, stop func(), err error) {
	store := memstore.New()
	if err := fillStore(ctx, store, users); err != nil {
		return "", "", nil, err
	}
	token = newToken()
	mux := http.NewServeMux()
	mux.Handle(basePath+"/", bearer(token, http.StripPrefix(basePath, server.New(server.Config{Store: store}))))

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", nil, fmt.Errorf("scimload: listen: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // returns http.ErrServerClosed on stop
	}()
	stop = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close()
		}
		<-done
	}
	return "http://" + ln.Addr().String() + basePath, token, stop, nil
}

// fillStore creates userName(0) … userName(n-1) in store the way the
// handler's POST does: normalised against the User schema, with an id and
// meta.
func fillStore(ctx context.Context, store *memstore.Store, n int) error {
	rt := scim.UserResourceType()
	now := time.Now()
	for i := range n {
		if i%10_000 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		res, err := rt.Normalize(userBody(userName(i), i))
		if err != nil {
			return fmt.Errorf("scimload: user %d: %w", i, err)
		}
		rt.SetMeta(res, newUUID(), "", now, now)
		if _, err := store.Create(ctx, rt.Name, res); err != nil {
			return fmt.Errorf("scimload: storing user %d: %w", i, err)
		}
	}
	return nil
}

// bearer stands for Tenure's token check: constant time, 401 with a SCIM
// error body.
func bearer(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("Content-Type", server.ContentType)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"invalid token"}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}
