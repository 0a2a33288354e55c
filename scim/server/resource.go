package server

import (
	"context"
	"net/http"
	"time"

	"github.com/tenure-dev/tenure/scim"
)

// The resource operations are written once, as functions of decoded input
// that return the stored resource or an error, and called both by the
// HTTP handlers below and by /Bulk.

// preconditions are a write's If-Match and If-None-Match (for bulk, the
// operation's version).
type preconditions struct {
	ifMatch, ifNoneMatch string
}

func requestPreconditions(r *http.Request) preconditions {
	return preconditions{ifMatch: r.Header.Get("If-Match"), ifNoneMatch: r.Header.Get("If-None-Match")}
}

// check evaluates the preconditions against the current resource: 412 if
// the client's version is stale (If-Match) or current (If-None-Match on
// a write, RFC 9110 §13.1.2).
func (p preconditions) check(rt *scim.ResourceType, cur scim.Resource) error {
	if p.ifMatch == "" && p.ifNoneMatch == "" {
		return nil
	}
	tag := etagOf(cur)
	if !scim.IfMatch(p.ifMatch, tag) {
		return scim.PreconditionFailedError("If-Match: the %s has changed; its version is now %s", rt.Name, tag)
	}
	if !scim.IfNoneMatch(p.ifNoneMatch, tag) {
		return scim.PreconditionFailedError("If-None-Match: the %s is at version %s", rt.Name, tag)
	}
	return nil
}

func (h *handler) createResource(ctx context.Context, rt *scim.ResourceType, body map[string]any) (scim.Resource, error) {
	res, err := rt.Normalize(body)
	if err != nil {
		return nil, err
	}
	h.dropSecrets(res)
	now := h.now()
	rt.SetMeta(res, h.newID(), "", now, now)
	return h.store.Create(ctx, rt.Name, res)
}

func (h *handler) replaceResource(ctx context.Context, rt *scim.ResourceType, id string, body map[string]any, pre preconditions) (scim.Resource, error) {
	return h.store.Replace(ctx, rt.Name, id, func(old scim.Resource) (scim.Resource, error) {
		if err := pre.check(rt, old); err != nil {
			return nil, err
		}
		res, err := rt.Replace(old, body)
		if err != nil {
			return nil, err
		}
		return h.stamp(rt, id, old, res), nil
	})
}

func (h *handler) patchResource(ctx context.Context, rt *scim.ResourceType, id string, body map[string]any, pre preconditions) (scim.Resource, error) {
	req, err := scim.DecodePatch(body)
	if err != nil {
		return nil, err
	}
	return h.store.Replace(ctx, rt.Name, id, func(old scim.Resource) (scim.Resource, error) {
		if err := pre.check(rt, old); err != nil {
			return nil, err
		}
		res, err := rt.ApplyPatch(old, req)
		if err != nil {
			return nil, err
		}
		return h.stamp(rt, id, old, res), nil
	})
}

func (h *handler) deleteResource(ctx context.Context, rt *scim.ResourceType, id string, pre preconditions) error {
	var check func(scim.Resource) error
	if pre != (preconditions{}) {
		check = func(old scim.Resource) error { return pre.check(rt, old) }
	}
	return h.store.Delete(ctx, rt.Name, id, check)
}

// stamp finishes a write: a result equal to old is old, so meta and the
// version stay (RFC 7644 §3.5.2: a PATCH that changes nothing); otherwise
// meta is renewed, keeping created.
func (h *handler) stamp(rt *scim.ResourceType, id string, old, res scim.Resource) scim.Resource {
	h.dropSecrets(res)
	if scim.Equal(old, res) {
		return old
	}
	now := h.now()
	created := now
	if meta, ok := old["meta"].(map[string]any); ok {
		if s, ok := meta["created"].(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				created = t
			}
		}
	}
	rt.SetMeta(res, id, "", created, now)
	return res
}

// dropSecrets removes password unless the configuration says password
// changes are supported: it is accepted (Okta sends one when password
// sync is on) but not kept.
func (h *handler) dropSecrets(res scim.Resource) {
	if !h.spc.ChangePassword {
		delete(res, "password")
	}
}

