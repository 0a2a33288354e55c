package scimconn

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/scim"
)

// Conn is a connector to one SCIM service provider. It is safe for
// concurrent use.
type Conn struct {
	base     string // BaseURL without a trailing slash
	auth     Auth
	timeout  time.Duration
	pageSize int
	hc       *http.Client
	log      *slog.Logger
	idAttr   scim.AttrPath
	mapping  []mapped
	sem      chan struct{}
	limit    *bucket // nil: unlimited
	now      func() time.Time

	// caps is nil until discovery has succeeded.
	caps       atomic.Pointer[capabilities]
	discoverMu sync.Mutex

	groupMu sync.Mutex
	groupID map[string]string // entitlement → group id
	groupDN map[string]string // group id → displayName
}

var (
	_ connector.Connector    = (*Conn)(nil)
	_ connector.GroupManager = (*Conn)(nil)
	_ connector.Lister       = (*Conn)(nil)
)

// capabilities is what the connector learnt from /ServiceProviderConfig.
type capabilities struct {
	patch  bool
	filter bool
	// memberFilter is cleared when the server rejects a filter on group
	// members, which many servers that filter users cannot do.
	memberFilter bool
	etag         bool
	// pageSize is Config.PageSize, lowered to filter.maxResults.
	pageSize int
}

// assumed is what a server without /ServiceProviderConfig is taken to
// support: what nearly every SCIM server that skips discovery does.
func (c *Conn) assumed() capabilities {
	return capabilities{patch: true, filter: true, memberFilter: true, pageSize: c.pageSize}
}

// New validates cfg, reads the server's /ServiceProviderConfig and returns
// the connector. Configuration errors, and a server that rejects the
// token, are Permanent errors; a server that cannot be reached now does
// not fail New (discovery is retried before each operation).
func New(ctx context.Context, cfg Config) (*Conn, error) {
	base, idAttr, err := cfg.check()
	if err != nil {
		return nil, connector.NewPermanent(fmt.Errorf("scim connector: %w", err), "")
	}
	c := &Conn{
		base:     base,
		auth:     cmp.Or[Auth](cfg.Auth, Bearer(cfg.Token)),
		timeout:  cmp.Or(cfg.Timeout, DefaultTimeout),
		pageSize: cmp.Or(cfg.PageSize, DefaultPageSize),
		hc:       cfg.HTTPClient,
		log:      cmp.Or(cfg.Logger, slog.Default()),
		idAttr:   idAttr,
		sem:      make(chan struct{}, cmp.Or(cfg.MaxConcurrent, DefaultMaxConcurrent)),
		now:      time.Now,
		groupID:  map[string]string{},
		groupDN:  map[string]string{},
	}
	if c.hc == nil {
		c.hc = &http.Client{
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	c.mapping, _ = parseMapping(cfg.Mapping, cfg.EmployeeIDAttr) // checked above
	c.limit = newBucket(cfg.RatePerSecond, time.Now)
	if err := c.ready(ctx); err != nil {
		if class, _ := connector.Classify(err); class == connector.Permanent {
			return nil, err
		}
		c.log.Warn("scim: service provider unreachable; discovery will be retried", "url", c.base, "err", err)
	}
	return c, nil
}

// ready makes sure discovery has run, running it now if it has not.
func (c *Conn) ready(ctx context.Context) error {
	if c.caps.Load() != nil {
		return nil
	}
	c.discoverMu.Lock()
	defer c.discoverMu.Unlock()
	if c.caps.Load() != nil {
		return nil
	}
	caps, err := c.discover(ctx)
	if err != nil {
		return err
	}
	c.caps.Store(&caps)
	return nil
}

// capabilities returns what discovery found; only called after ready.
func (c *Conn) capabilities() capabilities {
	if p := c.caps.Load(); p != nil {
		return *p
	}
	return c.assumed()
}

// withoutMemberFilter records that the server cannot filter groups by
// member.
func (c *Conn) withoutMemberFilter() {
	for {
		old := c.caps.Load()
		if old == nil {
			return
		}
		caps := *old
		caps.memberFilter = false
		if c.caps.CompareAndSwap(old, &caps) {
			return
		}
	}
}

// discover reads /ServiceProviderConfig.
func (c *Conn) discover(ctx context.Context) (capabilities, error) {
	resp, err := c.do(ctx, request{method: http.MethodGet, path: "/ServiceProviderConfig"})
	if err != nil {
		return capabilities{}, err
	}
	switch resp.status {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		c.log.Info("scim: no /ServiceProviderConfig; assuming PATCH and filters", "url", c.base, "status", resp.status)
		return c.assumed(), nil
	default:
		return capabilities{}, c.statusError("scim GET /ServiceProviderConfig", resp)
	}
	// A feature the document does not mention keeps its assumed value.
	var doc struct {
		Patch  struct{ Supported *flexBool }
		Filter struct {
			Supported  *flexBool
			MaxResults int
		}
		ETag struct{ Supported *flexBool }
	}
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		c.log.Warn("scim: /ServiceProviderConfig is not JSON; assuming PATCH and filters", "url", c.base)
		return c.assumed(), nil
	}
	caps := c.assumed()
	caps.patch = doc.Patch.Supported.or(caps.patch)
	caps.filter = doc.Filter.Supported.or(caps.filter)
	caps.memberFilter = caps.filter
	caps.etag = doc.ETag.Supported.or(caps.etag)
	if doc.Filter.MaxResults > 0 {
		caps.pageSize = min(caps.pageSize, doc.Filter.MaxResults)
	}
	c.log.Debug("scim: discovered", "url", c.base, "patch", caps.patch, "filter", caps.filter, "etag", caps.etag,
		"pageSize", caps.pageSize)
	return caps, nil
}

// flexBool reads a JSON boolean, or one written as a string ("True"),
// which some servers send.
type flexBool bool

// or returns b's value, or def when b is nil (absent).
func (b *flexBool) or(def bool) bool {
	if b == nil {
		return def
	}
	return bool(*b)
}

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*b = flexBool(truthy(v))
	return nil
}
