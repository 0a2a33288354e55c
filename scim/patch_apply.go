package scim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// ApplyPatch applies req to res (canonical, as stored) and returns the
// patched resource in canonical form. It is atomic: operations are applied
// in order to a copy, and any error leaves res untouched and returns no
// resource. Whether anything changed is Equal(old, new); a handler bumps
// meta (SetMeta) only then.
//
// Semantics follow RFC 7644 §3.5.2, with the tolerances Entra ID and Okta
// need:
//   - Without a path, add/replace take an object whose keys are attribute
//     names, dotted sub-paths ("name.givenName"), URN-qualified extension
//     attributes, or an extension URN holding an object; each key is
//     applied as if it were the path. Keys naming readOnly attributes (id,
//     meta, schemas) are ignored there, while a path naming one is a
//     mutability error.
//   - add to a multi-valued attribute appends the items that are not there
//     yet and merges those that are (same "value", and same "type" when
//     both have one), so adding an existing member is a no-op. replace
//     swaps the whole list. A single complex value is merged sub-attribute
//     by sub-attribute, except a reference such as manager, which is
//     replaced whole.
//   - add/replace on a value-filtered path (`emails[type eq "work"].value`)
//     sets the matched elements; if none match and the filter is a
//     conjunction of "eq" tests, an element built from those tests is
//     created ({"type":"work","value":…}); otherwise noTarget.
//   - remove with a filter that matches nothing is noTarget; remove of a
//     multi-valued attribute with a value removes just the items listed
//     (Entra's way of removing members).
//   - A null value, or an empty manager, unassigns the target. Setting
//     primary true on an item sets it false on the others.
//   - readOnly targets: mutability. immutable: settable while unassigned,
//     otherwise mutability if the value would change. Removing a required
//     attribute: invalidValue.
func (rt *ResourceType) ApplyPatch(res Resource, req *PatchRequest) (Resource, error) {
	// The operations rely on the canonical form (every complex value a
	// map), so they work on a canonical copy: normalising builds new maps
	// and slices throughout, and also accepts what a store's JSON decoding
	// may produce (float64 numbers). A stored resource that cannot be
	// normalised is the server's fault, not the client's.
	work, err := (&normalizer{rt: rt, mode: storedMode}).resource(res)
	if err != nil {
		return nil, &Error{Status: http.StatusInternalServerError, Detail: "stored resource is invalid", Err: err}
	}
	p := &patcher{rt: rt, res: work, norm: &normalizer{rt: rt, mode: writeMode}}
	for i, op := range req.Operations {
		if err := p.apply(op); err != nil {
			return nil, AsError(err).withContext(fmt.Sprintf("Operations[%d]", i))
		}
	}
	out, err := (&normalizer{rt: rt, mode: storedMode}).resource(p.res)
	if err == nil {
		err = rt.checkRequired(out, storedMode)
	}
	if err != nil {
		return nil, AsError(err).withContext("patched resource")
	}
	return out, nil
}

type patcher struct {
	rt   *ResourceType
	res  map[string]any // the working copy
	norm *normalizer    // for incoming values: readOnly dropped, types coerced
}

// target is a resolved PATCH path.
type target struct {
	ref        attrRef
	filter     matcher // over elements of ref.attr; nil if none
	filterExpr Expr
	path       string // canonical, for messages
}

func (p *patcher) apply(op PatchOperation) error {
	if op.Path != nil {
		t, err := p.target(*op.Path)
		if err != nil {
			return err
		}
		return p.do(op.Op, t, op.Value, false)
	}
	if op.Op == OpRemove {
		return NoTargetError("remove needs a path")
	}
	obj, ok := asObject(op.Value)
	if !ok {
		return InvalidValueError("%s without a path needs an object value, got %s", op.Op, jsonKind(op.Value))
	}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		if strings.EqualFold(key, "schemas") {
			continue
		}
		t, err := p.keyTarget(key)
		if err != nil {
			return err
		}
		if err := p.do(op.Op, t, obj[key], true); err != nil {
			return err
		}
	}
	return nil
}

func (p *patcher) target(path Path) (target, error) {
	ref, err := p.rt.resolve(path.Attr)
	if err != nil {
		return target{}, InvalidPathError("path %q: %v", path.String(), err)
	}
	t := target{ref: ref, path: ref.String()}
	if path.Filter == nil {
		return t, nil
	}
	if ref.attr == nil || ref.attr.Type != TypeComplex {
		return t, InvalidPathError("path %q: only a complex attribute can take a value filter", path.String())
	}
	m, err := compile(path.Filter, scope{parent: ref.attr})
	if err != nil {
		return t, InvalidPathError("path %q: %s", path.String(), AsError(err).Detail)
	}
	t.filter, t.filterExpr = m, path.Filter
	return t, nil
}

