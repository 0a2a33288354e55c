package scimconn

import (
	"context"
	"fmt"
	"strconv"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
)

// List implements connector.Lister: one page of /Users (Config.PageSize,
// lowered to the server's maximum), with each account's entitlements. The
// cursor is the startIndex of the next page, "" after the last.
func (c *Conn) List(ctx context.Context, cursor string) (page []account.Account, next string, err error) {
	if err := c.ready(ctx); err != nil {
		return nil, "", err
	}
	start := 1
	if cursor != "" {
		if start, err = strconv.Atoi(cursor); err != nil || start < 1 {
			return nil, "", connector.NewPermanent(fmt.Errorf("scim: list cursor %q is not a startIndex", cursor), "")
		}
	}
	l, err := c.page(ctx, usersEndpoint, nil, start)
	if err != nil {
		return nil, "", err
	}
	ents, err := c.entitlements(ctx, l.Resources)
	if err != nil {
		return nil, "", err
	}
	page = make([]account.Account, 0, len(l.Resources))
	for _, u := range l.Resources {
		if u.ID() != "" {
			page = append(page, c.toAccount(u, ents[u.ID()]))
		}
	}
	if n := len(l.Resources); n > 0 && start-1+n < l.TotalResults {
		next = strconv.Itoa(start + n)
	}
	return page, next, nil
}
