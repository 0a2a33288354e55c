package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/person"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func testDoc() Document {
	return Document{
		Roles: []Role{
			{ID: "employee", Grants: []RoleGrant{{App: "slack"}}},
			{ID: "engineer", Grants: []RoleGrant{{App: "github", Entitlement: "engineering"}, {App: "aws", Entitlement: "developer"}}},
			{ID: "support", Grants: []RoleGrant{{App: "zendesk", Entitlement: "agent"}}},
		},
		Rules: []Rule{
			{Name: "everyone", When: `person.employmentType != "contractor"`, Roles: []string{"employee"}},
			{Name: "engineering", When: `person.department == "Engineering"`, Roles: []string{"engineer"}},
			{Name: "support", When: `person.department == "Support"`, Roles: []string{"support"}},
		},
	}
}

func keys(a Access) []string {
	var out []string
	for _, g := range a.Grants {
		out = append(out, g.App+"/"+g.Entitlement)
	}
	return out
}

func TestDesiredFollowsCurrentRoleOnly(t *testing.T) {
	t.Parallel()
	p, err := New(testDoc())
	require.NoError(t, err)
	support := &person.Person{ID: "E1", Department: "Support", EmploymentType: "employee"}
	require.Equal(t, []string{"slack/", "zendesk/agent"}, keys(p.Desired(support, now, nil)))

	moved := *support
	moved.Department = "Engineering"
	got := p.Desired(&moved, now, nil)
	require.Equal(t, []string{"aws/developer", "github/engineering", "slack/"}, keys(got),
		"the mover holds the new role's access and nothing of the old one")
	require.Equal(t, "rule engineering → role engineer", got.Grants[1].Reason)
}

func TestDesiredByStatus(t *testing.T) {
	t.Parallel()
	p, err := New(testDoc())
	require.NoError(t, err)
	base := person.Person{ID: "E1", Department: "Engineering", EmploymentType: "employee"}
	tests := []struct {
		name   string
		mod    func(*person.Person)
		status person.Status
		grants int
	}{
		{"active", func(*person.Person) {}, person.Active, 3},
		{"terminated gets nothing", func(p *person.Person) { p.EndDate = person.Date(now) }, person.Terminated, 0},
		{"pre-hire gets nothing yet", func(p *person.Person) { p.StartDate = person.Date(now.AddDate(0, 0, 3)) }, person.PreHire, 0},
		{"on leave keeps grants on paper", func(p *person.Person) { p.OnLeave = true }, person.OnLeave, 3},
		{"future end date still active", func(p *person.Person) { p.EndDate = person.Date(now.AddDate(0, 1, 0)) }, person.Active, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			per := base
			tt.mod(&per)
			a := p.Desired(&per, now, nil)
			require.Equal(t, tt.status, a.Status)
			require.Len(t, a.Grants, tt.grants)
		})
	}
}

func TestDesiredRequestsAddUntilExpiry(t *testing.T) {
	t.Parallel()
	p, err := New(testDoc())
	require.NoError(t, err)
	per := &person.Person{ID: "E1", Department: "Support", EmploymentType: "contractor"}
	reqs := []Request{
		{ID: "R1", PersonID: "E1", App: "aws", Entitlement: "readonly", Approver: "boss@x", ExpiresAt: now.Add(time.Hour)},
		{ID: "R2", PersonID: "E1", App: "github", Entitlement: "admin", Approver: "boss@x", ExpiresAt: now.Add(-time.Hour)},
		{ID: "R3", PersonID: "E2", App: "github", Entitlement: "admin", Approver: "boss@x", ExpiresAt: now.Add(time.Hour)},
	}
	a := p.Desired(per, now, reqs)
	require.Equal(t, []string{"aws/readonly", "zendesk/agent"}, keys(a))
	require.Contains(t, a.Grants[0].Reason, "request R1 approved by boss@x")
}

func TestDesiredMemoDoesNotLeakBetweenPeople(t *testing.T) {
	t.Parallel()
	p, err := New(Document{
		Roles: []Role{{ID: "cc", Grants: []RoleGrant{{App: "erp"}}}},
		Rules: []Rule{{Name: "cc42", When: `"costCenter" in person.attributes && person.attributes["costCenter"] == "42"`, Roles: []string{"cc"}}},
	})
	require.NoError(t, err)
	require.Equal(t, []string{"attributes"}, p.Reads())
	a := &person.Person{ID: "A", Attributes: map[string]string{"costCenter": "42"}}
	b := &person.Person{ID: "B", Attributes: map[string]string{"costCenter": "7"}}
	for range 2 {
		require.Len(t, p.Desired(a, now, nil).Grants, 1)
		require.Empty(t, p.Desired(b, now, nil).Grants)
	}
}

func TestCompileRejects(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		``, `person.departmnt == "x"`, `person.startDate == 3`, `person.department`,
		`person.attributes.all(k, person.attributes.all(j, person.attributes.all(i, k + j + i != "")))`,
	} {
		_, err := Compile(src)
		require.Error(t, err, src)
	}
	x, err := Compile(`person.startDate < timestamp("2026-01-01T00:00:00Z") && person.title.startsWith("Senior")`)
	require.NoError(t, err)
	require.Equal(t, []string{"startDate", "title"}, x.Reads)
}

func TestFingerprintChangesWithPolicy(t *testing.T) {
	t.Parallel()
	a, b := testDoc(), testDoc()
	require.Equal(t, a.Fingerprint(), b.Fingerprint())
	b.Rules[1].When = `person.department == "R&D"`
	require.NotEqual(t, a.Fingerprint(), b.Fingerprint())
}
