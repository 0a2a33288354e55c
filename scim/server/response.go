package server

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/tenure-dev/tenure/scim"
)

// ContentType is the media type of every response (RFC 7644 §3.1).
const ContentType = "application/scim+json"

// writeJSON writes v as the response body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Everything written is built from canonical resources and fixed
		// structs, which always marshal.
		status = http.StatusInternalServerError
		b, _ = json.Marshal(&scim.Error{Status: status, Detail: "internal server error"})
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError writes a SCIM error body; e's status is the response's.
func writeError(w http.ResponseWriter, e *scim.Error) {
	writeJSON(w, e.Status, e)
}

// fail answers err: a *scim.Error as it is, a store sentinel as its SCIM
// error, anything else as a logged 500 whose cause the client does not see.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, rt *scim.ResourceType, err error) {
	e := h.scimError(rt, err)
	if e.Status >= 500 {
		h.log.Error("scim: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, e)
}

// scimError maps err to the SCIM error the client gets.
func (h *handler) scimError(rt *scim.ResourceType, err error) *scim.Error {
	name := "resource"
	if rt != nil {
		name = rt.Name
	}
	if u, ok := errors.AsType[*UniquenessError](err); ok {
		return scim.UniquenessError("another %s already has this %s", name, u.Attribute)
	}
	switch {
	case errors.Is(err, ErrUniqueness):
		return scim.UniquenessError("another %s already has this unique value", name)
	case errors.Is(err, ErrNotFound):
		return scim.NotFoundError("%s not found", name)
	}
	return scim.AsError(err)
}

// readBody reads and decodes a request body after checking its media
// type. schemas lists the URNs the body's "schemas" may hold.
func (h *handler) readBody(r *http.Request, limit int64, schemas []string) (map[string]any, error) {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	return scim.DecodeRequest(r.Body, scim.DecodeOptions{MaxBytes: limit, Schemas: schemas})
}

// checkContentType accepts application/scim+json and application/json
// with any parameters (Okta sends charset=utf-8), and a missing header.
func checkContentType(h string) error {
	if strings.TrimSpace(h) == "" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(h)
	if err == nil && (mt == ContentType || mt == "application/json") {
		if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8") {
			return nil
		}
		return &scim.Error{Status: http.StatusUnsupportedMediaType,
			Detail: "charset " + strconv.Quote(params["charset"]) + " is not supported; send UTF-8"}
	}
	return &scim.Error{Status: http.StatusUnsupportedMediaType,
		Detail: "Content-Type must be application/scim+json or application/json, got " + strconv.Quote(h)}
}

// etagOf returns a stored resource's version: meta.version, or the hash
// of its content if the store lost it.
func etagOf(res scim.Resource) string {
	if meta, ok := res["meta"].(map[string]any); ok {
		if v, ok := meta["version"].(string); ok && v != "" {
			return v
		}
	}
	return scim.ETag(res)
}

// withLocation sets meta.location on a stored resource about to be sent.
func withLocation(res scim.Resource, loc string) scim.Resource {
	meta, ok := res["meta"].(map[string]any)
	if !ok {
		meta = map[string]any{}
		res["meta"] = meta
	}
	meta["location"] = loc
	return res
}

// location is the URL of a resource.
func location(base string, rt *scim.ResourceType, id string) string {
	return base + rt.Endpoint + "/" + id
}

// preferMinimal reports whether a Prefer header (RFC 7240) asks for
// return=minimal.
func preferMinimal(h []string) bool {
	for _, line := range h {
		for p := range strings.SplitSeq(line, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "return") &&
				strings.EqualFold(strings.Trim(strings.TrimSpace(v), `"`), "minimal") {
				return true
			}
		}
	}
	return false
}
