package scimconn

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/scim"
)

// Defaults for the zero values of Config.
const (
	// DefaultTimeout bounds one request, response body included.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxConcurrent is how many requests one connector has in
	// flight at most: enough to overlap latency, few enough that a small
	// app's API is not overwhelmed.
	DefaultMaxConcurrent = 4
	// DefaultPageSize is the count asked for per page when listing.
	DefaultPageSize = 100
	// DefaultEmployeeIDAttr is where the person id goes: externalId is
	// meant for the provisioning client's own identifier (RFC 7643 §3.1).
	DefaultEmployeeIDAttr = "externalId"
)

// Config configures New.
type Config struct {
	// BaseURL is the SCIM root of the app, absolute http or https
	// ("https://app.example/scim/v2"), without credentials, query or
	// fragment. Endpoints (/Users, /Groups) are appended to it.
	BaseURL string
	// Token is the bearer token, already resolved by the caller from
	// token_env or token_file. It is sent in the Authorization header only
	// and never logged or put into errors.
	Token string
	// Auth, when set, authenticates instead of Token: Bearer, Basic or
	// *OAuth2 (client credentials). Exactly one of Token and Auth is set.
	Auth Auth
	// Timeout bounds each request, body included; zero means
	// DefaultTimeout. A request that runs past it is a Retryable error.
	Timeout time.Duration
	// MaxConcurrent caps the requests in flight; zero means
	// DefaultMaxConcurrent.
	MaxConcurrent int
	// RatePerSecond spaces requests with a token bucket (burst: one
	// second's worth, at least one request); zero means unlimited. Set it
	// to stay below an app's documented rate limit rather than learning it
	// from 429s.
	RatePerSecond float64
	// PageSize is the count asked for when listing or paging through
	// resources; zero means DefaultPageSize. It is lowered to the server's
	// filter.maxResults when that is smaller.
	PageSize int
	// HTTPClient sends the requests; nil means a client of its own that
	// does not follow redirects (a redirect is a Permanent error: it means
	// the URL is wrong, and following it could send a write elsewhere).
	HTTPClient *http.Client
	// EmployeeIDAttr is the user attribute that holds the person id, used
	// to correlate and written on create and adoption. Empty means
	// DefaultEmployeeIDAttr. It is a core attribute name ("externalId") or
	// an extension attribute qualified by its schema URN
	// ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber").
	EmployeeIDAttr string
	// Mapping maps SCIM attributes to templates over the person's fields
	// (see the Mapping section of mapping.go and CheckMapping); nil maps
	// only the built-in attributes.
	Mapping map[string]string
	// AllowLoopback accepts a BaseURL on a loopback address (localhost,
	// 127.0.0.0/8, ::1), which is refused otherwise so that a tenant's
	// configuration cannot aim the token and requests at Tenure's own
	// host. For tests.
	AllowLoopback bool
	// Logger receives a debug line per request (method, path, status,
	// duration; never headers or bodies) and warnings; nil means
	// slog.Default().
	Logger *slog.Logger
}

// check validates the configuration, reporting every problem at once, and
// returns the parsed base URL and employee-id attribute.
func (cfg *Config) check() (base string, idAttr scim.AttrPath, err error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	u, perr := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "":
		bad("url is empty")
	case perr != nil:
		// url.Error repeats the whole URL, credentials included; say less.
		bad("url does not parse")
	case u.Scheme != "http" && u.Scheme != "https":
		bad("url %q: scheme must be http or https", u.Redacted())
	case u.User != nil:
		bad("url %q: credentials belong in the token, not the URL", u.Redacted())
	case u.Host == "" || u.Hostname() == "":
		bad("url %q has no host", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		bad("url %q: a SCIM base URL has no query or fragment", u.Redacted())
	case !cfg.AllowLoopback && isLoopback(u.Hostname()):
		bad("url %q points at a loopback address", u.Redacted())
	default:
		base = strings.TrimRight(u.String(), "/")
	}

	switch {
	case cfg.Auth != nil && cfg.Token != "":
		bad("give a token or an auth, not both")
	case cfg.Auth != nil:
		errs = append(errs, cfg.Auth.check(cfg.AllowLoopback)...)
	default:
		errs = append(errs, Bearer(cfg.Token).check(cfg.AllowLoopback)...)
	}
	if cfg.Timeout < 0 {
		bad("timeout %s is negative", cfg.Timeout)
	}
	if cfg.MaxConcurrent < 0 {
		bad("max_concurrent %d is negative", cfg.MaxConcurrent)
	}
	if cfg.PageSize < 0 {
		bad("page_size %d is negative", cfg.PageSize)
	}
	if cfg.RatePerSecond < 0 || math.IsNaN(cfg.RatePerSecond) || math.IsInf(cfg.RatePerSecond, 0) {
		bad("rate_per_second %v must be a positive number, or 0 for no limit", cfg.RatePerSecond)
	}
	idAttr, aerr := parseEmployeeIDAttr(cfg.EmployeeIDAttr)
	if aerr != nil {
		errs = append(errs, aerr)
	} else {
		for _, p := range CheckMapping(cfg.Mapping, cfg.EmployeeIDAttr) {
			bad("mapping %s: %s", p.Attr, p.Msg)
		}
	}
	return base, idAttr, errors.Join(errs...)
}

// isLoopback reports whether host names this machine: "localhost" (and
// its subdomains, RFC 6761) or a loopback or unspecified IP literal. No
// DNS lookup is made.
func isLoopback(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsUnspecified()
}

// parseEmployeeIDAttr reads Config.EmployeeIDAttr: a plain attribute name,
// or an extension URN followed by ":" and the attribute name.
func parseEmployeeIDAttr(s string) (scim.AttrPath, error) {
	if s == "" {
		s = DefaultEmployeeIDAttr
	}
	var p scim.AttrPath
	name := s
	if len(s) > 4 && strings.EqualFold(s[:4], "urn:") {
		i := strings.LastIndexByte(s, ':')
		p.URN, name = s[:i], s[i+1:]
	}
	if !validAttrName(name) {
		return p, fmt.Errorf("employee_id_attr %q: want an attribute name or URN:name", s)
	}
	switch strings.ToLower(name) {
	case "id", "username", "active", "meta", "schemas":
		if p.URN == "" {
			return p, fmt.Errorf("employee_id_attr %q is managed by the connector or the server", s)
		}
	}
	p.Name = name
	return p, nil
}

// validAttrName reports whether s is an ATTRNAME of RFC 7644 §3.10:
// a letter, then letters, digits, "_" or "-".
func validAttrName(s string) bool {
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (i == 0 || !(r >= '0' && r <= '9' || r == '_' || r == '-')) {
			return false
		}
	}
	return s != ""
}
