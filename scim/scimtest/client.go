package scimtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
)

// Media types a client may send.
const (
	scimJSON = "application/scim+json"
	appJSON  = "application/json"
)

// env is what a check runs with: its runner (failures, cleanups) and the
// suite (server, features, prefix).
type env struct {
	runner
	s *suite
}

// Run runs f as a sub-check called name.
func (t *env) Run(name string, f func(t *env)) {
	t.sub(name, func(r runner) { f(&env{runner: r, s: t.s}) })
}

// response is an HTTP response, read whole.
type response struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         []byte
	// JSON is the body decoded (numbers as json.Number) if it is a JSON
	// object, else nil.
	JSON map[string]any
}

func (r *response) snippet() string {
	const max = 2000
	if len(r.Body) > max {
		return string(r.Body[:max]) + "…"
	}
	return string(r.Body)
}

func (r *response) String() string {
	return fmt.Sprintf("%s %s → %d %s", r.Method, r.Path, r.Status, r.snippet())
}

// send makes one request. body is nil, a string or []byte sent as it is,
// or a value sent as JSON. headers are name/value pairs; Content-Type
// defaults to application/scim+json when there is a body.
func (s *suite) send(ctx context.Context, method, path string, body any, headers []string) (*response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encoding the request body: %w", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", scimJSON)
	}
	req.Header.Set("Accept", scimJSON+", "+appJSON)
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	httpResp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer httpResp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(httpResp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the response: %w", method, path, err)
	}
	resp := &response{Method: method, Path: path, Status: httpResp.StatusCode, Header: httpResp.Header, Body: data}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if dec.Decode(&obj) == nil {
		resp.JSON = obj
	}
	return resp, nil
}

// do sends a request and fails the check if it cannot be sent.
func (t *env) do(method, path string, body any, headers ...string) *response {
	t.Helper()
	resp, err := t.s.send(t.Context(), method, path, body, headers)
	require.NoError(t, err)
	return resp
}

// withQuery appends query parameters (name/value pairs) to path.
func withQuery(path string, params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Add(params[i], params[i+1])
	}
	return path + "?" + v.Encode()
}

// name returns a userName or displayName unique to the run.
func (t *env) name(s string) string { return t.s.prefix + s }

// requireStatus fails unless resp has one of the statuses.
func (t *env) requireStatus(resp *response, statuses ...int) {
	t.Helper()
	for _, s := range statuses {
		if resp.Status == s {
			return
		}
	}
	require.Failf(t, "unexpected status", "want %v: %s", statuses, resp)
}

// requireSCIMContentType checks the response media type (RFC 7644 §3.1).
func (t *env) requireSCIMContentType(resp *response) {
	t.Helper()
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	require.NoError(t, err, "Content-Type of %s", resp)
	require.Equal(t, scimJSON, mt, "Content-Type of %s", resp)
}

// requireError checks an error response: the status, a SCIM error body
// whose status matches, and, unless types is empty, a scimType among
// types.
func (t *env) requireError(resp *response, status int, types ...scim.ErrorType) {
	t.Helper()
	t.requireStatus(resp, status)
	t.requireErrorBody(resp, types...)
}

// requireClientError checks a 4xx response with a SCIM error body.
func (t *env) requireClientError(resp *response, types ...scim.ErrorType) {
	t.Helper()
	require.True(t, resp.Status >= 400 && resp.Status < 500, "want a 4xx status: %s", resp)
	t.requireErrorBody(resp, types...)
}

func (t *env) requireErrorBody(resp *response, types ...scim.ErrorType) {
	t.Helper()
	require.NotNil(t, resp.JSON, "error body must be a JSON object: %s", resp)
	require.Contains(t, stringsOf(resp.JSON["schemas"]), scim.ErrorURN, "error schemas: %s", resp)
	var e scim.Error
	require.NoError(t, json.Unmarshal(resp.Body, &e), "error body: %s", resp)
	require.Equal(t, resp.Status, e.Status, "error body status must be the HTTP status: %s", resp)
	if len(types) > 0 {
		require.Contains(t, types, e.Type, "scimType: %s", resp)
	}
}

// created registers the deletion of a resource at the end of the check.
// Cleanup failures are not the check's: the resource may be gone already.
func (t *env) created(endpoint, id string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 30*time.Second)
		defer cancel()
		_, _ = t.s.send(ctx, http.MethodDelete, endpoint+"/"+url.PathEscape(id), nil, nil)
	})
}

