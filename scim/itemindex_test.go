package scim

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFoldKey(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{
		{"Alice@Example.COM", "alice@example.com"},
		{"ſtraße", "STRAßE"}, // long s folds to s
		{"K", "k"},           // Kelvin sign
		{"ΣΑΣ", "σας"},
	}
	for _, p := range pairs {
		require.True(t, strings.EqualFold(p[0], p[1]), p)
		require.Equal(t, foldKey(p[0]), foldKey(p[1]), p)
	}
	require.NotEqual(t, foldKey("a"), foldKey("b"))
}

func TestItemIndex(t *testing.T) {
	t.Parallel()
	members := GroupSchema().Attribute("members")
	list := []any{
		map[string]any{"value": "u1", "type": "User"},
		map[string]any{"value": "ſam"},
		map[string]any{"display": "no value"},
	}
	x := newItemIndex(members, list)
	require.Equal(t, 0, x.find(map[string]any{"value": "U1"}))
	require.Equal(t, -1, x.find(map[string]any{"value": "u1", "type": "Group"}), "type differs")
	require.Equal(t, 1, x.find(map[string]any{"value": "SAM"}))
	require.Equal(t, 2, x.find(map[string]any{"display": "no value"}))
	require.Equal(t, -1, x.find(map[string]any{"value": "u2"}))
	x.add(map[string]any{"value": "u2"})
	require.Equal(t, 3, x.find(map[string]any{"value": "u2"}))

	tags := &Attribute{Name: "tags", Type: TypeString, MultiValued: true, CaseExact: true}
	y := newItemIndex(tags, []any{"A", "a"})
	require.Equal(t, 1, y.find("a"), "caseExact values are not folded")
}

// A large group gains and loses members in time linear in its size.
func BenchmarkApplyPatchMembers(b *testing.B) {
	const size, batch = 10000, 1000
	members := make([]any, size)
	for i := range members {
		members[i] = map[string]any{"value": fmt.Sprintf("user-%05d", i)}
	}
	group, err := GroupResourceType().Normalize(map[string]any{"displayName": "All", "members": members})
	require.NoError(b, err)
	// Adds batch new members and batch existing ones (in other case, so
	// no-ops), then removes batch existing ones.
	var add, remove []string
	for i := range batch {
		add = append(add, fmt.Sprintf(`{"value":"new-%05d"},{"value":"USER-%05d"}`, i, i))
		remove = append(remove, fmt.Sprintf(`{"value":"user-%05d"}`, i*7))
	}
	req, err := DecodePatch(decode(b, patchBody(`[{"op":"add","path":"members","value":[`+strings.Join(add, ",")+`]},`+
		`{"op":"remove","path":"members","value":[`+strings.Join(remove, ",")+`]}]`)))
	require.NoError(b, err)
	for b.Loop() {
		got, err := GroupResourceType().ApplyPatch(group, req)
		require.NoError(b, err)
		require.Len(b, got["members"], size)
	}
}

func BenchmarkFilterMatch(b *testing.B) {
	user := sampleUser(b)
	f, err := UserResourceType().ParseFilter(`userName eq "ALICE@example.com" and emails[type eq "work" and primary eq true]`)
	require.NoError(b, err)
	for b.Loop() {
		if !f.Match(user) {
			b.Fatal("no match")
		}
	}
}
