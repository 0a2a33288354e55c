package scim

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ListResponseURN is the schema of a query response (RFC 7644 §3.4.2).
const ListResponseURN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

// ListResponse is the body of a query response.
type ListResponse struct {
	// Schemas is ListResponseURN.
	Schemas []string `json:"schemas"`
	// TotalResults counts every match, not just this page.
	TotalResults int `json:"totalResults"`
	// StartIndex is the 1-based index of the first resource of the page.
	StartIndex int `json:"startIndex"`
	// ItemsPerPage is the number of resources in this page.
	ItemsPerPage int `json:"itemsPerPage"`
	// Resources is always an array, empty rather than null: Entra ID reads
	// a missing or null Resources as an error.
	Resources []Resource `json:"Resources"`
}

// NewListResponse builds the response for one page of a query: resources
// are the page (already projected), total the number of matches before
// paging, page the page they are.
func NewListResponse(resources []Resource, total int, page Page) *ListResponse {
	if resources == nil {
		resources = []Resource{}
	}
	return &ListResponse{
		Schemas:      []string{ListResponseURN},
		TotalResults: total,
		StartIndex:   max(page.StartIndex, 1),
		ItemsPerPage: len(resources),
		Resources:    resources,
	}
}

// Page is the window of a query's results a client asked for.
type Page struct {
	// StartIndex is 1-based (RFC 7644 §3.4.2.4).
	StartIndex int
	// Count is the most resources to return; 0 asks for the total only.
	Count int
}

// ParsePage reads the startIndex and count query parameters. Values below
// 1 (startIndex) and 0 (count) are raised to them, as RFC 7644 §3.4.2.4
// says; a missing count, or one above maxResults, becomes maxResults
// (maxResults <= 0 means no limit, and then a missing count means all).
// Non-integers are invalidValue.
func ParsePage(startIndex, count string, maxResults int) (Page, error) {
	p := Page{StartIndex: 1, Count: maxResults}
	if maxResults <= 0 {
		p.Count = math.MaxInt
	}
	if startIndex != "" {
		n, err := parseCount(startIndex)
		if err != nil {
			return p, InvalidValueError("startIndex: %q is not an integer", startIndex)
		}
		p.StartIndex = max(n, 1)
	}
	if count != "" {
		n, err := parseCount(count)
		if err != nil {
			return p, InvalidValueError("count: %q is not an integer", count)
		}
		p.Count = max(n, 0)
		if maxResults > 0 {
			p.Count = min(p.Count, maxResults)
		}
	}
	return p, nil
}

// parseCount parses an integer, saturating instead of failing on values
// too large for an int: they are valid, only absurd.
func parseCount(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if errors.Is(err, strconv.ErrRange) {
		if strings.HasPrefix(strings.TrimSpace(s), "-") {
			return math.MinInt, nil
		}
		return math.MaxInt, nil
	}
	return n, err
}

// Bounds returns the half-open range [lo, hi) of a result list of length
// total that the page covers, for slicing.
func (p Page) Bounds(total int) (lo, hi int) {
	lo = min(max(p.StartIndex, 1)-1, total)
	return lo, lo + min(max(p.Count, 0), total-lo)
}

// SortOrder is the sortOrder parameter.
type SortOrder string

// The sort orders; the default is ascending.
const (
	Ascending  SortOrder = "ascending"
	Descending SortOrder = "descending"
)

// Sorter orders resources by one attribute (RFC 7644 §3.4.2.3).
type Sorter struct {
	ref  attrRef
	leaf *Attribute
	desc bool
}

// NewSorter parses the sortBy and sortOrder parameters. It returns nil
// when sortBy is empty (no sorting asked). sortBy must name a known,
// returnable attribute (a complex one sorts by its "value"); sortOrder is
// "ascending" (default) or "descending" in any case. Errors are
// invalidValue.
func (rt *ResourceType) NewSorter(sortBy, sortOrder string) (*Sorter, error) {
	if strings.TrimSpace(sortBy) == "" {
		return nil, nil
	}
	s := &Sorter{}
	switch {
	case sortOrder == "" || strings.EqualFold(sortOrder, string(Ascending)):
	case strings.EqualFold(sortOrder, string(Descending)):
		s.desc = true
	default:
		return nil, InvalidValueError("sortOrder: %q is neither ascending nor descending", sortOrder)
	}
	paths, err := ParseAttributeList(sortBy)
	if err != nil {
		return nil, err
	}
	if len(paths) != 1 {
		return nil, InvalidValueError("sortBy: expected one attribute, got %q", sortBy)
	}
	if s.ref, err = rt.resolve(paths[0]); err != nil {
		return nil, InvalidValueError("sortBy: %v", err)
	}
	if s.ref.attr == nil {
		return nil, InvalidValueError("sortBy: %q is a schema, not an attribute", sortBy)
	}
	s.leaf = s.ref.leaf()
	if s.leaf.Type == TypeComplex {
		if s.leaf = s.leaf.valueSub(); s.leaf == nil {
			return nil, InvalidValueError("sortBy: complex attribute %q needs a sub-attribute", sortBy)
		}
	}
	if s.leaf.returned() == ReturnedNever || s.ref.attr.returned() == ReturnedNever {
		return nil, InvalidValueError("sortBy: attribute %q cannot be sorted on", sortBy)
	}
	return s, nil
}

// key is the value a resource sorts by: for a multi-valued attribute, that
// of the primary element, or else the first.
func (s *Sorter) key(res Resource) any {
	v := s.ref.get(res)
	if s.ref.attr.MultiValued {
		list := items(v)
		if len(list) == 0 {
			return nil
		}
		i := slices.IndexFunc(list, func(it any) bool {
			m, _ := it.(map[string]any)
			return m["primary"] == true
		})
		v = list[max(i, 0)]
	}
	if s.leaf != s.ref.attr {
		m, _ := v.(map[string]any)
		v = m[s.leaf.Name]
	}
	return v
}

// Compare orders two resources. Resources without a value sort last in
// either order, so a page of results starts with something to show.
func (s *Sorter) Compare(a, b Resource) int {
	ka, kb := s.key(a), s.key(b)
	switch {
	case ka == nil && kb == nil:
		return 0
	case ka == nil:
		return 1
	case kb == nil:
		return -1
	}
	c, ok := compareScalar(s.leaf, ka, kb)
	if !ok {
		return 0
	}
	if s.desc {
		return -c
	}
	return c
}

// Sort sorts resources in place, stably, so equal keys keep the store's
// order and paging stays consistent between requests.
func (s *Sorter) Sort(resources []Resource) {
	slices.SortStableFunc(resources, s.Compare)
}
