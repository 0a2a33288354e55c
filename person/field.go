package person

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Value returns the value of a field by its roster/rule name ("department",
// "startDate", "attributes", …): the single place that maps names to struct
// fields, shared by rule evaluation and change detection.
func (p *Person) Value(field string) (any, bool) {
	switch field {
	case "employeeId":
		return p.ID, true
	case "email":
		return p.Email, true
	case "givenName":
		return p.GivenName, true
	case "familyName":
		return p.FamilyName, true
	case "displayName":
		return p.DisplayName, true
	case "department":
		return p.Department, true
	case "title":
		return p.Title, true
	case "location":
		return p.Location, true
	case "managerId":
		return p.ManagerID, true
	case "employmentType":
		return p.EmploymentType, true
	case "status":
		return string(p.Status), true
	case "onLeave":
		return p.OnLeave, true
	case "terminated":
		return p.Terminated, true
	case "startDate":
		return p.StartDate, true
	case "endDate":
		return p.EndDate, true
	case "attributes":
		if p.Attributes == nil {
			return map[string]string{}, true
		}
		return p.Attributes, true
	case "groups":
		if p.Groups == nil {
			return []string{}, true
		}
		return p.Groups, true
	case "sourceGroups":
		if p.SourceGroups == nil {
			return map[string][]string{}, true
		}
		return p.SourceGroups, true
	}
	if name, ok := strings.CutPrefix(field, "attributes."); ok {
		return p.Attributes[name], true
	}
	return nil, false
}

// String renders a field's value as text, for change summaries and memo
// keys; dates as YYYY-MM-DD, maps with sorted keys.
func (p *Person) String(field string) string {
	v, _ := p.Value(field)
	switch v := v.(type) {
	case string:
		return v
	case bool:
		if v {
			return "true"
		}
		return ""
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.UTC().Format("2006-01-02")
	case []string:
		return strings.Join(v, ", ")
	case map[string]string:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%q=%q;", k, v[k])
		}
		return b.String()
	case map[string][]string:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%q=%q;", k, v[k])
		}
		return b.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// compared are the fields diffed between two records, in report order.
// "attributes" is expanded per key by Changes.
var compared = []string{
	"email", "givenName", "familyName", "displayName", "department", "title", "location",
	"managerId", "employmentType", "startDate", "endDate", "onLeave", "terminated", "groups",
	"sourceGroups",
}

// Changes lists every field that differs from old to p, custom attributes as
// "attributes.NAME".
func (p *Person) Changes(old *Person) []Change {
	var cs []Change
	for _, f := range compared {
		if a, b := old.String(f), p.String(f); a != b {
			cs = append(cs, Change{Field: f, From: a, To: b})
		}
	}
	keys := make([]string, 0, len(old.Attributes)+len(p.Attributes))
	for k := range old.Attributes {
		keys = append(keys, k)
	}
	for k := range p.Attributes {
		if _, ok := old.Attributes[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if a, b := old.Attributes[k], p.Attributes[k]; a != b {
			cs = append(cs, Change{Field: "attributes." + k, From: a, To: b})
		}
	}
	return cs
}

// CopyField sets p's field (a roster field name, "status" for HR's status
// word, or "attributes.NAME") from src. Pushed HR events use it to change
// only the fields an event carries.
func (p *Person) CopyField(src *Person, field string) bool {
	switch field {
	case "employeeId":
		p.ID = src.ID
	case "email":
		p.Email = src.Email
	case "givenName":
		p.GivenName = src.GivenName
	case "familyName":
		p.FamilyName = src.FamilyName
	case "displayName":
		p.DisplayName = src.DisplayName
	case "department":
		p.Department = src.Department
	case "title":
		p.Title = src.Title
	case "location":
		p.Location = src.Location
	case "managerId":
		p.ManagerID = src.ManagerID
	case "employmentType":
		p.EmploymentType = src.EmploymentType
	case "startDate":
		p.StartDate = src.StartDate
	case "endDate":
		p.EndDate = src.EndDate
	case "status":
		p.OnLeave, p.Terminated = src.OnLeave, src.Terminated
	case "groups":
		p.Groups = slices.Clone(src.Groups)
	case "sourceGroups":
		p.SourceGroups = nil
		if src.SourceGroups != nil {
			p.SourceGroups = make(map[string][]string, len(src.SourceGroups))
			for k, v := range src.SourceGroups {
				p.SourceGroups[k] = slices.Clone(v)
			}
		}
	default:
		name, ok := strings.CutPrefix(field, "attributes.")
		if !ok {
			return false
		}
		attrs := make(map[string]string, len(p.Attributes)+1)
		for k, v := range p.Attributes {
			attrs[k] = v
		}
		if v := src.Attributes[name]; v != "" {
			attrs[name] = v
		} else {
			delete(attrs, name)
		}
		if len(attrs) == 0 {
			attrs = nil
		}
		p.Attributes = attrs
	}
	return true
}
