package scimconn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/scim"
)

// Mapping from person to SCIM User, beyond the built-in attributes
// (userName, externalId, name, displayName, emails, active).
//
// Config.Mapping maps a SCIM attribute to a template. The attribute is a
// core attribute ("title", "userType"), a sub-attribute ("name.formatted")
// or an extension attribute qualified by its schema URN
// ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department").
// The template is literal text in which {person.FIELD} is replaced by the
// person's field; a template that is only "person.FIELD" is that field.
// An attribute whose template renders empty is left as the app has it. A
// mapping of userName, displayName or name.givenName/name.familyName
// replaces the built-in value (a mapped userName is also the login name
// correlation looks up).

// MappingFields are the person fields a template can use. managerRef is
// the app's own id of the manager's account (looked up by the manager's
// employee id), for reference attributes such as the enterprise
// extension's manager.value; it is empty while the manager has no account
// there, and the attribute is then left as the app has it.
var MappingFields = []string{"employeeId", "email", "userName", "givenName", "familyName", "displayName", "department", "title", "managerId", "managerRef"}

// reserved are attributes the connector or the server manage.
var reserved = []string{"id", "meta", "schemas", "active", "groups", "emails", "members", "password", "externalid"}

// field returns a person field of s.
func field(s connector.Subject, name string) string {
	switch name {
	case "employeeId":
		return s.PersonID
	case "email":
		return s.Email
	case "userName":
		return loginName(s)
	case "givenName":
		return s.GivenName
	case "familyName":
		return s.FamilyName
	case "displayName":
		return s.DisplayName
	case "department":
		return s.Attributes["department"]
	case "title":
		return s.Attributes["title"]
	case "managerId":
		return s.Attributes["manager"]
	case "managerRef":
		return s.Attributes[managerRefKey]
	}
	return ""
}

// mapped is one parsed mapping entry.
type mapped struct {
	path  scim.AttrPath
	key   string // the attribute as written, for PATCH paths
	parts []part
}

// part is literal text, or a person field when field is set.
type part struct{ text, field string }

// render returns the entry's value for s, "" when a field it uses is
// empty (a half-filled template is worse than none).
func (m mapped) render(s connector.Subject) string {
	var b strings.Builder
	for _, p := range m.parts {
		if p.field == "" {
			b.WriteString(p.text)
			continue
		}
		v := field(s, p.field)
		if v == "" {
			return ""
		}
		b.WriteString(v)
	}
	return b.String()
}

// MappingProblem is one invalid entry of a mapping.
type MappingProblem struct {
	// Attr is the entry's key as written.
	Attr string
	Msg  string
}

// CheckMapping validates a mapping as New would, returning a problem per
// invalid entry (sorted by attribute), so that a config loader can place
// each at its key.
func CheckMapping(m map[string]string, employeeIDAttr string) []MappingProblem {
	_, probs := parseMapping(m, employeeIDAttr)
	return probs
}

func parseMapping(m map[string]string, employeeIDAttr string) ([]mapped, []MappingProblem) {
	idAttr, _ := parseEmployeeIDAttr(employeeIDAttr)
	var out []mapped
	var probs []MappingProblem
	for _, key := range slices.Sorted(mapKeys(m)) {
		bad := func(format string, args ...any) {
			probs = append(probs, MappingProblem{Attr: key, Msg: fmt.Sprintf(format, args...)})
		}
		p, err := parseAttr(key)
		if err != nil {
			bad("%v", err)
			continue
		}
		if p.URN == "" && slices.Contains(reserved, strings.ToLower(p.Name)) {
			bad("%s is managed by the connector or the server, not mapped", key)
			continue
		}
		if strings.EqualFold(p.String(), idAttr.String()) {
			bad("%s holds the employee id (employee_id_attr), written by the connector", key)
			continue
		}
		parts, err := parseTemplate(m[key])
		if err != nil {
			bad("%v", err)
			continue
		}
		out = append(out, mapped{path: p, key: key, parts: parts})
	}
	return out, probs
}

// parseAttr reads an attribute path: name, name.sub, URN:name or
// URN:name.sub.
func parseAttr(s string) (scim.AttrPath, error) {
	var p scim.AttrPath
	rest := s
	if len(s) > 4 && strings.EqualFold(s[:4], "urn:") {
		i := strings.LastIndexByte(s, ':')
		p.URN, rest = s[:i], s[i+1:]
	}
	name, sub, dotted := strings.Cut(rest, ".")
	if !validAttrName(name) || dotted && !validAttrName(sub) {
		return p, fmt.Errorf("%q is not a SCIM attribute (name, name.sub, or URN:name such as urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department)", s)
	}
	p.Name, p.Sub = name, sub
	return p, nil
}

