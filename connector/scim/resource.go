package scimconn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/internal/rest"
	"github.com/tenure-dev/tenure/scim"
)

// Reading resources from servers that are not ours: attribute names match
// in any case (RFC 7643 §2.1), booleans may be strings, and anything may
// be missing.

// lookup returns m's value for key, matching the key in any case.
func lookup(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// str returns m[key] if it is a string.
func str(m map[string]any, key string) string {
	v, _ := lookup(m, key)
	s, _ := v.(string)
	return s
}

// object returns m[key] if it is an object.
func object(m map[string]any, key string) map[string]any {
	v, _ := lookup(m, key)
	o, _ := v.(map[string]any)
	return o
}

// objects returns the objects of the multi-valued attribute m[key].
func objects(m map[string]any, key string) []map[string]any {
	v, _ := lookup(m, key)
	list, _ := v.([]any)
	out := make([]map[string]any, 0, len(list))
	for _, it := range list {
		if o, ok := it.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

// truthy reads a SCIM boolean: true, or "true" in any case.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(strings.TrimSpace(x), "true")
	}
	return false
}

// attrString returns the string at path p (URN-qualified or not, with or
// without a sub-attribute) in a resource.
func attrString(res map[string]any, p scim.AttrPath) string {
	m := res
	if p.URN != "" {
		if m = object(res, p.URN); m == nil {
			return ""
		}
	}
	if p.Sub != "" {
		return str(object(m, p.Name), p.Sub)
	}
	return str(m, p.Name)
}

// setKey sets m[key], replacing a key that matches in another case.
func setKey(m map[string]any, key string, v any) {
	for k := range m {
		if k != key && strings.EqualFold(k, key) {
			delete(m, k)
		}
	}
	m[key] = v
}

// child returns the object m[key], creating it if absent.
func child(m map[string]any, key string) map[string]any {
	if o := object(m, key); o != nil {
		return o
	}
	o := map[string]any{}
	setKey(m, key, o)
	return o
}

// active reads a user's active attribute. An absent one counts as true:
// servers that have no notion of disabling omit it.
func active(u map[string]any) bool {
	v, ok := lookup(u, "active")
	return !ok || v == nil || truthy(v)
}

// primaryEmail returns the primary email, else the work one, else the
// first.
func primaryEmail(u map[string]any) string {
	emails := objects(u, "emails")
	for _, e := range emails {
		if p, _ := lookup(e, "primary"); truthy(p) {
			return str(e, "value")
		}
	}
	for _, e := range emails {
		if strings.EqualFold(str(e, "type"), "work") {
			return str(e, "value")
		}
	}
	if len(emails) > 0 {
		return str(emails[0], "value")
	}
	return ""
}

// withPrimaryEmail returns u's emails with want as the primary work email
// first and the others kept, no longer primary.
func withPrimaryEmail(u map[string]any, want string) []any {
	out := []any{map[string]any{"value": want, "type": "work", "primary": true}}
	for _, e := range objects(u, "emails") {
		if strings.EqualFold(str(e, "value"), want) {
			continue
		}
		kept := make(map[string]any, len(e))
		for k, v := range e {
			if !strings.EqualFold(k, "primary") {
				kept[k] = v
			}
		}
		out = append(out, kept)
	}
	return out
}

// decodeResource reads a resource body. Numbers stay json.Number, so a
// resource sent back with PUT is unchanged.
func (c *Conn) decodeResource(op string, r *response) (scim.Resource, error) {
	var res scim.Resource
	if err := decodeJSON(r.body, &res); err != nil || res == nil {
		return nil, c.notSCIM(op, r, "a resource")
	}
	return res, nil
}

// listResponse is a query's response.
type listResponse struct {
	TotalResults int
	StartIndex   int
	Resources    []scim.Resource
}

func (c *Conn) decodeList(op string, r *response) (*listResponse, error) {
	var l listResponse
	if err := decodeJSON(r.body, &l); err != nil {
		return nil, c.notSCIM(op, r, "a ListResponse")
	}
	return &l, nil
}

func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

// notSCIM is the error for a 2xx body that is not what SCIM promises: the
// URL probably points at something else, which retrying will not fix.
func (c *Conn) notSCIM(op string, r *response, want string) error {
	return connector.NewPermanent(fmt.Errorf("%s: %d response is not %s", op, r.status, want),
		c.redact(rest.Truncate(string(r.body), rest.MaxDetail)))
}
