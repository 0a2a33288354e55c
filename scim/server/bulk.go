package server

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tenure-dev/tenure/scim"
)

// Schemas of bulk messages (RFC 7644 §3.7).
const (
	BulkRequestURN  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	BulkResponseURN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

// bulkIDPrefix starts a reference to a resource created earlier in the
// same bulk request: "bulkId:qwerty" (RFC 7644 §3.7.2).
const bulkIDPrefix = "bulkId:"

// bulkOp is one decoded operation of a BulkRequest. A malformed operation
// does not fail the request: err is reported as its result when its turn
// comes, as if it had been sent alone.
type bulkOp struct {
	method, bulkID, version, path string
	data                          any
	err                           error
}

// bulkResult is one operation of a BulkResponse.
type bulkResult struct {
	Location string `json:"location,omitempty"`
	Method   string `json:"method"`
	BulkID   string `json:"bulkId,omitempty"`
	Version  string `json:"version,omitempty"`
	// Status is the operation's HTTP status, as a string like the error
	// body's.
	Status string `json:"status"`
	// Response is the error body of a failed operation.
	Response *scim.Error `json:"response,omitempty"`
}

type bulkResponse struct {
	Schemas    []string     `json:"schemas"`
	Operations []bulkResult `json:"Operations"`
}

// bulk serves POST /Bulk. Operations run in order, each committed on its
// own; the response is 200 with one result per operation run. Processing
// stops once failOnErrors operations have failed. A bulkId names the
// resource its POST created to the operations after it, in their path
// ("/Groups/bulkId:g1") and anywhere in their data (a member's value).
func (h *handler) bulk(w http.ResponseWriter, r *http.Request) {
	if !h.spc.Bulk.Supported {
		writeError(w, &scim.Error{Status: http.StatusNotImplemented, Detail: "bulk operations are not supported"})
		return
	}
	body, err := h.readBody(r, int64(h.spc.Bulk.MaxPayloadSize), []string{BulkRequestURN})
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	ops, failOnErrors, err := decodeBulk(body)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	if len(ops) > h.spc.Bulk.MaxOperations {
		writeError(w, &scim.Error{Status: http.StatusRequestEntityTooLarge, Type: scim.ErrorTooMany,
			Detail: fmt.Sprintf("the request has %d operations; at most %d are allowed", len(ops), h.spc.Bulk.MaxOperations)})
		return
	}
	b := &bulkRun{h: h, base: h.baseURL(r), created: map[string]string{}, seen: map[string]bool{}}
	resp := bulkResponse{Schemas: []string{BulkResponseURN}, Operations: []bulkResult{}}
	failures := 0
	for _, op := range ops {
		res := b.run(r.Context(), op)
		resp.Operations = append(resp.Operations, res)
		if res.Response != nil {
			failures++
			if failOnErrors > 0 && failures >= failOnErrors {
				break
			}
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// decodeBulk reads a BulkRequest: "schemas" must name BulkRequestURN,
// member names match in any case.
func decodeBulk(body map[string]any) ([]bulkOp, int, error) {
	var raw []any
	failOnErrors := 0
	sawSchema, sawOps := false, false
	for _, key := range slices.Sorted(maps.Keys(body)) {
		v := body[key]
		switch strings.ToLower(key) {
		case "schemas":
			list, _ := v.([]any)
			for _, s := range list {
				if u, ok := s.(string); ok && strings.EqualFold(u, BulkRequestURN) {
					sawSchema = true
				}
			}
		case "failonerrors":
			n, ok := intValue(v)
			if !ok || n < 0 {
				return nil, 0, scim.InvalidValueError("failOnErrors: expected a non-negative integer")
			}
			failOnErrors = n
		case "operations":
			list, ok := v.([]any)
			if !ok {
				return nil, 0, scim.InvalidSyntaxError("Operations: expected an array")
			}
			raw, sawOps = list, true
		default:
			return nil, 0, scim.InvalidSyntaxError("unknown member %q in BulkRequest", key)
		}
	}
	if !sawSchema {
		return nil, 0, scim.InvalidSyntaxError("schemas must include %s", BulkRequestURN)
	}
	if !sawOps {
		return nil, 0, scim.InvalidSyntaxError("a BulkRequest needs Operations")
	}
	ops := make([]bulkOp, len(raw))
	for i, it := range raw {
		ops[i] = decodeBulkOp(it)
	}
	return ops, failOnErrors, nil
}

func decodeBulkOp(it any) bulkOp {
	var op bulkOp
	obj, ok := it.(map[string]any)
	if !ok {
		op.err = scim.InvalidSyntaxError("an operation must be an object")
		return op
	}
	str := func(key string, v any, dst *string) {
		s, ok := v.(string)
		if !ok && v != nil && op.err == nil {
			op.err = scim.InvalidSyntaxError("%s: expected a string", key)
		}
		*dst = s
	}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		v := obj[key]
		switch strings.ToLower(key) {
		case "method":
			str(key, v, &op.method)
		case "bulkid":
			str(key, v, &op.bulkID)
		case "version":
			str(key, v, &op.version)
		case "path":
			str(key, v, &op.path)
		case "data":
			op.data = v
		default:
			if op.err == nil {
				op.err = scim.InvalidSyntaxError("unknown member %q in a bulk operation", key)
			}
		}
	}
	op.method = strings.ToUpper(op.method)
	if op.err == nil {
		switch op.method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			op.err = scim.InvalidSyntaxError("method %q is not POST, PUT, PATCH or DELETE", op.method)
		}
	}
	return op
}

func intValue(v any) (int, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// bulkRun is the state of one bulk request.
type bulkRun struct {
	h    *handler
	base string
	// created maps the bulkIds of successful POSTs to the new ids.
	created map[string]string
	// seen holds every bulkId of a POST so far, to refuse duplicates.
	seen map[string]bool
}

// run executes one operation and returns its result.
func (b *bulkRun) run(ctx context.Context, op bulkOp) bulkResult {
	res := bulkResult{Method: op.method, BulkID: op.bulkID}
	rt, id, stored, err := b.exec(ctx, op, &res)
	if err != nil {
		e := b.h.scimError(rt, err)
		if e.Status >= 500 {
			b.h.log.Error("scim: bulk operation failed", "method", op.method, "path", op.path, "err", err)
		}
		res.Status, res.Response = strconv.Itoa(e.Status), e
		return res
	}
	res.Location = location(b.base, rt, id)
	switch op.method {
	case http.MethodPost:
		res.Status = strconv.Itoa(http.StatusCreated)
	case http.MethodDelete:
		res.Status = strconv.Itoa(http.StatusNoContent)
	default:
		res.Status = strconv.Itoa(http.StatusOK)
	}
	if stored != nil {
		res.Version = etagOf(stored)
	}
	return res
}

func (b *bulkRun) exec(ctx context.Context, op bulkOp, res *bulkResult) (*scim.ResourceType, string, scim.Resource, error) {
	if op.err != nil {
		return nil, "", nil, op.err
	}
	segs := splitPath(op.path)
	var rt *scim.ResourceType
	if len(segs) > 0 {
		rt = b.h.catalog.ByEndpoint("/" + segs[0])
	}
	switch {
	case rt == nil:
		return nil, "", nil, scim.InvalidValueError("path %q names no resource endpoint", op.path)
	case op.method == http.MethodPost && len(segs) != 1:
		return rt, "", nil, scim.InvalidValueError("path %q: POST takes a resource endpoint such as %s", op.path, rt.Endpoint)
	case op.method != http.MethodPost && len(segs) != 2:
		return rt, "", nil, scim.InvalidValueError("path %q: %s takes a resource such as %s/{id}", op.path, op.method, rt.Endpoint)
	}
	if op.method == http.MethodPost && op.bulkID != "" {
		if b.seen[op.bulkID] {
			return rt, "", nil, scim.InvalidValueError("bulkId %q is used by an earlier operation", op.bulkID)
		}
		b.seen[op.bulkID] = true
	}
	id := ""
	if len(segs) == 2 {
		var err error
		if id, err = b.resolve(segs[1]); err != nil {
			return rt, "", nil, err
		}
		res.Location = location(b.base, rt, id)
	}
	var data map[string]any
	if op.method != http.MethodDelete {
		var ok bool
		if data, ok = op.data.(map[string]any); !ok {
			return rt, id, nil, scim.InvalidSyntaxError("data: %s needs an object", op.method)
		}
		if err := b.resolveData(data); err != nil {
			return rt, id, nil, err
		}
	}
	pre := preconditions{ifMatch: op.version}
	var stored scim.Resource
	var err error
	switch op.method {
	case http.MethodPost:
		if stored, err = b.h.createResource(ctx, rt, data); err == nil {
			id = stored.ID()
			if op.bulkID != "" {
				b.created[op.bulkID] = id
			}
		}
	case http.MethodPut:
		stored, err = b.h.replaceResource(ctx, rt, id, data, pre)
	case http.MethodPatch:
		stored, err = b.h.patchResource(ctx, rt, id, data, pre)
	case http.MethodDelete:
		err = b.h.deleteResource(ctx, rt, id, pre)
	}
	return rt, id, stored, err
}

// resolve turns "bulkId:x" into the id created for x; other strings are
// ids already.
func (b *bulkRun) resolve(s string) (string, error) {
	if len(s) < len(bulkIDPrefix) || !strings.EqualFold(s[:len(bulkIDPrefix)], bulkIDPrefix) {
		return s, nil
	}
	ref := s[len(bulkIDPrefix):]
	if id, ok := b.created[ref]; ok {
		return id, nil
	}
	// RFC 7644 §3.7.3: an unresolvable reference is a conflict.
	return "", &scim.Error{Status: http.StatusConflict, Type: scim.ErrorInvalidValue,
		Detail: fmt.Sprintf("bulkId %q does not name a resource created by an earlier operation of this request", ref)}
}

// resolveData replaces, in place, every string value of data that is a
// bulkId reference.
func (b *bulkRun) resolveData(v any) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok {
				id, err := b.resolve(s)
				if err != nil {
					return err
				}
				x[k] = id
				continue
			}
			if err := b.resolveData(e); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if s, ok := e.(string); ok {
				id, err := b.resolve(s)
				if err != nil {
					return err
				}
				x[i] = id
				continue
			}
			if err := b.resolveData(e); err != nil {
				return err
			}
		}
	}
	return nil
}