// parseTemplate reads a template: "person.FIELD", or text with
// {person.FIELD} placeholders.
func parseTemplate(t string) ([]part, error) {
	known := func(f string) error {
		if !slices.Contains(MappingFields, f) {
			return fmt.Errorf("unknown field person.%s (known: person.%s)", f, strings.Join(MappingFields, ", person."))
		}
		return nil
	}
	if f, ok := strings.CutPrefix(strings.TrimSpace(t), "person."); ok && !strings.ContainsAny(f, "{} ") {
		return []part{{field: f}}, known(f)
	}
	var parts []part
	for rest := t; rest != ""; {
		i := strings.IndexByte(rest, '{')
		if j := strings.IndexByte(rest, '}'); j >= 0 && (i < 0 || j < i) {
			return nil, fmt.Errorf("template %q: unmatched }", t)
		}
		if i < 0 {
			parts = append(parts, part{text: rest})
			break
		}
		if i > 0 {
			parts = append(parts, part{text: rest[:i]})
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("template %q: unclosed {", t)
		}
		ref := strings.TrimSpace(rest[i+1 : i+j])
		f, ok := strings.CutPrefix(ref, "person.")
		if !ok {
			return nil, fmt.Errorf("template %q: {%s} is not {person.FIELD}", t, ref)
		}
		if err := known(f); err != nil {
			return nil, fmt.Errorf("template %q: %w", t, err)
		}
		parts = append(parts, part{field: f})
		rest = rest[i+j+1:]
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("empty template: use person.FIELD or text with {person.FIELD}")
	}
	return parts, nil
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// managerRefKey carries the resolved manager reference in the subject's
// attributes while one Ensure runs.
const managerRefKey = "\x00managerRef"

// withManagerRef resolves the manager's account id when the mapping uses
// person.managerRef. A manager without an account in the app leaves it
// empty; a failed lookup is the operation's error (retried like any).
func (c *Conn) withManagerRef(ctx context.Context, s connector.Subject) (connector.Subject, error) {
	mgr := s.Attributes["manager"]
	if mgr == "" || !c.usesField("managerRef") {
		return s, nil
	}
	u, err := c.find(ctx, connector.Subject{PersonID: mgr})
	switch {
	case errors.Is(err, connector.ErrNotFound):
		return s, nil
	case err != nil:
		return s, fmt.Errorf("scim: manager %s of %s: %w", mgr, who(s), err)
	}
	attrs := maps.Clone(s.Attributes)
	attrs[managerRefKey] = u.ID()
	s.Attributes = attrs
	return s, nil
}

// usesField reports whether any mapping template uses the person field.
func (c *Conn) usesField(name string) bool {
	for _, m := range c.mapping {
		for _, p := range m.parts {
			if p.field == name {
				return true
			}
		}
	}
	return false
}

// mappedValue returns the mapped value of the attribute at path for s,
// and whether the mapping has one.
func (c *Conn) mappedValue(s connector.Subject, path string) (string, bool) {
	for _, m := range c.mapping {
		if strings.EqualFold(m.path.String(), path) {
			return m.render(s), true
		}
	}
	return "", false
}

// loginName is the userName s's account has: the mapped one, else the
// subject's.
func (c *Conn) loginName(s connector.Subject) string {
	if v, ok := c.mappedValue(s, "userName"); ok && v != "" {
		return v
	}
	return loginName(s)
}

// builtin returns the value of a built-in attribute: the mapped one when
// the mapping has it, else def.
func (c *Conn) builtin(s connector.Subject, path, def string) string {
	if v, ok := c.mappedValue(s, path); ok {
		return cmp.Or(v, def)
	}
	return def
}

// builtins are the attributes changes sets itself.
var builtins = []string{"username", "displayname", "name.givenname", "name.familyname"}

// mappedChanges returns the changes for the mapped attributes other than
// the built-ins.
func (c *Conn) mappedChanges(s connector.Subject, cur scim.Resource, fresh bool) []change {
	var out []change
	for _, m := range c.mapping {
		if slices.Contains(builtins, strings.ToLower(m.path.String())) {
			continue
		}
		v := m.render(s)
		if v == "" {
			continue
		}
		if fresh || attrString(cur, m.path) != v {
			out = append(out, change{path: m.path.String(), value: v})
		}
	}
	return out
}
