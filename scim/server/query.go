package server

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tenure-dev/tenure/scim"
)

// SearchRequestURN is the schema of a POST .search body (RFC 7644
// §3.4.3).
const SearchRequestURN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

// queryParams are the parsed query string.
type queryParams url.Values

// parseQuery parses the query string strictly: a malformed escape is an
// error, not a silently dropped parameter, since a dropped filter would
// turn a lookup into a list of everyone.
func parseQuery(r *http.Request) (queryParams, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, scim.InvalidValueError("query string: %v", err)
	}
	return queryParams(v), nil
}

// get returns the first value of the parameter called name in any case:
// RFC 7644 names them in camel case, and clients vary.
func (q queryParams) get(name string) string {
	if v, ok := q[name]; ok && len(v) > 0 {
		return v[0]
	}
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// search is a query's parameters, from the query string or a SearchRequest
// body.
type search struct {
	filter, attributes, excludedAttributes, sortBy, sortOrder, startIndex, count string
}

func searchFromQuery(q queryParams) search {
	return search{
		filter: q.get("filter"), attributes: q.get("attributes"),
		excludedAttributes: q.get("excludedAttributes"), sortBy: q.get("sortBy"),
		sortOrder: q.get("sortOrder"), startIndex: q.get("startIndex"), count: q.get("count"),
	}
}

// searchFromBody reads a SearchRequest. Member names match in any case;
// attributes lists may be arrays (as the RFC says) or comma-separated
// strings, numbers may be strings.
func searchFromBody(body map[string]any) (search, error) {
	var s search
	for _, key := range slices.Sorted(maps.Keys(body)) {
		v := body[key]
		var dst *string
		kind := textValue
		switch strings.ToLower(key) {
		case "schemas":
			continue
		case "filter":
			dst = &s.filter
		case "attributes":
			dst, kind = &s.attributes, listValue
		case "excludedattributes":
			dst, kind = &s.excludedAttributes, listValue
		case "sortby":
			dst = &s.sortBy
		case "sortorder":
			dst = &s.sortOrder
		case "startindex":
			dst, kind = &s.startIndex, numberValue
		case "count":
			dst, kind = &s.count, numberValue
		default:
			return s, scim.InvalidSyntaxError("unknown member %q in SearchRequest", key)
		}
		str, ok := searchValue(v, kind)
		if !ok {
			return s, scim.InvalidValueError("SearchRequest %s: unexpected %s", key, jsonKind(v))
		}
		*dst = str
	}
	return s, nil
}

// The kinds of SearchRequest members.
const (
	textValue   = iota // a string
	listValue          // an array of strings, or a comma-separated string
	numberValue        // a number, or a string holding one
)

func searchValue(v any, kind int) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), kind == numberValue
	case []any:
		if kind != listValue {
			return "", false
		}
		parts := make([]string, 0, len(x))
		for _, it := range x {
			s, ok := it.(string)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), true
	}
	return "", false
}

// jsonKind names a JSON value's type for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// query serves GET /{endpoint}.
func (h *handler) query(w http.ResponseWriter, r *http.Request, rt *scim.ResourceType) {
	q, err := parseQuery(r)
	if err != nil {
		h.fail(w, r, rt, err)
		return
	}
	h.runSearch(w, r, []*scim.ResourceType{rt}, searchFromQuery(q))
}

// search serves POST /{endpoint}/.search.
func (h *handler) search(w http.ResponseWriter, r *http.Request, rt *scim.ResourceType) {
	h.searchBody(w, r, []*scim.ResourceType{rt})
}

// rootQuery serves GET / : a query across every resource type.
func (h *handler) rootQuery(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	h.runSearch(w, r, h.catalog.ResourceTypes(), searchFromQuery(q))
}

// rootSearch serves POST /.search.
func (h *handler) rootSearch(w http.ResponseWriter, r *http.Request) {
	h.searchBody(w, r, h.catalog.ResourceTypes())
}