// keyTarget resolves a key of a path-less operation's value object.
func (p *patcher) keyTarget(key string) (target, error) {
	if ext := p.rt.extension(key); ext != nil {
		return target{ref: attrRef{ext: ext}, path: ext.ID}, nil
	}
	path, err := ParsePath(key)
	if err != nil {
		return target{}, InvalidSyntaxError("value member %q is not an attribute path: %s", key, AsError(err).Detail)
	}
	t, err := p.target(path)
	if err != nil {
		return target{}, InvalidSyntaxError("value member %q: %s", key, AsError(err).Detail)
	}
	return t, nil
}

// do applies one operation to one target. lenient is set for the keys of
// a path-less value object, where readOnly attributes are skipped.
func (p *patcher) do(op Op, t target, v any, lenient bool) error {
	a := t.ref.attr
	if a == nil {
		return p.doExtension(op, t.ref.ext, v)
	}
	if a.readOnly() || t.ref.sub != nil && t.ref.sub.readOnly() {
		if lenient {
			return nil
		}
		return MutabilityError("attribute %q is readOnly", t.path)
	}
	if op == OpRemove {
		return p.remove(t, v)
	}
	replace := op == OpReplace
	switch {
	case t.filter != nil:
		return p.setFiltered(t, v, replace)
	case t.ref.sub != nil:
		return p.setSub(t, v)
	case a.MultiValued:
		return p.setMulti(t, v, replace)
	case a.Type == TypeComplex:
		return p.setComplex(t, v)
	}
	nv, err := p.norm.value(a, v, t.path)
	if err != nil {
		return err
	}
	return p.store(t, nv)
}

// doExtension applies an operation whose target is a whole extension: its
// value is an object of the extension's attributes, each applied in turn.
func (p *patcher) doExtension(op Op, ext *Schema, v any) error {
	if op == OpRemove || v == nil {
		for _, e := range p.rt.Extensions {
			if e.Schema == ext && e.Required {
				return InvalidValueError("extension %s is required and cannot be removed", ext.ID)
			}
		}
		delete(p.res, ext.ID)
		return nil
	}
	obj, ok := asObject(v)
	if !ok {
		return InvalidValueError("%s: expected an object, got %s", ext.ID, jsonKind(v))
	}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		a := ext.Attribute(key)
		if a == nil {
			return InvalidSyntaxError("unknown attribute %q in %s", key, ext.ID)
		}
		ref := attrRef{ext: ext, attr: a}
		if err := p.do(op, target{ref: ref, path: ref.String()}, obj[key], true); err != nil {
			return err
		}
	}
	return nil
}

// store sets the top-level attribute of t to v (nil unassigns it),
// enforcing required and immutable.
func (p *patcher) store(t target, v any) error {
	a := t.ref.attr
	old := t.ref.get(p.res)
	switch {
	case v == nil && old == nil:
		return nil
	case v == nil && a.Required:
		return InvalidValueError("attribute %q is required and cannot be removed", t.path)
	case a.Mutability == Immutable && old != nil && (v == nil || !equalValue(a, old, v)):
		return MutabilityError("attribute %q is immutable and already has a value", t.path)
	case a.Mutability == Immutable && old != nil:
		return nil // the same value, maybe spelled differently: keep the stored one
	}
	t.ref.set(p.res, v)
	return nil
}

// setComplex adds or replaces a single-valued complex attribute: merged
// sub-attribute by sub-attribute (RFC 7644 §3.5.2.1/3), or swapped whole
// for a reference like manager.
func (p *patcher) setComplex(t target, v any) error {
	a := t.ref.attr
	nv, err := p.norm.value(a, v, t.path)
	if err != nil {
		return err
	}
	old, _ := t.ref.get(p.res).(map[string]any)
	given, isObject := asObject(v)
	if a.isReference() || !isObject || old == nil {
		if old != nil && nv != nil {
			keepReadOnlySubs(a, old, nv)
		}
		return p.store(t, nv)
	}
	// Merge: the sub-attributes given replace those stored, and a null
	// one is unassigned. The value normalised, so every key is known.
	merged := maps.Clone(old)
	normalised, _ := nv.(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(given)) {
		sub := a.Sub(k)
		if sub.readOnly() {
			continue
		}
		if err := setSubValue(sub, merged, normalised[sub.Name], t.path+"."+sub.Name); err != nil {
			return err
		}
	}
	return p.store(t, p.complexOrNil(a, merged))
}

// setSubValue sets (nil: deletes) sub-attribute sub of one complex value.
func setSubValue(sub *Attribute, obj map[string]any, v any, path string) error {
	old := obj[sub.Name]
	if sub.Mutability == Immutable && old != nil {
		if v == nil || !equalValue(sub, old, v) {
			return MutabilityError("attribute %q is immutable and already has a value", path)
		}
		return nil
	}
	if v == nil {
		delete(obj, sub.Name)
	} else {
		obj[sub.Name] = v
	}
	return nil
}

