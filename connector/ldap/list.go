package ldap

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
)

// cursor is List's position: which base, and within it the paging cookie
// of the connection generation that issued it plus the count of entries
// already returned, to resume by skipping when that connection is gone.
type cursor struct {
	base   int
	gen    uint64
	offset int
	cookie []byte
}

func (k cursor) String() string {
	return fmt.Sprintf("v1.%d.%d.%d.%s", k.base, k.gen, k.offset, base64.RawURLEncoding.EncodeToString(k.cookie))
}

func parseCursor(s string) (cursor, error) {
	var k cursor
	if s == "" {
		return k, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) != 5 || parts[0] != "v1" {
		return k, fmt.Errorf("ldap: list cursor %q is not one this connector issued", s)
	}
	var err [4]error
	k.base, err[0] = strconv.Atoi(parts[1])
	k.gen, err[1] = strconv.ParseUint(parts[2], 10, 64)
	k.offset, err[2] = strconv.Atoi(parts[3])
	k.cookie, err[3] = base64.RawURLEncoding.DecodeString(parts[4])
	for _, e := range err {
		if e != nil || k.base < 0 || k.offset < 0 {
			return cursor{}, fmt.Errorf("ldap: list cursor %q is malformed", s)
		}
	}
	return k, nil
}

// List implements connector.Lister: one page (PageSize entries) of a
// Simple Paged Results search (RFC 2696) of the users base, then the
// disabled OU and the service accounts when they lie outside it. Each
// account carries its state, its groups as entitlements and, for service
// accounts, its owner. The cursor holds the server's paging cookie; if
// the connection that issued it is gone, the listing resumes by skipping
// the entries already returned, so a dropped connection costs time, not
// entries. Only one page is ever held in memory.
func (c *Conn) List(ctx context.Context, cur string) ([]account.Account, string, error) {
	k, err := parseCursor(cur)
	if err != nil {
		return nil, "", connector.NewPermanent(err, "")
	}
	bases := c.s.listBases()
	if k.base >= len(bases) {
		return nil, "", connector.NewPermanent(fmt.Errorf("ldap: list cursor %q names base %d of %d", cur, k.base, len(bases)), "")
	}
	c.listMu.Lock()
	defer c.listMu.Unlock()
	for {
		entries, next, err := c.listPage(ctx, bases[k.base], k)
		if err != nil {
			return nil, "", err
		}
		if next == nil && k.base+1 < len(bases) {
			k = cursor{base: k.base + 1}
			if len(entries) == 0 {
				continue
			}
			next = &k
		}
		page, err := c.accounts(ctx, entries)
		if err != nil {
			return nil, "", err
		}
		if next == nil {
			return page, "", nil
		}
		return page, next.String(), nil
	}
}

// listPage reads the page of base at k; next is nil after the last.
func (c *Conn) listPage(ctx context.Context, base string, k cursor) ([]*goldap.Entry, *cursor, error) {
	l, gen, err := c.listConn(ctx)
	if err != nil {
		return nil, nil, err
	}
	if len(k.cookie) > 0 && k.gen == gen {
		entries, cookie, err := c.paged(ctx, l, base, k.cookie)
		if err == nil {
			return entries, c.advance(k, gen, len(entries), cookie), nil
		}
		if isNetwork(err) {
			return nil, nil, err
		}
		// The server no longer knows the cookie: resume by skipping.
		c.s.Logger.DebugContext(ctx, "ldap: paging cookie refused; resuming by skipping", "base", base, "offset", k.offset, "err", err)
	}
	var cookie []byte
	skip := k.offset
	for {
		entries, next, err := c.paged(ctx, l, base, cookie)
		if err != nil {
			return nil, nil, err
		}
		if skip >= len(entries) && len(next) > 0 {
			skip -= len(entries)
			cookie = next
			continue
		}
		entries = entries[min(skip, len(entries)):]
		return entries, c.advance(k, gen, len(entries), next), nil
	}
}

// advance is the cursor after n more entries of k's base.
func (c *Conn) advance(k cursor, gen uint64, n int, cookie []byte) *cursor {
	if len(cookie) == 0 {
		return nil
	}
	return &cursor{base: k.base, gen: gen, offset: k.offset + n, cookie: cookie}
}

// paged runs one paged search request and returns the next cookie.
func (c *Conn) paged(ctx context.Context, l *goldap.Conn, base string, cookie []byte) ([]*goldap.Entry, []byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, connector.NewRetryable(fmt.Errorf("ldap list: %w", err))
	}
	pc := goldap.NewControlPaging(uint32(c.s.PageSize))
	pc.SetCookie(cookie)
	req := goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, int(c.s.Timeout.Seconds()),
		false, c.s.UserFilter, c.s.userAttrs(), []goldap.Control{pc})
	res, err := l.Search(req)
	if err != nil {
		if isCode(err, goldap.LDAPResultNoSuchObject) && base != c.s.UserBaseDN {
			return nil, nil, nil // an optional base not created yet
		}
		if isNetwork(err) {
			c.dropList(l)
		}
		return nil, nil, classify("list "+base, err)
	}
	var next []byte
	if p, ok := goldap.FindControl(res.Controls, goldap.ControlTypePaging).(*goldap.ControlPaging); ok {
		next = p.Cookie
	}
	return res.Entries, next, nil
}

// listConn returns the listing connection and its generation.
func (c *Conn) listConn(ctx context.Context) (*goldap.Conn, uint64, error) {
	if c.list != nil && !c.list.IsClosing() {
		return c.list, c.listGen, nil
	}
	if c.list != nil {
		c.list.Close()
	}
	l, err := c.dial(ctx)
	if err != nil {
		c.list = nil
		return nil, 0, err
	}
	c.list = l
	// A generation unlikely to repeat across restarts, so a cursor from an
	// earlier process is never taken for this connection's.
	c.listGen = max(uint64(time.Now().UnixNano()), c.listGen+1)
	return l, c.listGen, nil
}

func (c *Conn) dropList(l *goldap.Conn) {
	if c.list == l {
		c.list.Close()
		c.list = nil
	}
}

// accounts converts a page of entries, with entitlements and owners.
func (c *Conn) accounts(ctx context.Context, entries []*goldap.Entry) ([]account.Account, error) {
	now := time.Now()
	dns := make([]string, len(entries))
	page := make([]account.Account, len(entries))
	ptrs := make([]*account.Account, len(entries))
	for i, e := range entries {
		dns[i] = e.DN
		page[i] = c.s.toAccount(e, now)
		ptrs[i] = &page[i]
	}
	groups, err := c.groupsOf(ctx, entries)
	if err != nil {
		return nil, err
	}
	for i := range page {
		page[i].Entitlements = groups[normDN(dns[i])]
	}
	if err := c.resolveOwners(ctx, ptrs); err != nil {
		return nil, err
	}
	return page, nil
}
