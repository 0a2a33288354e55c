package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-jose/go-jose/v4"

	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/signal"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/token"
)

// ssfRoutes mounts the tenant's signing keys, its SSF transmitter
// metadata and stream management (SSF 1.0 §7–8), and the RFC 8936 poll
// endpoint. Stream calls need a token of scope ssf; a receiver sees only
// the streams its token created.
func (s *Server) ssfRoutes(mux *http.ServeMux) {
	if s.Signals == nil {
		return
	}
	mux.HandleFunc("GET /t/{tenant}/jwks.json", s.getJWKS)
	mux.HandleFunc("GET /.well-known/ssf-configuration/t/{tenant}", s.getSSFMetadata)
	mux.Handle("POST /t/{tenant}/ssf/streams", s.tenant("ssf", s.ssf(http.StatusCreated, func(r *http.Request, t, owner string, body []byte) (any, error) {
		return s.Signals.CreateStream(r.Context(), t, owner, body)
	})))
	mux.Handle("GET /t/{tenant}/ssf/streams", s.tenant("ssf", s.ssf(http.StatusOK, func(r *http.Request, t, owner string, _ []byte) (any, error) {
		id := r.URL.Query().Get("stream_id")
		list, err := s.Signals.Streams(r.Context(), t, owner, id)
		if err != nil || id == "" {
			return list, err
		}
		return list[0], nil
	})))
	mux.Handle("PATCH /t/{tenant}/ssf/streams", s.tenant("ssf", s.ssf(http.StatusOK, func(r *http.Request, t, owner string, body []byte) (any, error) {
		return s.Signals.UpdateStream(r.Context(), t, owner, body, false)
	})))
	mux.Handle("PUT /t/{tenant}/ssf/streams", s.tenant("ssf", s.ssf(http.StatusOK, func(r *http.Request, t, owner string, body []byte) (any, error) {
		return s.Signals.UpdateStream(r.Context(), t, owner, body, true)
	})))
	mux.Handle("DELETE /t/{tenant}/ssf/streams", s.tenant("ssf", s.ssf(http.StatusNoContent, func(r *http.Request, t, owner string, _ []byte) (any, error) {
		return nil, s.Signals.DeleteStream(r.Context(), t, owner, r.URL.Query().Get("stream_id"))
	})))
	mux.Handle("GET /t/{tenant}/ssf/status", s.tenant("ssf", s.ssf(http.StatusOK, func(r *http.Request, t, owner string, _ []byte) (any, error) {
		st, err := s.Signals.Status(r.Context(), t, owner, r.URL.Query().Get("stream_id"))
		return statusBody(st), err
	})))
	mux.Handle("POST /t/{tenant}/ssf/status", s.tenant("ssf", s.ssf(http.StatusOK, func(r *http.Request, t, owner string, body []byte) (any, error) {
		st, err := s.Signals.SetStatus(r.Context(), t, owner, body)
		return statusBody(st), err
	})))
	mux.Handle("POST /t/{tenant}/ssf/subjects:add", s.tenant("ssf", s.ssf(http.StatusOK, func(r *http.Request, t, owner string, body []byte) (any, error) {
		return nil, s.Signals.AddSubject(r.Context(), t, owner, body)
	})))
	mux.Handle("POST /t/{tenant}/ssf/subjects:remove", s.tenant("ssf", s.ssf(http.StatusNoContent, func(r *http.Request, t, owner string, body []byte) (any, error) {
		return nil, s.Signals.RemoveSubject(r.Context(), t, owner, body)
	})))
	mux.Handle("POST /t/{tenant}/ssf/verify", s.tenant("ssf", s.ssf(http.StatusNoContent, func(r *http.Request, t, owner string, body []byte) (any, error) {
		return nil, s.Signals.Verify(r.Context(), t, owner, body)
	})))
	mux.Handle("POST /t/{tenant}/ssf/poll/{stream}", s.tenant("ssf", s.ssf(http.StatusOK, func(r *http.Request, t, owner string, body []byte) (any, error) {
		return s.Signals.Poll(r.Context(), t, owner, r.PathValue("stream"), body)
	})))
}

type statusResponse struct {
	StreamID string `json:"stream_id"`
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
}

func statusBody(st signal.Stream) statusResponse {
	return statusResponse{StreamID: st.Config.StreamID, Status: st.Status, Reason: st.Reason}
}

// ssf adapts a stream-management call: it reads the body, runs the call
// as the token's receiver, and answers with the status the SSF
// specification gives (ok on success; a signal.Error's own status; 404 for
// what the store does not have).
func (s *Server) ssf(ok int, call func(r *http.Request, tenant, owner string, body []byte) (any, error)) tenantHandler {
	return func(w http.ResponseWriter, r *http.Request, t *lifecycle.Tenant, tok token.Token) {
		max := s.MaxBody
		if max <= 0 {
			max = 8 << 20
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", max), nil)
				return
			}
			writeError(w, http.StatusBadRequest, "cannot read body: "+err.Error(), nil)
			return
		}
		out, err := call(r, t.ID(), tok.ID, body)
		var se *signal.Error
		switch {
		case errors.As(err, &se):
			writeError(w, se.Status, se.Msg, nil)
		case errors.Is(err, store.ErrNotFound):
			writeError(w, http.StatusNotFound, "not found", nil)
		case err != nil:
			s.log().Error("ssf", "tenant", t.ID(), "path", r.URL.Path, "err", err)
			writeError(w, http.StatusInternalServerError, "internal error", nil)
		case ok == http.StatusNoContent || out == nil:
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(ok)
		default:
			writeJSON(w, ok, out)
		}
	}
}

// getJWKS publishes the tenant's verification keys: the signing key and
// those rotated out within the retention window. Public, cacheable for a
// few minutes (a verifier meeting an unknown kid fetches again).
func (s *Server) getJWKS(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("tenant")
	if _, ok := s.Tenants(id); !ok {
		writeError(w, http.StatusNotFound, "no such tenant", nil)
		return
	}
	set, err := s.Signals.Keys.Published(r.Context(), id)
	if err != nil {
		s.log().Error("jwks", "tenant", id, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
		return
	}
	if set.Keys == nil {
		set.Keys = []jsonWebKey{}
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	_ = jsonEncode(w, set)
}

// getSSFMetadata serves the transmitter configuration metadata.
func (s *Server) getSSFMetadata(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("tenant")
	if _, ok := s.Tenants(id); !ok {
		writeError(w, http.StatusNotFound, "no such tenant", nil)
		return
	}
	md, err := s.Signals.Metadata(id)
	if err != nil {
		writeError(w, http.StatusNotFound, "no such tenant", nil)
		return
	}
	writeJSON(w, http.StatusOK, md)
}

type jsonWebKey = jose.JSONWebKey

func jsonEncode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }
