package scim

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Resource is a SCIM resource as a JSON object. In canonical form, which
// Normalize produces and every other function expects and keeps:
//   - keys are attribute names in their schema's case; extension
//     attributes sit in an object under the extension's URN;
//   - values are string, bool, json.Number, map[string]any (complex) and
//     []any (multi-valued) only, each of its attribute's type;
//   - absent, null, empty arrays and empty complex values are all simply
//     absent (RFC 7643 §2.5 makes them equivalent);
//   - "schemas" lists the core URN and the extensions that have values.
type Resource map[string]any

// ID returns the resource's id, or "".
func (r Resource) ID() string {
	id, _ := r["id"].(string)
	return id
}

// normMode separates what a client may send from what the server stores.
type normMode int

const (
	// writeMode is for client input: readOnly attributes are dropped.
	writeMode normMode = iota
	// storedMode is for the server's representation: everything is kept.
	storedMode
)

type normalizer struct {
	rt   *ResourceType
	mode normMode
}

// Normalize checks a client's resource body (POST, or the body of a PUT
// before Replace) and returns it in canonical form. It matches attribute
// names and schema URNs case-insensitively, accepts "True"/"false" strings
// for booleans, treats null as absent, ignores readOnly attributes (id,
// meta, groups), takes URN-qualified top-level keys
// ("urn:…:enterprise:2.0:User:department") as extension attributes, and
// takes the manager as an object, a bare id string or a one-element array
// (empty meaning none). A single value given for a multi-valued attribute
// is taken as a one-element array.
//
// Errors: an unknown attribute, a key given twice in different case, or a
// "schemas" entry that is not one of the resource type's → invalidSyntax;
// a value of the wrong type, a missing required attribute or more than one
// primary item → invalidValue. Unknown attributes are invalidSyntax (the
// body does not conform to the request schema, RFC 7644 §3.12) rather than
// invalidValue, which is about values of known attributes. Every error
// names the attribute path.
func (rt *ResourceType) Normalize(body map[string]any) (Resource, error) {
	n := normalizer{rt: rt, mode: writeMode}
	res, err := n.resource(body)
	if err != nil {
		return nil, err
	}
	if err := rt.checkRequired(res, writeMode); err != nil {
		return nil, err
	}
	return res, nil
}

// Validate checks that res is a canonical resource of this type, as
// Normalize, Replace and ApplyPatch return it (readOnly attributes
// included). It is the invariant a store may rely on.
func (rt *ResourceType) Validate(res Resource) error {
	n := normalizer{rt: rt, mode: storedMode}
	canon, err := n.resource(res)
	if err != nil {
		return err
	}
	if err := rt.checkRequired(canon, storedMode); err != nil {
		return err
	}
	if !reflect.DeepEqual(canon, res) {
		return InvalidValueError("resource is valid but not in canonical form")
	}
	return nil
}

// Replace computes the result of a PUT of body over old (RFC 7644 §3.5.1):
// body is normalised, readOnly attributes (id, meta, groups, the manager's
// displayName while the manager stays the same) are kept from old, and so
// are writeOnly ones the client omitted (it cannot read a password back,
// so omitting it must not clear it). An immutable attribute that old has
// keeps its value if omitted and must not change (mutability).
func (rt *ResourceType) Replace(old Resource, body map[string]any) (Resource, error) {
	res, err := rt.Normalize(body)
	if err != nil {
		return nil, err
	}
	for ref := range rt.topLevel() {
		oldV, newV := ref.get(old), ref.get(res)
		a := ref.attr
		switch {
		case a.readOnly():
			ref.set(res, deepCopy(oldV))
		case oldV == nil:
		case a.Mutability == WriteOnly && newV == nil:
			ref.set(res, deepCopy(oldV))
		case a.Mutability == Immutable && newV == nil:
			ref.set(res, deepCopy(oldV))
		case a.Mutability == Immutable && !equalValue(a, oldV, newV):
			return nil, MutabilityError("attribute %q is immutable", ref.String())
		case a.Mutability == Immutable:
			ref.set(res, deepCopy(oldV)) // equal, perhaps spelled differently
		case a.Type == TypeComplex && !a.MultiValued:
			keepReadOnlySubs(a, oldV, newV)
		}
	}
	rt.setSchemas(res)
	return res, nil
}

