// Package memstore is an in-memory server.Store: safe for concurrent use,
// with the indexes a SCIM lookup needs, for tests, benchmarks and demos.
// Nothing survives the process.
//
// Uniqueness is enforced on userName for User and displayName for Group,
// folding case. Filters of the form `userName eq "…"` (or the Group's
// displayName), `id eq "…"` and `externalId eq "…"` are answered from
// indexes, so the lookup an IdP makes before provisioning each user costs
// the same at a hundred thousand users as at ten; other filters scan.
package memstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
)

// uniqueAttrs names each resource type's unique attribute, a top-level
// string compared case-insensitively.
var uniqueAttrs = map[string]string{"User": "userName", "Group": "displayName"}

// Store is the in-memory store. The zero value is not usable; call New.
type Store struct {
	// mu guards everything below. One lock for all types keeps Replace
	// trivially atomic; reads share it.
	mu     sync.RWMutex
	tables map[string]*table
}

// New returns an empty store.
func New() *Store {
	return &Store{tables: map[string]*table{}}
}

var _ server.Store = (*Store)(nil)

// table holds the resources of one type.
type table struct {
	unique string // attribute name, "" if none
	byID   map[string]*record
	// order lists records in insertion order for scans. Deleted records
	// stay, marked gone, until enough of them make remove compact it.
	order []*record
	gone  int
	// byUnique maps the folded unique value to its record.
	byUnique map[string]*record
	// byExternalID maps externalId (caseExact) to its records.
	byExternalID map[string][]*record
}

type record struct {
	res  scim.Resource
	gone bool
}

func (s *Store) table(rt string) *table {
	t, ok := s.tables[rt]
	if !ok {
		t = &table{
			unique: uniqueAttrs[rt], byID: map[string]*record{},
			byUnique: map[string]*record{}, byExternalID: map[string][]*record{},
		}
		s.tables[rt] = t
	}
	return t
}

// Create stores res under its id.
func (s *Store) Create(_ context.Context, rt string, res scim.Resource) (scim.Resource, error) {
	id := res.ID()
	if id == "" {
		return nil, fmt.Errorf("memstore: create %s: resource has no id", rt)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(rt)
	if _, ok := t.byID[id]; ok {
		return nil, fmt.Errorf("memstore: create %s: id %q exists", rt, id)
	}
	if err := t.checkUnique(res, nil); err != nil {
		return nil, err
	}
	rec := &record{res: copyResource(res)}
	t.insert(rec)
	return copyResource(rec.res), nil
}

// Get returns a copy of the resource with id.
func (s *Store) Get(_ context.Context, rt, id string) (scim.Resource, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, err := s.get(rt, id)
	if err != nil {
		return nil, err
	}
	return copyResource(rec.res), nil
}

func (s *Store) get(rt, id string) (*record, error) {
	if t, ok := s.tables[rt]; ok {
		if rec, ok := t.byID[id]; ok {
			return rec, nil
		}
	}
	return nil, fmt.Errorf("memstore: %s %q: %w", rt, id, server.ErrNotFound)
}

// Replace runs fn on a copy of the resource and stores its result, under
// the write lock.
func (s *Store) Replace(_ context.Context, rt, id string, fn func(old scim.Resource) (scim.Resource, error)) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.get(rt, id)
	if err != nil {
		return nil, err
	}
	res, err := fn(copyResource(rec.res))
	if err != nil {
		return nil, err
	}
	if res.ID() != id {
		return nil, fmt.Errorf("memstore: replace %s %q: the id changed to %q", rt, id, res.ID())
	}
	t := s.tables[rt]
	if err := t.checkUnique(res, rec); err != nil {
		return nil, err
	}
	t.unindex(rec)
	rec.res = copyResource(res)
	t.index(rec)
	return copyResource(rec.res), nil
}

// Delete removes the resource with id, after check.
func (s *Store) Delete(_ context.Context, rt, id string, check func(old scim.Resource) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.get(rt, id)
	if err != nil {
		return err
	}
	if check != nil {
		if err := check(copyResource(rec.res)); err != nil {
			return err
		}
	}
	s.tables[rt].remove(rec)
	return nil
}

