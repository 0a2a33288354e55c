package person

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSourceGroupsField(t *testing.T) {
	t.Parallel()
	src := Person{ID: "E1", SourceGroups: map[string][]string{"okta": {"Eng", "a;b"}, "entra": {}}}
	v, ok := src.Value("sourceGroups")
	require.True(t, ok)
	require.Equal(t, src.SourceGroups, v)
	v, _ = (&Person{}).Value("sourceGroups")
	require.Equal(t, map[string][]string{}, v, "rules read an empty map, never nil")
	require.Equal(t, `"entra"=[];"okta"=["Eng" "a;b"];`, src.String("sourceGroups"), "sorted, quoted: a memo key")
	require.NotEqual(t, (&Person{}).String("sourceGroups"), (&Person{SourceGroups: map[string][]string{"x": {}}}).String("sourceGroups"),
		"a source holding someone with no groups differs from no source")

	dst := Person{ID: "E1"}
	require.True(t, dst.CopyField(&src, "sourceGroups"))
	require.True(t, dst.Equal(src))
	dst.SourceGroups["okta"][0] = "changed"
	require.Equal(t, "Eng", src.SourceGroups["okta"][0], "copied, not shared")
	require.False(t, dst.Equal(src))
	require.True(t, dst.CopyField(&Person{}, "sourceGroups"))
	require.Nil(t, dst.SourceGroups)
}

func TestDiffSourceGroups(t *testing.T) {
	t.Parallel()
	old := Person{ID: "E1", Groups: []string{"Eng"}, SourceGroups: map[string][]string{"okta": {"Eng"}}}

	// An HR record carries no groups: the identity providers' are kept.
	r := Diff(roster(old), []Person{{ID: "E1"}}, DiffOptions{Now: now})
	require.Empty(t, r.Events)
	require.Empty(t, r.People)

	// The same union from another source: stored, and an event only when
	// a rule reads groups by source (then it is a move).
	moved := with(old, func(p *Person) { p.SourceGroups = map[string][]string{"entra": {"Eng"}} })
	r = Diff(roster(old), []Person{moved}, DiffOptions{Now: now})
	require.Len(t, r.People, 1)
	require.Empty(t, r.Events, "person.groups did not change and no rule reads sourceGroups")
	r = Diff(roster(old), []Person{moved}, DiffOptions{Now: now, MoveFields: []string{"sourceGroups"}})
	require.Equal(t, []string{"E1:move:applied"}, kinds(r.Events))
	require.Equal(t, "sourceGroups", r.Events[0].Changes[0].Field)
}
