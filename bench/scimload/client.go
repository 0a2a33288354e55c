package scimload

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// client sends SCIM requests to one server on a loopback address, over a
// pool of keep-alive connections, one per request in flight.
type client struct {
	base  string // SCIM base URL, no trailing slash
	auth  string // Authorization header value
	httpc *http.Client
}

// newClient checks that baseURL names a loopback address and returns a
// client for it. The check happens before anything is sent; the dialer
// checks again at connect time, so nothing this package sends can leave
// the machine.
func newClient(baseURL, token string, conns int, timeout time.Duration) (*client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("scimload: base URL %q: %w", baseURL, err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("scimload: base URL %q: only http:// to a loopback address is supported", baseURL)
	}
	if !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("scimload: base URL %q: host is not a loopback address (127.0.0.0/8, ::1, localhost); load is only sent to this machine", baseURL)
	}
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("scimload: refusing to connect to %s: not a loopback address", address)
			}
			return nil
		},
	}
	transport := &http.Transport{
		DialContext:         dialer.DialContext,
		MaxConnsPerHost:     conns,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &client{
		base:  strings.TrimSuffix(baseURL, "/"),
		auth:  "Bearer " + token,
		httpc: &http.Client{Transport: transport, Timeout: timeout},
	}, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// do sends one request and returns the status and the whole body (read to
// the end, so the connection goes back to the pool).
func (c *client) do(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/scim+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := c.httpc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: reading the response: %w", method, path, err)
	}
	return resp.StatusCode, b, nil
}

// close drops the pooled connections.
func (c *client) close() { c.httpc.CloseIdleConnections() }
