package server

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/scim"
)

// Defaults for the limits of Config.ServiceProviderConfig.
const (
	// DefaultMaxResults is the page size cap when the configuration gives
	// none: large enough that IdPs page rarely, small enough that one
	// response stays a few megabytes.
	DefaultMaxResults = 1000
	// DefaultBulkMaxOperations caps the operations of one bulk request.
	DefaultBulkMaxOperations = 1000
	// DefaultBulkMaxPayloadSize caps a bulk request body: 1 MiB holds a
	// thousand ordinary users.
	DefaultBulkMaxPayloadSize = 1 << 20
)

// Config configures New.
type Config struct {
	// Store keeps the resources. Required.
	Store Store
	// Catalog lists the resource types served; nil means
	// scim.DefaultCatalog() (User with the enterprise extension, Group).
	Catalog *scim.Catalog
	// ServiceProviderConfig is what /ServiceProviderConfig advertises, and
	// its limits are enforced. Patch, Filter, Sort and ETag are always
	// supported and advertised as such whatever it says. Bulk.Supported
	// turns /Bulk on (it answers 501 otherwise). Zero limits take the
	// defaults above; no AuthenticationSchemes means bearer tokens.
	ServiceProviderConfig scim.ServiceProviderConfig
	// MaxBodyBytes is the largest request body outside /Bulk (whose limit
	// is Bulk.MaxPayloadSize); zero means scim.DefaultMaxBodyBytes.
	// Larger bodies are 413.
	MaxBodyBytes int64
	// BaseURL returns the absolute URL the handler is mounted at
	// ("https://tenure.example/t/acme/scim/v2"), for meta.location and
	// Location. nil derives it from the request: scheme (TLS or not), Host,
	// and the part of the request path that http.StripPrefix removed. Set
	// it behind a proxy, where neither is what clients use.
	BaseURL func(r *http.Request) string
	// Now is the clock for meta.created and meta.lastModified; nil means
	// time.Now.
	Now func() time.Time
	// NewID returns the id of a new resource; nil means a random UUID
	// (version 4). Ids must be unique per resource type and safe in a URL
	// path segment.
	NewID func() string
	// Logger receives server failures (500s, with their cause, which the
	// client never sees); nil means slog.Default().
	Logger *slog.Logger
}

// handler serves one configured SCIM service provider.
type handler struct {
	store   Store
	catalog *scim.Catalog
	spc     scim.ServiceProviderConfig
	maxBody int64
	baseURL func(r *http.Request) string
	now     func() time.Time
	newID   func() string
	log     *slog.Logger
	// schemaURNs are the URNs a resource body may list.
	schemaURNs []string
}

// New returns the SCIM handler. It panics if cfg.Store is nil, a
// programming error.
func New(cfg Config) http.Handler {
	if cfg.Store == nil {
		panic("scim/server: Config.Store is nil")
	}
	h := &handler{
		store:   cfg.Store,
		catalog: cmp.Or(cfg.Catalog, scim.DefaultCatalog()),
		spc:     cfg.ServiceProviderConfig,
		maxBody: cmp.Or(cfg.MaxBodyBytes, scim.DefaultMaxBodyBytes),
		baseURL: cfg.BaseURL,
		now:     cfg.Now,
		newID:   cfg.NewID,
		log:     cmp.Or(cfg.Logger, slog.Default()),
	}
	if h.baseURL == nil {
		h.baseURL = requestBaseURL
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.newID == nil {
		h.newID = newUUID
	}
	h.spc.Patch, h.spc.Sort, h.spc.ETag, h.spc.Filter.Supported = true, true, true, true
	h.spc.Filter.MaxResults = cmp.Or(h.spc.Filter.MaxResults, DefaultMaxResults)
	h.spc.Bulk.MaxOperations = cmp.Or(h.spc.Bulk.MaxOperations, DefaultBulkMaxOperations)
	h.spc.Bulk.MaxPayloadSize = cmp.Or(h.spc.Bulk.MaxPayloadSize, DefaultBulkMaxPayloadSize)
	if len(h.spc.AuthenticationSchemes) == 0 {
		h.spc.AuthenticationSchemes = []scim.AuthenticationScheme{scim.BearerTokenScheme}
	}
	h.schemaURNs = h.catalog.SchemaURNs()
	return h
}

// ServeHTTP routes a request. Routing is by hand rather than with
// http.ServeMux because endpoint names match in any case.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("scim: panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
			writeError(w, &scim.Error{Status: http.StatusInternalServerError, Detail: "internal server error"})
		}
	}()
	segs := splitPath(r.URL.Path)
	switch {
	case len(segs) == 0:
		h.allow(w, r, route{get: h.rootQuery})
	case len(segs) == 1 && segs[0] == ".search":
		h.allow(w, r, route{post: h.rootSearch})
	case len(segs) == 1 && (strings.EqualFold(segs[0], "ServiceProviderConfig") ||
		strings.EqualFold(segs[0], "ServiceProviderConfigs")): // the SCIM 1.1 name, still sent
		h.allow(w, r, route{get: h.serviceProviderConfig})
	case strings.EqualFold(segs[0], "Schemas") && len(segs) <= 2:
		h.allow(w, r, route{get: func(w http.ResponseWriter, r *http.Request) { h.schemas(w, r, segs[1:]) }})
	case strings.EqualFold(segs[0], "ResourceTypes") && len(segs) <= 2:
		h.allow(w, r, route{get: func(w http.ResponseWriter, r *http.Request) { h.resourceTypes(w, r, segs[1:]) }})
	case len(segs) == 1 && strings.EqualFold(segs[0], "Bulk"):
		h.allow(w, r, route{post: h.bulk})
	default:
		h.resourceRoute(w, r, segs)
	}
}

