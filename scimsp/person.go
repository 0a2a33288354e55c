package scimsp

import (
	"context"
	"errors"
	"strings"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/store"
)

// personOf derives the person a User describes through the mapping, and
// the roster fields the resource actually carries (only those change an
// existing person). Two fields are not mapped: managerId is the employeeId
// of the User (of the same source) the enterprise manager points at, and status follows
// `active` (false is terminated).
func personOf(ctx context.Context, sr store.SCIMResources, m Mapping, res scim.Resource) (person.Person, []string, error) {
	ent, _ := res[scim.EnterpriseUserURN].(map[string]any)
	var p person.Person
	var fields []string
	for _, field := range fieldOrder {
		v := lookup(res, field, m[field])
		if field == "employeeId" {
			p.ID = v
			continue
		}
		if v == "" {
			continue
		}
		if field == "email" {
			v = strings.ToLower(v)
		}
		setField(&p, field, v)
		fields = append(fields, field)
	}
	if mgr, ok := ent["manager"].(map[string]any); ok {
		if id := str(mgr, "value"); id != "" {
			mr, err := sr.Get(ctx, "User", id)
			switch {
			case err == nil:
				mres, err := decode(mr)
				if err != nil {
					return p, nil, err
				}
				mp, _, err := personOf(ctx, sr, m, withoutManager(mres))
				if err != nil {
					return p, nil, err
				}
				if mp.ID != "" {
					p.ManagerID = mp.ID
					fields = append(fields, "managerId")
				}
			case !errors.Is(err, store.ErrNotFound):
				return p, nil, err
			}
		}
	}
	if active, ok := res["active"].(bool); ok {
		p.Terminated = !active
		fields = append(fields, "status")
	}
	return p, fields, nil
}

// withoutManager stops the manager lookup from walking a whole chain.
func withoutManager(res scim.Resource) scim.Resource {
	if ent, ok := res[scim.EnterpriseUserURN].(map[string]any); ok {
		delete(ent, "manager")
	}
	return res
}

func str(m map[string]any, k string) string {
	if m == nil {
		return ""
	}
	s, _ := m[k].(string)
	return strings.TrimSpace(s)
}

// setField sets one mapped roster field.
func setField(p *person.Person, field, v string) {
	switch field {
	case "email":
		p.Email = v
	case "givenName":
		p.GivenName = v
	case "familyName":
		p.FamilyName = v
	case "displayName":
		p.DisplayName = v
	case "department":
		p.Department = v
	case "title":
		p.Title = v
	case "location":
		p.Location = v
	case "employmentType":
		p.EmploymentType = v
	}
}
