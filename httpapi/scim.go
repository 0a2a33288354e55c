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

// scimHandlers caches one SCIM handler per tenant.
type scimHandlers struct {
	mu sync.Mutex
	m  map[string]http.Handler
}

// scim serves /t/{tenant}/scim/v2/… : Tenure as a SCIM 2.0 service
// provider for identity providers (Entra ID, Okta) pushing users and
// groups. The tenant route has already checked a token of scope "scim"
// bound to this tenant.
func (s *Server) scim(w http.ResponseWriter, r *http.Request, t *lifecycle.Tenant, _ token.Token) {
	s.scimH.mu.Lock()
	if s.scimH.m == nil {
		s.scimH.m = map[string]http.Handler{}
	}
	h, ok := s.scimH.m[t.ID()]
	if !ok {
		h = http.StripPrefix("/t/"+t.ID()+"/scim/v2", server.New(server.Config{
			Store: scimsp.New(s.Service, t, t.SCIMMapping()),
			ServiceProviderConfig: scim.ServiceProviderConfig{
				Bulk: scim.BulkConfig{Supported: true, MaxOperations: 1000, MaxPayloadSize: 1 << 20},
			},
			Logger: s.log(),
		}))
		s.scimH.m[t.ID()] = h
	}
	s.scimH.mu.Unlock()
	h.ServeHTTP(w, r)
}