func (h *handler) searchBody(w http.ResponseWriter, r *http.Request, types []*scim.ResourceType) {
	body, err := h.readBody(r, h.maxBody, []string{SearchRequestURN})
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	s, err := searchFromBody(body)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	h.runSearch(w, r, types, s)
}

// typeQuery is a search compiled for one resource type.
type typeQuery struct {
	rt    *scim.ResourceType
	q     Query
	proj  *scim.Projection
	total int
}

// runSearch answers a search over types (one, or all for the root). With
// several types, one whose schema cannot take the filter or sort is left
// out, unless that leaves none; results come type by type, in catalog
// order, each sorted on its own.
func (h *handler) runSearch(w http.ResponseWriter, r *http.Request, types []*scim.ResourceType, s search) {
	page, err := scim.ParsePage(s.startIndex, s.count, h.spc.Filter.MaxResults)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	var plans []*typeQuery
	var firstErr error
	for _, rt := range types {
		tq, err := compileSearch(rt, s)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		plans = append(plans, tq)
	}
	if firstErr != nil && (len(plans) == 0 || len(types) == 1) {
		var rt *scim.ResourceType
		if len(types) == 1 {
			rt = types[0]
		}
		h.fail(w, r, rt, firstErr)
		return
	}
	resources, total, err := h.listPlans(r.Context(), plans, page)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	base := h.baseURL(r)
	out := make([]scim.Resource, 0, len(resources))
	for _, pr := range resources {
		out = append(out, pr.tq.proj.Apply(withLocation(pr.res, location(base, pr.tq.rt, pr.res.ID()))))
	}
	writeJSON(w, http.StatusOK, scim.NewListResponse(out, total, page))
}

func compileSearch(rt *scim.ResourceType, s search) (*typeQuery, error) {
	tq := &typeQuery{rt: rt}
	var err error
	if strings.TrimSpace(s.filter) != "" {
		if tq.q.Filter, err = rt.ParseFilter(s.filter); err != nil {
			return nil, err
		}
	}
	if tq.q.Sort, err = rt.NewSorter(s.sortBy, s.sortOrder); err != nil {
		return nil, err
	}
	if tq.proj, err = rt.NewProjection(s.attributes, s.excludedAttributes); err != nil {
		return nil, err
	}
	return tq, nil
}

type planResource struct {
	tq  *typeQuery
	res scim.Resource
}

// listPlans pages through the concatenation of the plans' results. One
// plan is one List call; several first ask each for its total (Count 0),
// then each for the part of the page that falls in its results.
func (h *handler) listPlans(ctx context.Context, plans []*typeQuery, page scim.Page) ([]planResource, int, error) {
	if len(plans) == 1 {
		tq := plans[0]
		tq.q.Page = page
		list, total, err := h.store.List(ctx, tq.rt.Name, tq.q)
		if err != nil {
			return nil, 0, err
		}
		out := make([]planResource, len(list))
		for i, res := range list {
			out[i] = planResource{tq, res}
		}
		return out, total, nil
	}
	total := 0
	for _, tq := range plans {
		q := tq.q
		q.Page = scim.Page{StartIndex: 1, Count: 0}
		_, n, err := h.store.List(ctx, tq.rt.Name, q)
		if err != nil {
			return nil, 0, err
		}
		tq.total = n
		total += n
	}
	lo, hi := page.Bounds(total)
	var out []planResource
	offset := 0
	for _, tq := range plans {
		start, end := max(lo, offset), min(hi, offset+tq.total)
		if start < end {
			q := tq.q
			q.Page = scim.Page{StartIndex: start - offset + 1, Count: end - start}
			list, _, err := h.store.List(ctx, tq.rt.Name, q)
			if err != nil {
				return nil, 0, err
			}
			for _, res := range list {
				out = append(out, planResource{tq, res})
			}
		}
		offset += tq.total
	}
	return out, total, nil
}
