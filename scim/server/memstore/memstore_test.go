package memstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) server.Store { return New() })
}

func ids(list []scim.Resource) []string {
	out := make([]string, len(list))
	for i, r := range list {
		out[i] = r.ID()
	}
	return out
}

// TestMisuse: what the handler never does is an error, not corruption.
func TestMisuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := New()
	_, err := s.Create(ctx, "User", storetest.User(t, "u1", "alice"))
	require.NoError(t, err)
	_, err = s.Create(ctx, "User", storetest.User(t, "u1", "other"))
	require.ErrorContains(t, err, "exists")
	_, err = s.Create(ctx, "User", scim.Resource{"userName": "no id"})
	require.ErrorContains(t, err, "no id")
	_, err = s.Replace(ctx, "User", "u1", func(old scim.Resource) (scim.Resource, error) {
		old["id"] = "u2"
		return old, nil
	})
	require.ErrorContains(t, err, "id changed")
	require.Equal(t, 1, s.Len("User"))
}

func TestUniquenessFolds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := New()
	_, err := s.Create(ctx, "User", storetest.User(t, "k1", "kate"))
	require.NoError(t, err)
	// "K" (Kelvin sign) folds to "k": EqualFold, and so the filter, call
	// them equal, and so must the index.
	_, err = s.Create(ctx, "User", storetest.User(t, "k2", "\u212Aate"))
	var ue *server.UniquenessError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "userName", ue.Attribute)
	page, _, err := s.List(ctx, "User", server.Query{Filter: storetest.Filter(t, "userName eq \"\u212AATE\""),
		Page: scim.Page{StartIndex: 1, Count: 10}})
	require.NoError(t, err)
	require.Equal(t, []string{"k1"}, ids(page))

	// Types without a unique attribute have no constraint.
	for _, id := range []string{"d1", "d2"} {
		_, err = s.Create(ctx, "Device", scim.Resource{"id": id, "userName": "same"})
		require.NoError(t, err)
	}
}

// TestOrder: unsorted results come in insertion order, also after
// deletions and compaction.
func TestOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := New()
	for i := range 500 {
		_, err := s.Create(ctx, "User", storetest.User(t, fmt.Sprintf("u%03d", i), fmt.Sprintf("user%03d", 499-i)))
		require.NoError(t, err)
	}
	for i := range 500 {
		if i%10 != 0 {
			require.NoError(t, s.Delete(ctx, "User", fmt.Sprintf("u%03d", i), nil))
		}
	}
	page, total, err := s.List(ctx, "User", server.Query{Page: scim.Page{StartIndex: 1, Count: 1000}})
	require.NoError(t, err)
	require.Equal(t, 50, total)
	require.Equal(t, "u000", page[0].ID())
	require.Equal(t, "u490", page[49].ID())
	require.Less(t, len(s.tables["User"].order), 200, "deleted records were compacted")
	_, err = s.Create(ctx, "User", storetest.User(t, "new", "new"))
	require.NoError(t, err)
	page, _, err = s.List(ctx, "User", server.Query{Page: scim.Page{StartIndex: 51, Count: 1}})
	require.NoError(t, err)
	require.Equal(t, []string{"new"}, ids(page))
}

func TestFoldKey(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{{"Alice", "aLICE"}, {"\u212Aelvin", "kelvin"}, {"ſtraße", "STRAßE"}, {"ΣΑΣ", "σας"}}
	for _, p := range pairs {
		require.True(t, strings.EqualFold(p[0], p[1]), p)
		require.Equal(t, foldKey(p[0]), foldKey(p[1]), p)
	}
	require.NotEqual(t, foldKey("a"), foldKey("b"))
}