// List answers q from an index when its filter is an equality on an
// indexed attribute, else by scanning in insertion order.
func (s *Store) List(_ context.Context, rt string, q server.Query) ([]scim.Resource, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tables[rt]
	if !ok {
		return nil, 0, nil
	}
	var matches []scim.Resource
	for _, rec := range t.candidates(q.Filter) {
		if !rec.gone && (q.Filter == nil || q.Filter.Match(rec.res)) {
			matches = append(matches, rec.res)
		}
	}
	if q.Sort != nil {
		q.Sort.Sort(matches)
	}
	lo, hi := q.Page.Bounds(len(matches))
	page := make([]scim.Resource, 0, hi-lo)
	for _, res := range matches[lo:hi] {
		page = append(page, copyResource(res))
	}
	return page, len(matches), nil
}

// Len returns the number of resources of type rt.
func (s *Store) Len(rt string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if t, ok := s.tables[rt]; ok {
		return len(t.byID)
	}
	return 0
}

// candidates returns the records that may match f, in insertion order:
// the few an index finds, or all of them. Every candidate is still
// matched against f, so an index only needs to find a superset.
func (t *table) candidates(f *scim.Filter) []*record {
	if f != nil {
		if eq, ok := f.Equality(); ok && !eq.MultiValued {
			var out []*record
			switch {
			case eq.Attr == "id":
				if rec, ok := t.byID[eq.Value]; ok {
					out = append(out, rec)
				}
				return out
			case t.unique != "" && eq.Attr == t.unique:
				// Folding finds the exact match too, if the catalog made
				// the attribute caseExact.
				if rec, ok := t.byUnique[foldKey(eq.Value)]; ok {
					out = append(out, rec)
				}
				return out
			case eq.Attr == "externalId" && eq.CaseExact:
				return t.byExternalID[eq.Value]
			}
		}
	}
	return t.order
}

func (t *table) insert(rec *record) {
	t.byID[rec.res.ID()] = rec
	t.order = append(t.order, rec)
	t.index(rec)
}

func (t *table) remove(rec *record) {
	t.unindex(rec)
	delete(t.byID, rec.res.ID())
	rec.gone = true
	t.gone++
	if t.gone > 64 && t.gone > len(t.order)/2 {
		live := t.order[:0]
		for _, r := range t.order {
			if !r.gone {
				live = append(live, r)
			}
		}
		clear(t.order[len(live):])
		t.order, t.gone = live, 0
	}
}

func (t *table) index(rec *record) {
	if k, ok := t.uniqueKey(rec.res); ok {
		t.byUnique[k] = rec
	}
	if ext, ok := rec.res["externalId"].(string); ok {
		t.byExternalID[ext] = append(t.byExternalID[ext], rec)
	}
}

func (t *table) unindex(rec *record) {
	if k, ok := t.uniqueKey(rec.res); ok && t.byUnique[k] == rec {
		delete(t.byUnique, k)
	}
	if ext, ok := rec.res["externalId"].(string); ok {
		list := t.byExternalID[ext]
		for i, r := range list {
			if r == rec {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(t.byExternalID, ext)
		} else {
			t.byExternalID[ext] = list
		}
	}
}

func (t *table) uniqueKey(res scim.Resource) (string, bool) {
	if t.unique == "" {
		return "", false
	}
	v, ok := res[t.unique].(string)
	if !ok {
		return "", false
	}
	return foldKey(v), true
}

// checkUnique fails if res's unique value belongs to a record other than
// self.
func (t *table) checkUnique(res scim.Resource, self *record) error {
	k, ok := t.uniqueKey(res)
	if !ok {
		return nil
	}
	if other, taken := t.byUnique[k]; taken && other != self {
		return &server.UniquenessError{Attribute: t.unique}
	}
	return nil
}

// foldKey maps s to a key shared by every string strings.EqualFold calls
// equal to it: each rune becomes the smallest rune of its case-folding
// orbit. (strings.ToLower is not enough: "K", the Kelvin sign, folds to
// "k" but does not lower to it.)
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

// copyResource deep-copies a resource so that neither the caller nor the
// store can change the other's data.
func copyResource(res scim.Resource) scim.Resource {
	return scim.Resource(copyValue(map[string]any(res)).(map[string]any))
}

func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = copyValue(e)
		}
		return m
	case scim.Resource:
		return copyResource(x)
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = copyValue(e)
		}
		return s
	}
	return v
}
