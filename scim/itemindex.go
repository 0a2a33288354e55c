package scim

import (
	"strings"
	"unicode"
)

// itemIndex finds, among the elements of a multi-valued attribute, the
// one that is the same item as a given element (sameItem). Groups have
// thousands of members and IdPs add or remove hundreds per PATCH; looking
// candidates up by "value" keeps that linear instead of quadratic.
type itemIndex struct {
	a     *Attribute
	list  []any
	byKey map[string][]int // elements whose value is a string, by foldKey
	other []int            // the rest, compared one by one
}

func newItemIndex(a *Attribute, list []any) *itemIndex {
	x := &itemIndex{a: a, byKey: make(map[string][]int, len(list))}
	for _, it := range list {
		x.add(it)
	}
	return x
}

// add appends an element to the indexed list.
func (x *itemIndex) add(it any) {
	i := len(x.list)
	x.list = append(x.list, it)
	if k, ok := x.key(it); ok {
		x.byKey[k] = append(x.byKey[k], i)
	} else {
		x.other = append(x.other, i)
	}
}

// find returns the index of the first element that is the same item as
// it, or -1.
func (x *itemIndex) find(it any) int {
	candidates := x.other
	if k, ok := x.key(it); ok {
		candidates = x.byKey[k]
	}
	for _, i := range candidates {
		if sameItem(x.a, x.list[i], it) {
			return i
		}
	}
	return -1
}

// key is the string an element is indexed by: its value (the "value"
// sub-attribute of a complex element), case-folded unless caseExact. Two
// elements that sameItem calls the same always share a key; elements
// without a string value have none, and can only be the same as each
// other.
func (x *itemIndex) key(it any) (string, bool) {
	attr, v := x.a, it
	if x.a.Type == TypeComplex {
		m, _ := it.(map[string]any)
		if attr = x.a.valueSub(); attr == nil {
			return "", false
		}
		v = m["value"]
	}
	s, ok := v.(string)
	switch {
	case !ok:
		return "", false
	case attr.CaseExact || attr.Type == TypeBinary:
		return s, true
	}
	return foldKey(s), true
}

// foldKey maps s to a representative of its case-folding class, so that
// strings.EqualFold(a, b) implies foldKey(a) == foldKey(b). strings.ToLower
// does not: "ſ" (long s) folds to "s" but does not lower to it.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		// The smallest rune of r's SimpleFold orbit stands for the orbit.
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}
