package policy

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/person"
)

// Rules can trust one identity provider's groups: person.sourceGroups maps
// each SCIM source to its groups, person.groups stays the union.
func TestSourceGroupsInRules(t *testing.T) {
	t.Parallel()
	both := &person.Person{ID: "E1", Groups: []string{"Engineering", "Ops"},
		SourceGroups: map[string][]string{"okta": {"Engineering"}, "entra": {"Ops"}, "hr-idp": {}}}
	entraOnly := &person.Person{ID: "E2", Groups: []string{"Engineering"},
		SourceGroups: map[string][]string{"entra": {"Engineering"}}}
	nobody := &person.Person{ID: "E3"}
	tests := []struct {
		when string
		want [3]bool // both, entraOnly, nobody
	}{
		{`"Engineering" in person.sourceGroups["okta"]`, [3]bool{true, false, false}},
		{`"Engineering" in person.groups`, [3]bool{true, true, false}},
		{`"okta" in person.sourceGroups`, [3]bool{true, false, false}},
		{`"hr-idp" in person.sourceGroups && size(person.sourceGroups["hr-idp"]) == 0`, [3]bool{true, false, false}},
		{`size(person.sourceGroups) >= 2`, [3]bool{true, false, false}},
		{`person.sourceGroups.exists(s, "Engineering" in person.sourceGroups[s])`, [3]bool{true, true, false}},
		{`person.sourceGroups["nowhere"] == []`, [3]bool{true, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			t.Parallel()
			x, err := Compile(tt.when)
			require.NoError(t, err)
			for i, p := range []*person.Person{both, entraOnly, nobody} {
				got, err := x.Eval(p)
				require.NoError(t, err, "a source that never pushed the person reads as no groups")
				require.Equal(t, tt.want[i], got, p.ID)
			}
		})
	}
	for bad, want := range map[string]string{
		`person.sourceGroups["okta"] == "Engineering"`: "no matching overload", // a list, not a string
		`person.sourceGroups[1] == []`:                 "no matching overload", // keyed by source name
		`person.sourceGroups.all(a, person.sourceGroups.all(b, person.sourceGroups.all(c,
			person.sourceGroups[a].all(x, person.sourceGroups[b].all(y, x + y != "")))))`: "too costly",
	} {
		_, err := Compile(bad)
		require.ErrorContains(t, err, want, bad)
	}
}

// A policy reading sourceGroups memoises on it: two people with the same
// union but different sources get different answers.
func TestSourceGroupsMemoKey(t *testing.T) {
	t.Parallel()
	p, err := New(Document{
		Roles: []Role{{ID: "eng", Grants: []RoleGrant{{App: "github"}}}},
		Rules: []Rule{{Name: "okta-eng", When: `"Engineering" in person.sourceGroups["okta"]`, Roles: []string{"eng"}}},
	})
	require.NoError(t, err)
	require.Equal(t, []string{"sourceGroups"}, p.Reads())
	a := &person.Person{ID: "A", Groups: []string{"Engineering"}, SourceGroups: map[string][]string{"okta": {"Engineering"}}}
	b := &person.Person{ID: "B", Groups: []string{"Engineering"}, SourceGroups: map[string][]string{"entra": {"Engineering"}}}
	for range 2 {
		require.Len(t, p.Desired(a, now, nil).Grants, 1)
		require.Empty(t, p.Desired(b, now, nil).Grants)
		require.Empty(t, p.Desired(b, now, nil).Errors)
	}
}