// setSub handles "attr.sub" without a filter: the sub-attribute of a
// single complex value, or of every element of a multi-valued one (an
// element is created if there is none).
func (p *patcher) setSub(t target, v any) error {
	a, sub := t.ref.attr, t.ref.sub
	nv, err := p.norm.value(sub, v, t.path)
	if err != nil {
		return err
	}
	if !a.MultiValued {
		old, _ := t.ref.get(p.res).(map[string]any)
		obj := maps.Clone(old)
		if obj == nil {
			obj = map[string]any{}
		}
		if a.isReference() && sub == a.valueSub() && !equalScalar(sub, old["value"], nv) {
			clear(obj) // the rest described the previous target
		}
		if err := setSubValue(sub, obj, nv, t.path); err != nil {
			return err
		}
		return p.store(t, p.complexOrNil(a, obj))
	}
	list := slices.Clone(items(t.ref.get(p.res)))
	if len(list) == 0 {
		if nv == nil {
			return nil
		}
		return p.store(t, []any{map[string]any{sub.Name: nv}})
	}
	for i, it := range list {
		el := maps.Clone(it.(map[string]any))
		if err := setSubValue(sub, el, nv, t.path); err != nil {
			return err
		}
		list[i] = el
	}
	return p.storeList(t, list, allIndexes(len(list)))
}

// complexOrNil returns nil for a complex value that is empty, or a
// reference without its value: both mean the attribute is unassigned.
func (p *patcher) complexOrNil(a *Attribute, obj map[string]any) any {
	if len(obj) == 0 {
		return nil
	}
	if s, _ := obj["value"].(string); a.isReference() && s == "" {
		return nil
	}
	return obj
}

// setMulti adds to or replaces a multi-valued attribute.
func (p *patcher) setMulti(t target, v any, replace bool) error {
	a := t.ref.attr
	nv, err := p.norm.value(a, v, t.path)
	if err != nil {
		return err
	}
	if replace {
		return p.store(t, nv)
	}
	added, _ := nv.([]any)
	index := newItemIndex(a, items(t.ref.get(p.res)))
	list := index.list // the index's own copy, extended below
	var touched []int
	for _, it := range added {
		i := index.find(it)
		if i < 0 {
			index.add(it)
			list = index.list
			touched = append(touched, len(list)-1)
			continue
		}
		if a.Type == TypeComplex {
			el := maps.Clone(list[i].(map[string]any))
			for k, sv := range it.(map[string]any) {
				if (k == "value" || k == "type") && el[k] != nil {
					continue // what made them the same item; keep the stored spelling
				}
				if err := setSubValue(a.Sub(k), el, sv, fmt.Sprintf("%s[%d].%s", t.path, i, k)); err != nil {
					return err
				}
			}
			list[i] = el
		}
		touched = append(touched, i)
	}
	return p.storeList(t, list, touched)
}

// setFiltered handles add/replace on `attr[filter]` and `attr[filter].sub`.
func (p *patcher) setFiltered(t target, v any, replace bool) error {
	a, sub := t.ref.attr, t.ref.sub
	list, matched := p.matching(t)
	if len(matched) == 0 {
		return p.createFiltered(t, list, v)
	}
	for _, i := range matched {
		el := maps.Clone(list[i].(map[string]any))
		switch {
		case sub != nil:
			nv, err := p.norm.value(sub, v, t.path)
			if err != nil {
				return err
			}
			if err := setSubValue(sub, el, nv, t.path); err != nil {
				return err
			}
		case replace:
			nv, err := p.norm.single(a, v, t.path)
			if err != nil {
				return err
			}
			el, _ = nv.(map[string]any)
		default:
			nv, err := p.norm.single(a, v, t.path)
			if err != nil {
				return err
			}
			add, _ := nv.(map[string]any)
			for k, sv := range add {
				if err := setSubValue(a.Sub(k), el, sv, t.path+"."+k); err != nil {
					return err
				}
			}
		}
		list[i] = el
	}
	return p.storeList(t, list, matched)
}

// createFiltered adds the element a filtered add/replace addressed but
// did not find: Entra ID and Okta set `emails[type eq "work"].value` on
// users that have no work email yet and expect one to be created.
func (p *patcher) createFiltered(t target, list []any, v any) error {
	a, sub := t.ref.attr, t.ref.sub
	if v == nil {
		return nil
	}
	el, ok := filterTemplate(t.filterExpr, a)
	if !ok || !a.MultiValued {
		return NoTargetError("no value of %q matches the filter, and none can be created from it", t.path)
	}
	if sub != nil {
		el[sub.Name] = v
	} else {
		given, err := p.norm.single(a, v, t.path)
		if err != nil {
			return err
		}
		obj, _ := given.(map[string]any)
		maps.Copy(el, obj)
	}
	nv, err := p.norm.single(a, el, t.path)
	if err != nil || nv == nil {
		return err
	}
	list = append(list, nv)
	return p.storeList(t, list, []int{len(list) - 1})
}