// keepReadOnlySubs copies readOnly sub-attributes of a single complex value
// from old to new: the client cannot set them, so a PUT echoing the
// resource without them must not erase them. For a reference (manager)
// they describe the target, so they are kept only if it is the same.
func keepReadOnlySubs(a *Attribute, oldV, newV any) {
	om, ok1 := oldV.(map[string]any)
	nm, ok2 := newV.(map[string]any)
	if !ok1 || !ok2 || a.isReference() && !equalScalar(a.valueSub(), om["value"], nm["value"]) {
		return
	}
	for _, s := range a.SubAttributes {
		if v, ok := om[s.Name]; ok && s.readOnly() {
			nm[s.Name] = v
		}
	}
}

// SetMeta stamps a resource the server is about to store: its id and meta
// (resourceType, created, lastModified, location, version). The version is
// the resource's ETag, so it must be called after any other change.
func (rt *ResourceType) SetMeta(res Resource, id, location string, created, lastModified time.Time) {
	res["id"] = id
	meta := map[string]any{
		"resourceType": rt.Name,
		"created":      created.UTC().Format(time.RFC3339Nano),
		"lastModified": lastModified.UTC().Format(time.RFC3339Nano),
	}
	if location != "" {
		meta["location"] = location
	}
	res["meta"] = meta
	meta["version"] = ETag(res)
}

// topLevel yields every top-level attribute: common, core, extensions.
func (rt *ResourceType) topLevel() func(yield func(attrRef) bool) {
	return func(yield func(attrRef) bool) {
		for _, a := range commonAttributes {
			if a != schemasAttr && !yield(attrRef{attr: a}) {
				return
			}
		}
		for _, a := range rt.Schema.Attributes {
			if !yield(attrRef{attr: a}) {
				return
			}
		}
		for _, e := range rt.Extensions {
			for _, a := range e.Schema.Attributes {
				if !yield(attrRef{ext: e.Schema, attr: a}) {
					return
				}
			}
		}
	}
}

// container returns the object holding r's attribute: the resource or its
// extension object (created if create is set), or nil.
func (r attrRef) container(res map[string]any, create bool) map[string]any {
	if r.ext == nil {
		return res
	}
	c, ok := res[r.ext.ID].(map[string]any)
	if !ok && create {
		c = map[string]any{}
		res[r.ext.ID] = c
	}
	return c
}

// get returns the value of the top-level attribute r, or nil.
func (r attrRef) get(res map[string]any) any {
	if c := r.container(res, false); c != nil {
		return c[r.attr.Name]
	}
	return nil
}

// set stores (or, for nil, deletes) the top-level attribute r, dropping an
// extension object that becomes empty.
func (r attrRef) set(res map[string]any, v any) {
	if v == nil {
		c := r.container(res, false)
		if c == nil {
			return
		}
		delete(c, r.attr.Name)
		if r.ext != nil && len(c) == 0 {
			delete(res, r.ext.ID)
		}
		return
	}
	r.container(res, true)[r.attr.Name] = v
}

// setSchemas writes the "schemas" attribute from the content.
func (rt *ResourceType) setSchemas(res map[string]any) {
	schemas := []any{rt.Schema.ID}
	for _, e := range rt.Extensions {
		if _, ok := res[e.Schema.ID]; ok {
			schemas = append(schemas, e.Schema.ID)
		}
	}
	res["schemas"] = schemas
}