// create serves POST /{endpoint}.
func (h *handler) create(w http.ResponseWriter, r *http.Request, rt *scim.ResourceType) {
	proj, err := h.projection(r, rt)
	if err != nil {
		h.fail(w, r, rt, err)
		return
	}
	body, err := h.readBody(r, h.maxBody, h.schemaURNs)
	if err != nil {
		h.fail(w, r, rt, err)
		return
	}
	res, err := h.createResource(r.Context(), rt, body)
	if err != nil {
		h.fail(w, r, rt, err)
		return
	}
	loc := location(h.baseURL(r), rt, res.ID())
	w.Header().Set("Location", loc)
	h.writeResource(w, http.StatusCreated, res, loc, proj)
}

// get serves GET /{endpoint}/{id}.
func (h *handler) get(w http.ResponseWriter, r *http.Request, rt *scim.ResourceType, id string) {
	proj, err := h.projection(r, rt)
	if err != nil {
		h.fail(w, r, rt, err)
		return
	}
	res, err := h.store.Get(r.Context(), rt.Name, id)
	if err != nil {
		h.fail(w, r, rt, err)
		return
	}
	if tag := etagOf(res); !scim.IfNoneMatch(r.Header.Get("If-None-Match"), tag) {
		w.Header().Set("ETag", tag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.writeResource(w, http.StatusOK, res, location(h.baseURL(r), rt, id), proj)
}

// replace serves PUT /{endpoint}/{id}.
func (h *handler) replace(w http.ResponseWriter, r *http.Request, rt *scim.ResourceType, id string) {
	proj, err := h.projection(r, rt)
	if err != nil {
		h.fail(w, r, rt, err)
		return
	}
	body, err := h.readBody(r, h.maxBody, h.schemaURNs)
	if err != nil {
		h.fail(w, r, rt, err)
		return
	}
	res, err := h.replaceResource(r.Context(), rt, id, body, requestPreconditions(r))
	if err != nil {
		h.fail(w, r, rt, err)
		return
	}
	h.writeResource(w, http.StatusOK, res, location(h.baseURL(r), rt, id), proj)
}

// patch serves PATCH /{endpoint}/{id}: 200 with the resource, or 204 when
// the client prefers a minimal answer.
func (h *handler) patch(w http.ResponseWriter, r *http.Request, rt *scim.ResourceType, id string) {
	proj, err := h.projection(r, rt)
	if err != nil {
		h.fail(w, r, rt, err)
		return
	}
	body, err := h.readBody(r, h.maxBody, []string{scim.PatchOpURN})
	if err != nil {
		h.fail(w, r, rt, err)
		return
	}
	res, err := h.patchResource(r.Context(), rt, id, body, requestPreconditions(r))
	if err != nil {
		h.fail(w, r, rt, err)
		return
	}
	if preferMinimal(r.Header.Values("Prefer")) {
		w.Header().Set("ETag", etagOf(res))
		w.Header().Set("Preference-Applied", "return=minimal")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.writeResource(w, http.StatusOK, res, location(h.baseURL(r), rt, id), proj)
}

// delete serves DELETE /{endpoint}/{id}.
func (h *handler) delete(w http.ResponseWriter, r *http.Request, rt *scim.ResourceType, id string) {
	if err := h.deleteResource(r.Context(), rt, id, requestPreconditions(r)); err != nil {
		h.fail(w, r, rt, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeResource sends a stored resource with its location, projected,
// with the ETag header.
func (h *handler) writeResource(w http.ResponseWriter, status int, res scim.Resource, loc string, proj *scim.Projection) {
	w.Header().Set("ETag", etagOf(res))
	writeJSON(w, status, proj.Apply(withLocation(res, loc)))
}

// projection reads the attributes and excludedAttributes parameters,
// which apply to every response that returns a resource (RFC 7644 §3.9).
func (h *handler) projection(r *http.Request, rt *scim.ResourceType) (*scim.Projection, error) {
	q, err := parseQuery(r)
	if err != nil {
		return nil, err
	}
	return rt.NewProjection(q.get("attributes"), q.get("excludedAttributes"))
}
