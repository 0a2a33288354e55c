package server

import (
	"net/http"

	"github.com/tenure-dev/tenure/scim"
)

// serviceProviderConfig serves GET /ServiceProviderConfig.
func (h *handler) serviceProviderConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.spc.Resource(h.baseURL(r)))
}

// schemas serves GET /Schemas and /Schemas/{urn}.
func (h *handler) schemas(w http.ResponseWriter, r *http.Request, rest []string) {
	base := h.baseURL(r)
	if len(rest) == 1 {
		res := h.catalog.SchemaResource(rest[0], base)
		if res == nil {
			writeError(w, scim.NotFoundError("no schema %q", rest[0]))
			return
		}
		writeJSON(w, http.StatusOK, res)
		return
	}
	h.discoveryList(w, r, h.catalog.SchemaResources(base))
}

// resourceTypes serves GET /ResourceTypes and /ResourceTypes/{name}.
func (h *handler) resourceTypes(w http.ResponseWriter, r *http.Request, rest []string) {
	base := h.baseURL(r)
	if len(rest) == 1 {
		res := h.catalog.ResourceTypeResource(rest[0], base)
		if res == nil {
			writeError(w, scim.NotFoundError("no resource type %q", rest[0]))
			return
		}
		writeJSON(w, http.StatusOK, res)
		return
	}
	h.discoveryList(w, r, h.catalog.ResourceTypeResources(base))
}

// discoveryList answers a discovery query with every document. A filter
// is refused with 403 as RFC 7644 §4 advises, so that a client cannot
// believe the documents it gets matched it.
func (h *handler) discoveryList(w http.ResponseWriter, r *http.Request, all []scim.Resource) {
	q, err := parseQuery(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	if q.get("filter") != "" {
		writeError(w, &scim.Error{Status: http.StatusForbidden, Detail: "discovery endpoints do not support filtering"})
		return
	}
	writeJSON(w, http.StatusOK, scim.NewListResponse(all, len(all), scim.Page{StartIndex: 1, Count: len(all)}))
}
