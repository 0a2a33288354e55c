package scimconn

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tenure-dev/tenure/scim"
)

// page fetches the page of endpoint's query q that starts at start
// (1-based), of the page size discovery settled on.
func (c *Conn) page(ctx context.Context, endpoint string, q url.Values, start int) (*listResponse, error) {
	q = maps.Clone(q)
	if q == nil {
		q = url.Values{}
	}
	q.Set("startIndex", strconv.Itoa(start))
	q.Set("count", strconv.Itoa(c.capabilities().pageSize))
	req := request{method: http.MethodGet, path: endpoint, query: q}
	resp, err := c.send(ctx, req)
	if err != nil {
		return nil, err
	}
	return c.decodeList(req.op(), resp)
}

// all pages through endpoint's query q and returns the resources keep
// accepts. It stops at totalResults, at an empty page, or at a page with
// nothing new (a server that ignores startIndex), so it always ends.
func (c *Conn) all(ctx context.Context, endpoint string, q url.Values, keep func(scim.Resource) bool) ([]scim.Resource, error) {
	seen := map[string]bool{}
	var out []scim.Resource
	start := 1
	for {
		l, err := c.page(ctx, endpoint, q, start)
		if err != nil {
			return nil, err
		}
		fresh := 0
		for _, r := range l.Resources {
			id := r.ID()
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			fresh++
			if keep(r) {
				out = append(out, r)
			}
		}
		start += len(l.Resources)
		if fresh == 0 || start-1 >= l.TotalResults {
			return out, nil
		}
	}
}

// where returns the resources of endpoint whose attribute p equals value
// (folding case if fold): with a filter when the server supports them,
// else by paging through everything. Either way each result is checked
// here, so a server that ignores the filter cannot return a wrong match.
// attributes, when set, restricts what is returned (it must include p).
func (c *Conn) where(ctx context.Context, endpoint string, p scim.AttrPath, value string, fold bool, attributes string) ([]scim.Resource, error) {
	keep := func(r scim.Resource) bool {
		v := attrString(r, p)
		if fold {
			return strings.EqualFold(v, value)
		}
		return v == value
	}
	q := url.Values{}
	if attributes != "" {
		q.Set("attributes", attributes)
	}
	if c.capabilities().filter {
		q.Set("filter", eqFilter(p, value))
	}
	return c.all(ctx, endpoint, q, keep)
}

// eqFilter is `p eq "value"`, quoted and escaped by the SCIM core.
func eqFilter(p scim.AttrPath, value string) string {
	return (&scim.CompareExpr{Path: p, Op: scim.Eq, Value: value}).String()
}

// memberPath is `members[value eq "id"]`, the filter and the PATCH path
// that select a member.
func memberPath(id string) string {
	return scim.Path{
		Attr:   scim.AttrPath{Name: "members"},
		Filter: &scim.CompareExpr{Path: scim.AttrPath{Name: "value"}, Op: scim.Eq, Value: id},
	}.String()
}

// resourcePath is endpoint/id with id escaped.
func resourcePath(endpoint, id string) string { return endpoint + "/" + url.PathEscape(id) }