// create POSTs body to endpoint, requires 201 and schedules the
// resource's deletion.
func (t *env) create(endpoint string, body map[string]any, headers ...string) map[string]any {
	t.Helper()
	resp := t.do(http.MethodPost, endpoint, body, headers...)
	if resp.Status == http.StatusCreated && resp.JSON != nil {
		if id, _ := resp.JSON["id"].(string); id != "" {
			t.created(endpoint, id)
		}
	}
	t.requireStatus(resp, http.StatusCreated)
	require.NotEmpty(t, resp.JSON["id"], "created resource has no id: %s", resp)
	return resp.JSON
}

// createUser creates a user from extra attributes; userName gets the
// run's prefix.
func (t *env) createUser(userName string, attrs map[string]any) map[string]any {
	t.Helper()
	body := map[string]any{"schemas": []any{scim.UserURN}, "userName": t.name(userName)}
	for k, v := range attrs {
		body[k] = v
	}
	if _, ok := attrs[scim.EnterpriseUserURN]; ok {
		body["schemas"] = []any{scim.UserURN, scim.EnterpriseUserURN}
	}
	return t.create("/Users", body)
}

// createGroup creates a group; displayName gets the run's prefix.
func (t *env) createGroup(displayName string, memberIDs ...string) map[string]any {
	t.Helper()
	body := map[string]any{"schemas": []any{scim.GroupURN}, "displayName": t.name(displayName)}
	if len(memberIDs) > 0 {
		body["members"] = members(memberIDs...)
	}
	return t.create("/Groups", body)
}

func members(ids ...string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"value": id}
	}
	return out
}

// get GETs a resource and requires 200.
func (t *env) get(endpoint, id string, params ...string) map[string]any {
	t.Helper()
	path := endpoint + "/" + url.PathEscape(id)
	if len(params) > 0 {
		path = withQuery(path, params...)
	}
	resp := t.do(http.MethodGet, path, nil)
	t.requireStatus(resp, http.StatusOK)
	require.NotNil(t, resp.JSON, "%s", resp)
	return resp.JSON
}

// patch sends a PatchOp and requires 200 or 204; it returns the resource
// as a GET then sees it.
func (t *env) patch(endpoint, id string, ops ...map[string]any) map[string]any {
	t.Helper()
	resp := t.do(http.MethodPatch, endpoint+"/"+url.PathEscape(id), patchBody(ops...))
	t.requireStatus(resp, http.StatusOK, http.StatusNoContent)
	return t.get(endpoint, id)
}

func patchBody(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []any{scim.PatchOpURN}, "Operations": list}
}

func op(kind, path string, value any) map[string]any {
	m := map[string]any{"op": kind}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}

// list runs a query and returns totalResults and Resources.
func (t *env) list(path string) (int, []map[string]any) {
	t.Helper()
	resp := t.do(http.MethodGet, path, nil)
	return t.listResponse(resp)
}

func (t *env) listResponse(resp *response) (int, []map[string]any) {
	t.Helper()
	t.requireStatus(resp, http.StatusOK)
	require.NotNil(t, resp.JSON, "%s", resp)
	require.Contains(t, stringsOf(resp.JSON["schemas"]), scim.ListResponseURN, "%s", resp)
	total := intOf(resp.JSON["totalResults"])
	var out []map[string]any
	raw, _ := resp.JSON["Resources"].([]any)
	for _, r := range raw {
		m, ok := r.(map[string]any)
		require.True(t, ok, "Resources holds a non-object: %s", resp)
		out = append(out, m)
	}
	return total, out
}

// filterUsers runs GET /Users?filter=… and returns the userNames found,
// without the run's prefix.
func (t *env) filterUsers(filter string, params ...string) []string {
	t.Helper()
	total, list := t.list(withQuery("/Users", append([]string{"filter", filter}, params...)...))
	names := make([]string, 0, len(list))
	for _, u := range list {
		n, _ := u["userName"].(string)
		names = append(names, strings.TrimPrefix(n, t.s.prefix))
	}
	require.Len(t, list, total, "filter %q: totalResults and Resources disagree", filter)
	return names
}

// dig returns the value at a path of object keys, or nil.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func str(v any, keys ...string) string {
	s, _ := dig(v, keys...).(string)
	return s
}

func stringsOf(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, it := range list {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// intOf reads a JSON number, or a number in a string (as some servers
// write status).
func intOf(v any) int {
	switch x := v.(type) {
	case json.Number:
		n, _ := strconv.Atoi(x.String())
		return n
	case float64:
		return int(x)
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

// items returns the elements of a multi-valued attribute.
func items(v any, key string) []map[string]any {
	list, _ := dig(v, key).([]any)
	out := make([]map[string]any, 0, len(list))
	for _, it := range list {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// values returns the "value" of each element of a multi-valued attribute.
func values(v any, key string) []string {
	var out []string
	for _, it := range items(v, key) {
		out = append(out, str(it, "value"))
	}
	return out
}
