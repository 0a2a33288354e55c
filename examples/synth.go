package examples

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/policy"
)

// Synthetic roster dimensions: realistic cardinalities for a large company,
// which is what makes per-input memoisation of rule results pay off.
const (
	synthDepartments = 40
	synthTitles      = 25
	synthLocations   = 12
	synthApps        = 30
)

var synthTypes = []string{"employee", "employee", "employee", "contractor", "intern"}

// SynthRoster makes n people with managers, deterministic for a seed. About
// 2 % have left and 1 % are on leave.
func SynthRoster(n int, seed uint64) []person.Person {
	r := rand.New(rand.NewPCG(seed, 42))
	out := make([]person.Person, n)
	for i := range out {
		id := fmt.Sprintf("E%07d", i+1)
		p := person.Person{
			ID:             id,
			Email:          fmt.Sprintf("user%07d@synth.example", i+1),
			GivenName:      "Given" + strconv.Itoa(i%997),
			FamilyName:     "Family" + strconv.Itoa(i%1009),
			Department:     fmt.Sprintf("Dept%02d", r.IntN(synthDepartments)),
			Title:          fmt.Sprintf("Title%02d", r.IntN(synthTitles)),
			Location:       fmt.Sprintf("Loc%02d", r.IntN(synthLocations)),
			EmploymentType: synthTypes[r.IntN(len(synthTypes))],
			StartDate:      time.Date(2015+r.IntN(10), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC),
			Attributes:     map[string]string{"costCenter": "CC" + strconv.Itoa(r.IntN(50))},
		}
		if i > 0 {
			p.ManagerID = fmt.Sprintf("E%07d", r.IntN(i)+1)
		}
		switch x := r.IntN(100); {
		case x < 2:
			p.EndDate = time.Date(2025, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		case x < 3:
			p.OnLeave = true
		}
		out[i] = p
	}
	return out
}

// SynthCSV renders people as a roster CSV with roster field names as
// headers (the identity mapping).
func SynthCSV(ps []person.Person) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"employeeId", "email", "givenName", "familyName", "department", "title", "location",
		"managerId", "employmentType", "startDate", "endDate", "status", "attributes.costCenter"})
	for _, p := range ps {
		st := "active"
		if p.OnLeave {
			st = "on-leave"
		}
		_ = w.Write([]string{p.ID, p.Email, p.GivenName, p.FamilyName, p.Department, p.Title, p.Location,
			p.ManagerID, p.EmploymentType, p.String("startDate"), p.String("endDate"), st, p.Attributes["costCenter"]})
	}
	w.Flush()
	return b.Bytes()
}

// SynthPolicy makes a policy of the given number of birthright rules over
// synthApps apps: rules by department, department and title, location,
// employment type and cost center, each granting its own role.
func SynthPolicy(rules int) (policy.Document, []string) {
	var d policy.Document
	apps := make([]string, synthApps)
	for i := range apps {
		apps[i] = fmt.Sprintf("app%02d", i)
	}
	for i := range rules {
		role := fmt.Sprintf("role%03d", i)
		d.Roles = append(d.Roles, policy.Role{ID: role, Grants: []policy.RoleGrant{
			{App: apps[i%synthApps], Entitlement: fmt.Sprintf("ent%03d", i)},
		}})
		var when string
		switch i % 5 {
		case 0:
			when = fmt.Sprintf(`person.department == "Dept%02d"`, i%synthDepartments)
		case 1:
			when = fmt.Sprintf(`person.department == "Dept%02d" && person.title == "Title%02d"`, i%synthDepartments, i%synthTitles)
		case 2:
			when = fmt.Sprintf(`person.location == "Loc%02d" && person.employmentType != "contractor"`, i%synthLocations)
		case 3:
			when = fmt.Sprintf(`person.employmentType == "employee" && person.title.startsWith("Title%d")`, i%3)
		case 4:
			when = fmt.Sprintf(`"costCenter" in person.attributes && person.attributes["costCenter"] == "CC%d"`, i%50)
		}
		d.Rules = append(d.Rules, policy.Rule{Name: fmt.Sprintf("rule%03d", i), When: when, Roles: []string{role}})
	}
	return d, apps
}
