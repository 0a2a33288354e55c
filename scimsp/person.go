package scimsp

import (
	"context"
	"errors"
	"strings"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/store"
)

// personOf derives the person a User describes, and the roster fields the
// resource actually carries (only those change an existing person):
//
//	employeeId      enterprise employeeNumber, else externalId, else the SCIM id
//	email           the primary email, else the first, else userName if it is one
//	givenName …     name.givenName, name.familyName, displayName
//	department      enterprise department
//	title           title
//	employmentType  userType
//	managerId       the employeeId of the User the enterprise manager points at
//	status          active: false is terminated
func personOf(ctx context.Context, tx store.Tx, res scim.Resource) (person.Person, []string, error) {
	ent, _ := res[scim.EnterpriseUserURN].(map[string]any)
	var p person.Person
	var fields []string
	set := func(field string, v string, dst *string) {
		if v != "" {
			*dst = v
			fields = append(fields, field)
		}
	}
	p.ID = firstOf(str(ent, "employeeNumber"), str(res, "externalId"), res.ID())
	set("email", email(res), &p.Email)
	if name, ok := res["name"].(map[string]any); ok {
		set("givenName", str(name, "givenName"), &p.GivenName)
		set("familyName", str(name, "familyName"), &p.FamilyName)
	}
	set("displayName", str(res, "displayName"), &p.DisplayName)
	set("department", str(ent, "department"), &p.Department)
	set("title", str(res, "title"), &p.Title)
	set("employmentType", str(res, "userType"), &p.EmploymentType)
	if mgr, ok := ent["manager"].(map[string]any); ok {
		if id := str(mgr, "value"); id != "" {
			m, err := tx.SCIM().Get(ctx, "User", id)
			switch {
			case err == nil:
				mres, err := decode(m)
				if err != nil {
					return p, nil, err
				}
				mp, _, err := personOf(ctx, tx, withoutManager(mres))
				if err != nil {
					return p, nil, err
				}
				set("managerId", mp.ID, &p.ManagerID)
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

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func email(res scim.Resource) string {
	emails, _ := res["emails"].([]any)
	first := ""
	for _, e := range emails {
		m, _ := e.(map[string]any)
		v := str(m, "value")
		if primary, _ := m["primary"].(bool); primary && v != "" {
			return strings.ToLower(v)
		}
		if first == "" {
			first = v
		}
	}
	if first == "" {
		if u := str(res, "userName"); strings.Contains(u, "@") {
			first = u
		}
	}
	return strings.ToLower(first)
}
