package scimsp

import (
	"maps"
	"strings"

	"github.com/tenure-dev/tenure/scim"
)

// Mapping maps roster fields to the SCIM attributes they are taken from,
// tried in order (see config.SCIM.Mapping for the reference syntax).
type Mapping map[string][]string

const ent = scim.EnterpriseUserURN

// DefaultMapping is what a tenant gets when it maps nothing: the enterprise
// employeeNumber identifies the person, else the provider's externalId,
// else the SCIM id.
var DefaultMapping = Mapping{
	"employeeId":     {ent + ":employeeNumber", "externalId", "id"},
	"email":          {"emails.value", "userName"},
	"givenName":      {"name.givenName"},
	"familyName":     {"name.familyName"},
	"displayName":    {"displayName"},
	"department":     {ent + ":department"},
	"title":          {"title"},
	"employmentType": {"userType"},
}

// withDefaults returns m over DefaultMapping.
func withDefaults(m Mapping) Mapping {
	out := maps.Clone(DefaultMapping)
	maps.Copy(out, m)
	return out
}

// fieldOrder is the order fields are derived in (stable output).
var fieldOrder = []string{"employeeId", "email", "givenName", "familyName", "displayName",
	"department", "title", "location", "employmentType"}

// lookup returns the first non-empty value of refs in res. An email must
// look like one, so "userName" can stand in only when it is an address.
func lookup(res scim.Resource, field string, refs []string) string {
	for _, ref := range refs {
		v := strings.TrimSpace(resolve(res, ref))
		if v == "" || field == "email" && !strings.Contains(v, "@") {
			continue
		}
		return v
	}
	return ""
}

// resolve reads one attribute reference: "id", "userName", "name.givenName",
// "emails.value" (a multi-valued attribute gives its primary element, else
// its first), or "<schema URN>:attr[.sub]" for an extension. Names match
// case-insensitively, as everywhere in SCIM.
func resolve(res scim.Resource, ref string) string {
	if strings.EqualFold(ref, "id") {
		return res.ID()
	}
	var node any = map[string]any(res)
	if strings.HasPrefix(strings.ToLower(ref), "urn:") {
		i := strings.LastIndex(ref, ":")
		node = get(map[string]any(res), ref[:i])
		ref = ref[i+1:]
	}
	for _, part := range strings.Split(ref, ".") {
		node = get(one(node), part)
	}
	s, _ := one(node).(string)
	return s
}

// get is a case-insensitive key lookup in a JSON object.
func get(node any, key string) any {
	var m map[string]any
	switch n := node.(type) {
	case map[string]any:
		m = n
	case scim.Resource:
		m = n
	default:
		return nil
	}
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// one picks the primary element of a multi-valued attribute, else its first.
func one(node any) any {
	list, ok := node.([]any)
	if !ok {
		return node
	}
	for _, e := range list {
		if p, _ := get(e, "primary").(bool); p {
			return e
		}
	}
	if len(list) > 0 {
		return list[0]
	}
	return nil
}
