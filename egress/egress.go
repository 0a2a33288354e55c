// Package egress decides where Tenure may send requests of its own: SSF push
// endpoints, back-channel logout URIs, webhooks, token revocation and IdP
// APIs. Those URLs come from tenant configuration or, worse, from a stream
// receiver over the API, so an unchecked one would let a tenant aim Tenure's
// credentials and signed tokens at its own host, the cloud metadata service
// or the internal network (SSRF).
//
// A Policy checks a URL before it is stored (Check) and again at connect
// time (Client): the address actually dialled is checked after DNS
// resolution, so a name that resolves to a forbidden address — or changes to
// one later (DNS rebinding) — is refused too. Redirects are never followed,
// since a redirect is just another way to reach an address that was never
// checked.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Policy says which destinations are allowed. The zero value is the safe
// default for production: https only, public addresses only.
type Policy struct {
	// AllowHTTP accepts plain http:// URLs. Off by default: a SET or a
	// logout token in clear text can be read and replayed on the way.
	AllowHTTP bool
	// AllowLoopback accepts localhost and 127.0.0.0/8, ::1: this machine.
	// For tests and single-machine setups.
	AllowLoopback bool
	// AllowPrivate accepts RFC 1918 and RFC 4193 ranges (10/8, 172.16/12,
	// 192.168/16, fc00::/7) and CGNAT 100.64/10: the internal network.
	AllowPrivate bool
}

// ErrForbidden is matched (errors.Is) by every refusal of this package.
var ErrForbidden = errors.New("destination not allowed")

// metadata lists cloud metadata endpoints that are refused whatever the
// policy: they hand out the host's cloud credentials. 169.254.169.254 (AWS,
// GCP, Azure, …) is link-local and refused with its range; these are the
// ones outside it.
var metadata = []netip.Prefix{
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS IMDS over IPv6
	netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud
}

// metadataHosts are names of metadata services, refused before any lookup.
var metadataHosts = []string{"metadata.google.internal", "metadata.goog", "metadata"}

// Check parses raw and checks it against the policy without any network
// access: scheme, no credentials in the URL, and the host when it is an IP
// literal or a name known to be local or a metadata service. It returns the
// parsed URL. Names are checked again at connect time by Client.
func (p Policy) Check(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, credentials included; say less.
		return nil, fmt.Errorf("%w: url does not parse", ErrForbidden)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("%w: %q: scheme must be https", ErrForbidden, u.Redacted())
	case u.Scheme == "http" && !p.AllowHTTP:
		return nil, fmt.Errorf("%w: %q: plain http is not allowed (use https)", ErrForbidden, u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("%w: %q: credentials do not belong in the URL", ErrForbidden, u.Redacted())
	case u.Hostname() == "":
		return nil, fmt.Errorf("%w: %q has no host", ErrForbidden, u.Redacted())
	case u.Fragment != "":
		return nil, fmt.Errorf("%w: %q: a fragment is not allowed", ErrForbidden, u.Redacted())
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	for _, m := range metadataHosts {
		if host == m {
			return nil, fmt.Errorf("%w: %q is a cloud metadata service", ErrForbidden, u.Redacted())
		}
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		if !p.AllowLoopback {
			return nil, fmt.Errorf("%w: %q points at this machine (loopback)", ErrForbidden, u.Redacted())
		}
		return u, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := p.checkAddr(ip); err != nil {
			return nil, fmt.Errorf("%q: %w", u.Redacted(), err)
		}
	}
	return u, nil
}

// checkAddr applies the policy to one resolved address.
func (p Policy) checkAddr(ip netip.Addr) error {
	ip = ip.Unmap()
	for _, m := range metadata {
		if m.Contains(ip) {
			return fmt.Errorf("%w: %s is a cloud metadata address", ErrForbidden, ip)
		}
	}
	switch {
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		return fmt.Errorf("%w: %s is link-local (cloud metadata lives there)", ErrForbidden, ip)
	case ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast():
		return fmt.Errorf("%w: %s is not a unicast address", ErrForbidden, ip)
	case ip.IsLoopback():
		if !p.AllowLoopback {
			return fmt.Errorf("%w: %s is loopback (this machine)", ErrForbidden, ip)
		}
	case ip.IsPrivate() || cgnat.Contains(ip):
		if !p.AllowPrivate {
			return fmt.Errorf("%w: %s is a private address", ErrForbidden, ip)
		}
	}
	return nil
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Client returns an HTTP client that only connects to addresses the policy
// allows (checked on the resolved address, at every dial) and never follows
// a redirect: the 3xx response is returned to the caller as it is. timeout
// bounds each whole request; 0 means 30 seconds.
func (p Policy) Client(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := &net.Dialer{
		Timeout: timeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot parse dialled address %q", ErrForbidden, address)
			}
			return p.checkAddr(ap.Addr())
		},
	}
	tr := &http.Transport{
		Proxy: nil, // a proxy would dial on our behalf, unchecked
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