func (h *handler) resourceRoute(w http.ResponseWriter, r *http.Request, segs []string) {
	rt := h.catalog.ByEndpoint("/" + segs[0])
	switch {
	case rt == nil || len(segs) > 2:
		writeError(w, scim.NotFoundError("no endpoint %q", r.URL.Path))
	case len(segs) == 1:
		h.allow(w, r, route{
			get:  func(w http.ResponseWriter, r *http.Request) { h.query(w, r, rt) },
			post: func(w http.ResponseWriter, r *http.Request) { h.create(w, r, rt) },
		})
	case segs[1] == ".search":
		h.allow(w, r, route{post: func(w http.ResponseWriter, r *http.Request) { h.search(w, r, rt) }})
	default:
		id := segs[1]
		h.allow(w, r, route{
			get:    func(w http.ResponseWriter, r *http.Request) { h.get(w, r, rt, id) },
			put:    func(w http.ResponseWriter, r *http.Request) { h.replace(w, r, rt, id) },
			patch:  func(w http.ResponseWriter, r *http.Request) { h.patch(w, r, rt, id) },
			delete: func(w http.ResponseWriter, r *http.Request) { h.delete(w, r, rt, id) },
		})
	}
}

// route holds the handlers of one path by method; nil means not allowed.
type route struct {
	get, post, put, patch, delete http.HandlerFunc
}

// allow dispatches on the method, answering 405 with Allow otherwise.
func (h *handler) allow(w http.ResponseWriter, r *http.Request, rt route) {
	methods := []struct {
		name string
		f    http.HandlerFunc
	}{
		{http.MethodGet, rt.get}, {http.MethodPost, rt.post}, {http.MethodPut, rt.put},
		{http.MethodPatch, rt.patch}, {http.MethodDelete, rt.delete},
	}
	var allowed []string
	for _, m := range methods {
		if m.f == nil {
			continue
		}
		if r.Method == m.name {
			m.f(w, r)
			return
		}
		allowed = append(allowed, m.name)
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeError(w, &scim.Error{Status: http.StatusMethodNotAllowed,
		Detail: fmt.Sprintf("method %s is not allowed here; allowed: %s", r.Method, strings.Join(allowed, ", "))})
}

// splitPath splits a request path into its non-empty segments, so that a
// trailing or doubled slash changes nothing.
func splitPath(p string) []string {
	var segs []string
	for s := range strings.SplitSeq(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}

// requestBaseURL derives the base URL from the request: the original
// request path (RequestURI) minus what is left of it after
// http.StripPrefix (URL.Path) is where the handler is mounted.
func requestBaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	mount := ""
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		orig := u.EscapedPath()
		if m, ok := strings.CutSuffix(orig, r.URL.EscapedPath()); ok {
			mount = m
		} else if m, ok := strings.CutSuffix(orig, r.URL.Path); ok {
			mount = m
		}
	}
	return scheme + "://" + r.Host + strings.TrimSuffix(mount, "/")
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
