package httpapi

import (
	"net/http"
	"sync"

	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scimsp"
	"github.com/tenure-dev/tenure/token"
)

// scimHandlers caches one SCIM handler per tenant and source.
type scimHandlers struct {
	mu sync.Mutex
	m  map[scimKey]http.Handler
}

// scimKey names one SCIM namespace: a source of a tenant.
type scimKey struct{ tenant, source string }

// scim serves /t/{tenant}/scim/v2/… : Tenure as a SCIM 2.0 service
// provider for identity providers (Entra ID, Okta) pushing users and
// groups. The tenant route has already checked a token of scope "scim"
// bound to this tenant; the token's source picks the namespace, so every
// provider reads and writes only what it pushed.
func (s *Server) scim(w http.ResponseWriter, r *http.Request, t *lifecycle.Tenant, tok token.Token) {
	key := scimKey{t.ID(), tok.SCIMSource()}
	s.scimH.mu.Lock()
	if s.scimH.m == nil {
		s.scimH.m = map[scimKey]http.Handler{}
	}
	h, ok := s.scimH.m[key]
	if !ok {
		h = http.StripPrefix("/t/"+t.ID()+"/scim/v2", server.New(server.Config{
			Store: scimsp.New(s.Service, t, key.source, t.SCIMMapping()),
			ServiceProviderConfig: scim.ServiceProviderConfig{
				Bulk: scim.BulkConfig{Supported: true, MaxOperations: 1000, MaxPayloadSize: 1 << 20},
			},
			Logger: s.log().With("tenant", t.ID(), "scim_source", key.source),
		}))
		s.scimH.m[key] = h
	}
	s.scimH.mu.Unlock()
	h.ServeHTTP(w, r)
}
