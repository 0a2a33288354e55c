package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/tenure-dev/tenure/connector"
)

// Conn is a connector to one LDAP directory. It is safe for concurrent
// use: operations share one bound connection (LDAP multiplexes requests),
// and listings have their own, because a paging cookie belongs to the
// connection that issued it.
type Conn struct {
	s   *settings
	tls *tls.Config

	mu   sync.Mutex
	conn *goldap.Conn

	// listMu serialises List calls: OpenLDAP keeps one paged search per
	// connection, so two interleaved listings would cancel each other.
	listMu  sync.Mutex
	list    *goldap.Conn
	listGen uint64
}

var (
	_ connector.Connector           = (*Conn)(nil)
	_ connector.GroupManager        = (*Conn)(nil)
	_ connector.Lister              = (*Conn)(nil)
	_ connector.OwnershipTransferer = (*Conn)(nil)
)

// New validates cfg and returns the connector. A configuration error is
// Permanent; so is a server that rejects the bind. A server that cannot be
// reached now does not fail New: each operation dials again.
func New(ctx context.Context, cfg Config) (*Conn, error) {
	s, err := cfg.settings()
	if err != nil {
		return nil, connector.NewPermanent(err, "")
	}
	c := &Conn{s: s, tls: &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}}
	if s.caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(s.caPEM) {
			return nil, connector.NewPermanent(fmt.Errorf("ldap connector config: ca_file %s: no certificate parses", s.CAFile), "")
		}
		c.tls.RootCAs = pool
	}
	if _, err := c.client(ctx); err != nil {
		if class, _ := connector.Classify(err); class == connector.Permanent {
			return nil, err
		}
		s.Logger.Warn("ldap: server unreachable; each operation will dial again", "url", s.URL, "err", err)
	}
	return c, nil
}

// Close closes the connections. The Conn redials if used again.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
	c.mu.Unlock()
	c.listMu.Lock()
	if c.list != nil {
		c.list.Close()
		c.list = nil
	}
	c.listMu.Unlock()
	return nil
}

// dial opens and binds a new connection.
func (c *Conn) dial(ctx context.Context) (*goldap.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, connector.NewRetryable(fmt.Errorf("ldap dial: %w", err))
	}
	timeout := c.s.Timeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	l, err := goldap.DialURL(c.s.URL,
		goldap.DialWithDialer(&net.Dialer{Timeout: timeout}),
		goldap.DialWithTLSConfig(c.tls))
	if err != nil {
		return nil, classify("dial "+redactURL(c.s.URL), err)
	}
	l.SetTimeout(c.s.Timeout)
	if c.s.StartTLS {
		if err := l.StartTLS(c.tls); err != nil {
			l.Close()
			return nil, classify("starttls", err)
		}
	}
	if err := l.Bind(c.s.BindDN, c.s.BindPassword); err != nil {
		l.Close()
		return nil, classify(fmt.Sprintf("bind as %q", c.s.BindDN), err)
	}
	return l, nil
}

// client returns the shared operations connection, dialing if needed.
func (c *Conn) client(ctx context.Context) (*goldap.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil && !c.conn.IsClosing() {
		return c.conn, nil
	}
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
	l, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	c.conn = l
	return l, nil
}

// do runs fn on the operations connection and classifies its error. A
// connection failure drops the connection so the next call redials.
func (c *Conn) do(ctx context.Context, op string, fn func(*goldap.Conn) error) error {
	if err := ctx.Err(); err != nil {
		return connector.NewRetryable(fmt.Errorf("ldap %s: %w", op, err))
	}
	l, err := c.client(ctx)
	if err != nil {
		return err
	}
	err = fn(l)
	if err != nil && isNetwork(err) {
		c.mu.Lock()
		if c.conn == l {
			c.conn.Close()
			c.conn = nil
		}
		c.mu.Unlock()
	}
	return classify(op, err)
}

// search runs a non-paged search on the operations connection.
func (c *Conn) search(ctx context.Context, op string, req *goldap.SearchRequest) ([]*goldap.Entry, error) {
	var res *goldap.SearchResult
	err := c.do(ctx, op, func(l *goldap.Conn) error {
		var err error
		res, err = l.Search(req)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res.Entries, nil
}

// redactURL drops anything but scheme, host and port from an LDAP URL.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			rest = rest[:j]
		}
		if j := strings.LastIndexByte(rest, '@'); j >= 0 {
			rest = rest[j+1:]
		}
		return u[:i+3] + rest
	}
	return u
}