func (rt *ResourceType) checkRequired(res Resource, mode normMode) error {
	check := func(ref attrRef) error {
		a := ref.attr
		if a.Required && !(mode == writeMode && a.readOnly()) && ref.get(res) == nil {
			return InvalidValueError("attribute %q is required", ref.String())
		}
		return nil
	}
	for _, a := range rt.Schema.Attributes {
		if err := check(attrRef{attr: a}); err != nil {
			return err
		}
	}
	for _, e := range rt.Extensions {
		if _, ok := res[e.Schema.ID]; !ok {
			if e.Required {
				return InvalidValueError("extension %s is required", e.Schema.ID)
			}
			continue
		}
		for _, a := range e.Schema.Attributes {
			if err := check(attrRef{ext: e.Schema, attr: a}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (n *normalizer) resource(in map[string]any) (Resource, error) {
	out := Resource{}
	for _, key := range slices.Sorted(maps.Keys(in)) {
		v := in[key]
		if strings.EqualFold(key, "schemas") {
			if err := n.rt.checkSchemas(v); err != nil {
				return nil, err
			}
			continue
		}
		if ext := n.rt.extension(key); ext != nil {
			if err := n.extension(out, ext, v); err != nil {
				return nil, err
			}
			continue
		}
		ref, ok := n.rt.resolveKey(key)
		if !ok {
			return nil, InvalidSyntaxError("unknown attribute %q for resource type %s", key, n.rt.Name)
		}
		if err := n.set(out, ref, v); err != nil {
			return nil, err
		}
	}
	n.rt.setSchemas(out)
	return out, nil
}

// resolveKey finds the attribute a body key names: a core or common
// attribute, or a URN-qualified one. Unlike filter and PATCH paths, bare
// extension attribute names are not accepted in bodies: guessing where
// "department" belongs would hide a client's mistake.
func (rt *ResourceType) resolveKey(key string) (attrRef, bool) {
	if a := rt.coreAttribute(key); a != nil {
		return attrRef{attr: a}, true
	}
	i := strings.LastIndexByte(key, ':')
	if i < 0 || !hasURNPrefix(key) {
		return attrRef{}, false
	}
	urn, name := key[:i], key[i+1:]
	if strings.EqualFold(urn, rt.Schema.ID) {
		a := rt.coreAttribute(name)
		return attrRef{attr: a}, a != nil
	}
	if ext := rt.extension(urn); ext != nil {
		a := ext.Attribute(name)
		return attrRef{ext: ext, attr: a}, a != nil
	}
	return attrRef{}, false
}

func hasURNPrefix(s string) bool { return len(s) > 4 && strings.EqualFold(s[:4], "urn:") }

func (rt *ResourceType) checkSchemas(v any) error {
	if v == nil {
		return nil
	}
	list, ok := asSlice(v)
	if !ok {
		return InvalidSyntaxError("schemas: expected an array of URNs, got %s", jsonKind(v))
	}
	for _, s := range list {
		urn, ok := s.(string)
		if !ok {
			return InvalidSyntaxError("schemas: expected URN strings, got %s", jsonKind(s))
		}
		if !strings.EqualFold(urn, rt.Schema.ID) && rt.extension(urn) == nil {
			return InvalidSyntaxError("schemas: %q is not a schema of resource type %s", urn, rt.Name)
		}
	}
	return nil
}

func (n *normalizer) extension(out Resource, ext *Schema, v any) error {
	if v == nil {
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
		if err := n.set(out, attrRef{ext: ext, attr: a}, obj[key]); err != nil {
			return err
		}
	}
	return nil
}

func (n *normalizer) set(out Resource, ref attrRef, v any) error {
	if n.mode == writeMode && ref.attr.readOnly() {
		return nil
	}
	path := ref.String()
	nv, err := n.value(ref.attr, v, path)
	if err != nil || nv == nil {
		return err
	}
	if ref.get(out) != nil {
		return InvalidSyntaxError("attribute %q is given twice", path)
	}
	ref.set(out, nv)
	return nil
}

// value normalises the whole value of attribute a; nil means absent.
func (n *normalizer) value(a *Attribute, v any, path string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if !a.MultiValued {
		return n.single(a, v, path)
	}
	items, ok := asSlice(v)
	if !ok {
		items = []any{v}
	}
	out := make([]any, 0, len(items))
	primaries := 0
	for i, it := range items {
		nv, err := n.single(a, it, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		if nv == nil {
			continue
		}
		if m, ok := nv.(map[string]any); ok && m["primary"] == true {
			primaries++
		}
		out = append(out, nv)
	}
	if primaries > 1 {
		return nil, InvalidValueError("%s: primary is true on %d items, at most one is allowed", path, primaries)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// single normalises one value (an item, for a multi-valued attribute).
func (n *normalizer) single(a *Attribute, v any, path string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.Type == TypeComplex {
		return n.complex(a, v, path)
	}
	return scalar(a, v, path)
}

func (n *normalizer) complex(a *Attribute, v any, path string) (any, error) {
	if a.isReference() {
		if list, ok := asSlice(v); ok {
			switch len(list) {
			case 0:
				return nil, nil
			case 1:
				v = list[0]
			default:
				return nil, InvalidValueError("%s: expected one value, got %d", path, len(list))
			}
		}
		switch x := v.(type) {
		case nil:
			return nil, nil
		case string:
			if x == "" {
				return nil, nil
			}
			v = map[string]any{"value": x}
		}
	}
	obj, ok := asObject(v)
	if !ok {
		return nil, InvalidValueError("%s: expected an object, got %s", path, jsonKind(v))
	}
	out := map[string]any{}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		sub := a.Sub(key)
		if sub == nil {
			return nil, InvalidSyntaxError("unknown attribute %q", path+"."+key)
		}
		if n.mode == writeMode && sub.readOnly() {
			continue
		}
		sp := path + "." + sub.Name
		nv, err := n.value(sub, obj[key], sp)
		if err != nil {
			return nil, err
		}
		if nv == nil {
			continue
		}
		if _, dup := out[sub.Name]; dup {
			return nil, InvalidSyntaxError("attribute %q is given twice", sp)
		}
		out[sub.Name] = nv
	}
	if a.isReference() {
		if s, _ := out["value"].(string); s == "" {
			return nil, nil
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	for _, sub := range a.SubAttributes {
		if sub.Required && !(n.mode == writeMode && sub.readOnly()) && out[sub.Name] == nil {
			return nil, InvalidValueError("%s.%s is required", path, sub.Name)
		}
	}
	return out, nil
}

// scalar checks and converts a simple value.
func scalar(a *Attribute, v any, path string) (any, error) {
	switch a.Type {
	case TypeBoolean:
		if b, ok := parseBool(v); ok {
			return b, nil
		}
		return nil, InvalidValueError("%s: expected a boolean, got %s", path, jsonKind(v))
	case TypeInteger, TypeDecimal:
		num, err := toNumber(v, a.Type == TypeInteger)
		if err != nil {
			return nil, InvalidValueError("%s: %v", path, err)
		}
		return num, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, InvalidValueError("%s: expected a string, got %s", path, jsonKind(v))
	}
	switch a.Type {
	case TypeDateTime:
		if _, err := parseDateTime(s); err != nil {
			return nil, InvalidValueError("%s: %v", path, err)
		}
	case TypeBinary:
		if err := checkBinary(s); err != nil {
			return nil, InvalidValueError("%s: %v", path, err)
		}
	}
	return s, nil
}

// asSlice accepts the array types JSON decoding and Go callers produce.
func asSlice(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	case []map[string]any:
		out := make([]any, len(x))
		for i, m := range x {
			out[i] = m
		}
		return out, true
	}
	return nil, false
}

func asObject(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, true
	case Resource:
		return x, true
	}
	return nil, false
}
