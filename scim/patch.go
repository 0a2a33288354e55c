package scim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// PatchOpURN is the schema of a PATCH request body (RFC 7644 §3.5.2).
const PatchOpURN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// Op is a PATCH operation kind.
type Op string

// The PATCH operations, in their canonical lower case. Decoding accepts
// any case ("Add", "Replace": Entra ID capitalises).
const (
	OpAdd     Op = "add"
	OpReplace Op = "replace"
	OpRemove  Op = "remove"
)

// PatchOperation is one decoded operation.
type PatchOperation struct {
	// Op is what to do.
	Op Op
	// Path is the target; nil when the operation has none, in which case
	// Value is an object of attributes (add and replace only).
	Path *Path
	// Value is the raw JSON value; nil for remove without a value.
	Value any
}

// PatchRequest is a decoded PatchOp message. Decoding checks the message
// and parses every path up front, so a malformed request fails before
// anything is applied.
type PatchRequest struct {
	// Operations apply in order, all or none.
	Operations []PatchOperation
}

// DecodePatch decodes a PatchOp body (from DecodeRequest). "schemas" must
// include PatchOpURN; member names ("Operations", "op", "path", "value")
// match in any case. Errors: invalidSyntax for a malformed message or an
// unknown op, invalidPath for a path that does not parse (with its
// offset), invalidValue for an add or replace without a value, and
// noTarget for a remove without a path.
func DecodePatch(body map[string]any) (*PatchRequest, error) {
	var ops []any
	sawSchema, sawOps := false, false
	for _, key := range slices.Sorted(maps.Keys(body)) {
		v := body[key]
		switch {
		case strings.EqualFold(key, "schemas"):
			list, ok := asSlice(v)
			if !ok {
				return nil, InvalidSyntaxError("schemas: expected an array of URNs")
			}
			for _, s := range list {
				if u, ok := s.(string); ok && strings.EqualFold(u, PatchOpURN) {
					sawSchema = true
				}
			}
		case strings.EqualFold(key, "Operations"):
			list, ok := asSlice(v)
			if !ok {
				return nil, InvalidSyntaxError("Operations: expected an array, got %s", jsonKind(v))
			}
			ops, sawOps = list, true
		default:
			return nil, InvalidSyntaxError("unknown member %q in PatchOp message", key)
		}
	}
	if !sawSchema {
		return nil, InvalidSyntaxError("schemas must include %s", PatchOpURN)
	}
	if !sawOps || len(ops) == 0 {
		return nil, InvalidValueError("a PatchOp message needs at least one operation")
	}
	req := &PatchRequest{Operations: make([]PatchOperation, 0, len(ops))}
	for i, raw := range ops {
		op, err := decodeOperation(raw)
		if err != nil {
			return nil, AsError(err).withContext(fmt.Sprintf("Operations[%d]", i))
		}
		req.Operations = append(req.Operations, op)
	}
	return req, nil
}

func decodeOperation(raw any) (PatchOperation, error) {
	var op PatchOperation
	obj, ok := asObject(raw)
	if !ok {
		return op, InvalidSyntaxError("expected an object, got %s", jsonKind(raw))
	}
	var kind, path string
	hasValue := false
	for key, v := range obj {
		switch {
		case strings.EqualFold(key, "op"):
			s, ok := v.(string)
			if !ok {
				return op, InvalidSyntaxError("op: expected a string, got %s", jsonKind(v))
			}
			kind = s
		case strings.EqualFold(key, "path"):
			if v == nil {
				continue
			}
			s, ok := v.(string)
			if !ok {
				return op, InvalidPathError("path: expected a string, got %s", jsonKind(v))
			}
			path = s
		case strings.EqualFold(key, "value"):
			op.Value, hasValue = v, true
		default:
			return op, InvalidSyntaxError("unknown member %q in operation", key)
		}
	}
	for _, o := range []Op{OpAdd, OpReplace, OpRemove} {
		if strings.EqualFold(kind, string(o)) {
			op.Op = o
		}
	}
	if op.Op == "" {
		return op, InvalidSyntaxError("op %q is not add, replace or remove", kind)
	}
	if strings.TrimSpace(path) != "" {
		p, err := ParsePath(path)
		if err != nil {
			return op, err
		}
		op.Path = &p
	}
	switch {
	case op.Op == OpRemove && op.Path == nil:
		return op, NoTargetError("remove needs a path")
	case op.Op != OpRemove && !hasValue:
		return op, InvalidValueError("%s needs a value", op.Op)
	case op.Op != OpRemove && op.Path == nil:
		if _, ok := asObject(op.Value); !ok {
			return op, InvalidValueError("%s without a path needs an object value, got %s", op.Op, jsonKind(op.Value))
		}
	}
	return op, nil
}