// filterTemplate turns a conjunction of `sub eq literal` tests into the
// element they describe.
func filterTemplate(e Expr, a *Attribute) (map[string]any, bool) {
	switch x := e.(type) {
	case *CompareExpr:
		sub := a.Sub(x.Path.Name)
		if x.Op != Eq || x.Value == nil || sub == nil || x.Path.URN != "" || x.Path.Sub != "" {
			return nil, false
		}
		return map[string]any{sub.Name: x.Value}, true
	case *LogicalExpr:
		if x.Op != And {
			return nil, false
		}
		l, ok1 := filterTemplate(x.Left, a)
		r, ok2 := filterTemplate(x.Right, a)
		if !ok1 || !ok2 {
			return nil, false
		}
		for k, v := range r {
			if _, dup := l[k]; dup {
				return nil, false
			}
			l[k] = v
		}
		return l, true
	}
	return nil, false
}

// matching returns the elements of t's attribute (a copy of the list; a
// single complex value as a one-element list) and the indexes of those
// the filter matches.
func (p *patcher) matching(t target) ([]any, []int) {
	list := slices.Clone(items(t.ref.get(p.res)))
	var matched []int
	for i, it := range list {
		if el, ok := it.(map[string]any); ok && t.filter.match(el) {
			matched = append(matched, i)
		}
	}
	return list, matched
}

func (p *patcher) remove(t target, v any) error {
	a, sub := t.ref.attr, t.ref.sub
	switch {
	case t.filter != nil:
		list, matched := p.matching(t)
		if len(matched) == 0 {
			return NoTargetError("no value of %q matches the filter", t.path)
		}
		for _, i := range matched {
			if sub == nil {
				list[i] = nil
				continue
			}
			el := maps.Clone(list[i].(map[string]any))
			if err := setSubValue(sub, el, nil, t.path); err != nil {
				return err
			}
			list[i] = el
		}
		return p.storeList(t, list, nil)
	case sub != nil:
		return p.setSub(t, nil)
	case a.MultiValued && v != nil:
		nv, err := p.norm.value(a, v, t.path)
		if err != nil {
			return err
		}
		gone, _ := nv.([]any)
		index := newItemIndex(a, gone)
		list := slices.Clone(items(t.ref.get(p.res)))
		for i, it := range list {
			if index.find(it) >= 0 {
				list[i] = nil
			}
		}
		return p.storeList(t, list, nil)
	}
	return p.store(t, nil)
}

// storeList stores a list after an edit: nil and empty elements are
// dropped, and if one of the touched elements is now primary, the others
// stop being primary. A single complex attribute gets its one element back.
func (p *patcher) storeList(t target, list []any, touched []int) error {
	a := t.ref.attr
	primary := -1
	for _, i := range touched {
		if el, ok := list[i].(map[string]any); ok && el["primary"] == true {
			primary = i
		}
	}
	out := make([]any, 0, len(list))
	for i, it := range list {
		el, isMap := it.(map[string]any)
		switch {
		case it == nil, isMap && p.complexOrNil(a, el) == nil:
			continue
		case isMap && primary >= 0 && i != primary && el["primary"] == true:
			el = maps.Clone(el)
			el["primary"] = false
			it = el
		}
		out = append(out, it)
	}
	switch {
	case len(out) == 0:
		return p.store(t, nil)
	case !a.MultiValued:
		return p.store(t, out[0])
	}
	return p.store(t, out)
}

// sameItem decides whether two elements of a multi-valued attribute are
// the same item: equal "value" (and equal "type" when both have one) for
// complex attributes that have a value, equal content otherwise.
func sameItem(a *Attribute, x, y any) bool {
	if a.Type != TypeComplex {
		return equalScalar(a, x, y)
	}
	mx, ok1 := x.(map[string]any)
	my, ok2 := y.(map[string]any)
	if !ok1 || !ok2 {
		return false
	}
	if vs := a.valueSub(); vs != nil && mx["value"] != nil && my["value"] != nil {
		if !equalScalar(vs, mx["value"], my["value"]) {
			return false
		}
		if ts := a.Sub("type"); ts != nil && mx["type"] != nil && my["type"] != nil {
			return equalScalar(ts, mx["type"], my["type"])
		}
		return true
	}
	single := *a
	single.MultiValued = false
	return equalValue(&single, mx, my)
}

func allIndexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
