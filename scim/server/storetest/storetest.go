// Package storetest is the conformance suite of the server.Store port:
// every implementation (memstore, and Tenure's own store) runs it, so the
// handler can rely on the same semantics from each. When the port's
// contract changes, this suite changes first.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
)

// Run runs the suite; newStore returns an empty store for one test.
func Run(t *testing.T, newStore func(t *testing.T) server.Store) {
	t.Helper()
	tests := []struct {
		name string
		f    func(t *testing.T, s server.Store)
	}{
		{"CRUD", testCRUD},
		{"Copies", testCopies},
		{"Replace", testReplace},
		{"Delete", testDelete},
		{"Uniqueness", testUniqueness},
		{"List", testList},
		{"ListPaging", testListPaging},
		{"ConcurrentReplace", testConcurrentReplace},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.f(t, newStore(t))
		})
	}
}

var created = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// User returns a user as the handler stores it: canonical, with id and
// meta. attrs are name/value pairs of the body.
func User(t testing.TB, id, userName string, attrs ...any) scim.Resource {
	t.Helper()
	return resource(t, scim.UserResourceType(), id, append([]any{"userName", userName}, attrs...))
}

// Group returns a group as the handler stores it.
func Group(t testing.TB, id, displayName string, attrs ...any) scim.Resource {
	t.Helper()
	return resource(t, scim.GroupResourceType(), id, append([]any{"displayName", displayName}, attrs...))
}

func resource(t testing.TB, rt *scim.ResourceType, id string, attrs []any) scim.Resource {
	body := map[string]any{}
	for i := 0; i+1 < len(attrs); i += 2 {
		body[attrs[i].(string)] = attrs[i+1]
	}
	res, err := rt.Normalize(body)
	require.NoError(t, err)
	rt.SetMeta(res, id, "", created, created)
	return res
}

// Filter compiles a filter on users.
func Filter(t testing.TB, f string) *scim.Filter {
	t.Helper()
	c, err := scim.UserResourceType().ParseFilter(f)
	require.NoError(t, err)
	return c
}

func ids(list []scim.Resource) []string {
	out := make([]string, 0, len(list))
	for _, r := range list {
		out = append(out, r.ID())
	}
	return out
}

// modify returns a Replace function that applies f to the old resource
// and re-stamps it.
func modify(f func(res scim.Resource)) func(scim.Resource) (scim.Resource, error) {
	return func(old scim.Resource) (scim.Resource, error) {
		f(old)
		scim.UserResourceType().SetMeta(old, old.ID(), "", created, created.Add(time.Hour))
		return old, nil
	}
}

func testCRUD(t *testing.T, s server.Store) {
	ctx := t.Context()
	_, err := s.Get(ctx, "User", "u1")
	require.ErrorIs(t, err, server.ErrNotFound)

	u := User(t, "u1", "alice", "title", "Engineer")
	got, err := s.Create(ctx, "User", u)
	require.NoError(t, err)
	require.Equal(t, u, got, "Create returns the resource as given")

	got, err = s.Get(ctx, "User", "u1")
	require.NoError(t, err)
	require.Equal(t, u, got)
	require.NoError(t, scim.UserResourceType().Validate(got), "what comes back is canonical")

	_, err = s.Get(ctx, "Group", "u1")
	require.ErrorIs(t, err, server.ErrNotFound, "ids are per resource type")
}

func testCopies(t *testing.T, s server.Store) {
	ctx := t.Context()
	in := User(t, "u1", "alice", "emails", []any{map[string]any{"value": "a@x"}})
	out, err := s.Create(ctx, "User", in)
	require.NoError(t, err)
	in["emails"].([]any)[0].(map[string]any)["value"] = "changed@x"
	out["emails"].([]any)[0].(map[string]any)["value"] = "changed@x"
	got, err := s.Get(ctx, "User", "u1")
	require.NoError(t, err)
	got["userName"] = "mallory"
	page, _, err := s.List(ctx, "User", server.Query{Page: scim.Page{StartIndex: 1, Count: 10}})
	require.NoError(t, err)
	require.Equal(t, "a@x", page[0]["emails"].([]any)[0].(map[string]any)["value"],
		"neither the caller's input nor its outputs alias what is stored")
	require.Equal(t, "alice", page[0]["userName"])
}

func testReplace(t *testing.T, s server.Store) {
	ctx := t.Context()
	_, err := s.Create(ctx, "User", User(t, "u1", "alice", "title", "Engineer"))
	require.NoError(t, err)

	replaced, err := s.Replace(ctx, "User", "u1", modify(func(res scim.Resource) { res["title"] = "Lead" }))
	require.NoError(t, err)
	require.Equal(t, "Lead", replaced["title"])
	got, err := s.Get(ctx, "User", "u1")
	require.NoError(t, err)
	require.Equal(t, replaced, got)

	boom := errors.New("boom")
	_, err = s.Replace(ctx, "User", "u1", func(old scim.Resource) (scim.Resource, error) {
		old["title"] = "Half done"
		return nil, fmt.Errorf("wrapped: %w", boom)
	})
	require.ErrorIs(t, err, boom, "fn's error comes back")
	got, err = s.Get(ctx, "User", "u1")
	require.NoError(t, err)
	require.Equal(t, "Lead", got["title"], "a failed fn writes nothing, even after changing its argument")

	_, err = s.Replace(ctx, "User", "nope", func(old scim.Resource) (scim.Resource, error) { return old, nil })
	require.ErrorIs(t, err, server.ErrNotFound)

	unchanged, err := s.Replace(ctx, "User", "u1", func(old scim.Resource) (scim.Resource, error) { return old, nil })
	require.NoError(t, err)
	require.Equal(t, got, unchanged, "returning old unchanged is a no-op")
}

func testDelete(t *testing.T, s server.Store) {
	ctx := t.Context()
	_, err := s.Create(ctx, "User", User(t, "u1", "alice"))
	require.NoError(t, err)
	boom := errors.New("boom")
	var seen scim.Resource
	err = s.Delete(ctx, "User", "u1", func(old scim.Resource) error {
		seen = old
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, "alice", seen["userName"], "check sees the current resource")
	_, err = s.Get(ctx, "User", "u1")
	require.NoError(t, err, "a failed check deletes nothing")

	require.NoError(t, s.Delete(ctx, "User", "u1", nil))
	_, err = s.Get(ctx, "User", "u1")
	require.ErrorIs(t, err, server.ErrNotFound)
	require.ErrorIs(t, s.Delete(ctx, "User", "u1", nil), server.ErrNotFound)
	_, total, err := s.List(ctx, "User", server.Query{Page: scim.Page{StartIndex: 1, Count: 10}})
	require.NoError(t, err)
	require.Zero(t, total)
}

func testUniqueness(t *testing.T, s server.Store) {
	ctx := t.Context()
	_, err := s.Create(ctx, "User", User(t, "u1", "alice@example.com"))
	require.NoError(t, err)
	_, err = s.Create(ctx, "User", User(t, "u2", "bob"))
	require.NoError(t, err)

	for _, taken := range []string{"alice@example.com", "ALICE@Example.COM"} {
		_, err = s.Create(ctx, "User", User(t, "u3", taken))
		require.ErrorIs(t, err, server.ErrUniqueness, taken)
	}
	_, err = s.Replace(ctx, "User", "u2", modify(func(res scim.Resource) { res["userName"] = "Alice@example.com" }))
	require.ErrorIs(t, err, server.ErrUniqueness)
	got, err := s.Get(ctx, "User", "u2")
	require.NoError(t, err)
	require.Equal(t, "bob", got["userName"])
	_, err = s.Replace(ctx, "User", "u1", modify(func(res scim.Resource) { res["userName"] = "ALICE@example.com" }))
	require.NoError(t, err, "a resource may change the case of its own unique value")

	// A deleted or renamed resource frees its value.
	require.NoError(t, s.Delete(ctx, "User", "u1", nil))
	_, err = s.Create(ctx, "User", User(t, "u4", "alice@example.com"))
	require.NoError(t, err)
	_, err = s.Replace(ctx, "User", "u4", modify(func(res scim.Resource) { res["userName"] = "alice2" }))
	require.NoError(t, err)
	_, err = s.Create(ctx, "User", User(t, "u5", "alice@example.com"))
	require.NoError(t, err)

	// Groups: displayName; and a group may share a user's name.
	_, err = s.Create(ctx, "Group", Group(t, "g1", "Sales"))
	require.NoError(t, err)
	_, err = s.Create(ctx, "Group", Group(t, "g2", "SALES"))
	require.ErrorIs(t, err, server.ErrUniqueness)
	_, err = s.Create(ctx, "Group", Group(t, "g3", "bob"))
	require.NoError(t, err)
}

func testList(t *testing.T, s server.Store) {
	ctx := t.Context()
	for i, name := range []string{"carol", "alice", "bob", "dave"} {
		_, err := s.Create(ctx, "User", User(t, fmt.Sprintf("u%d", i), name,
			"externalId", "EXT-"+name, "active", i%2 == 0,
			"emails", []any{map[string]any{"value": name + "@x", "type": "work"}}))
		require.NoError(t, err)
	}
	require.NoError(t, s.Delete(ctx, "User", "u3", nil))
	_, err := s.Create(ctx, "Group", Group(t, "g1", "alice"))
	require.NoError(t, err)
	sorter, err := scim.UserResourceType().NewSorter("userName", "")
	require.NoError(t, err)
	desc, err := scim.UserResourceType().NewSorter("userName", "descending")
	require.NoError(t, err)
	all := scim.Page{StartIndex: 1, Count: 100}
	cases := []struct {
		name  string
		q     server.Query
		want  []string
		total int
	}{
		{"sorted", server.Query{Sort: sorter, Page: all}, []string{"u1", "u2", "u0"}, 3},
		{"sorted descending", server.Query{Sort: desc, Page: all}, []string{"u0", "u2", "u1"}, 3},
		{"paged", server.Query{Sort: sorter, Page: scim.Page{StartIndex: 2, Count: 1}}, []string{"u2"}, 3},
		{"past the end", server.Query{Sort: sorter, Page: scim.Page{StartIndex: 9, Count: 1}}, []string{}, 3},
		{"count 0", server.Query{Page: scim.Page{StartIndex: 1, Count: 0}}, []string{}, 3},
		{"filter", server.Query{Filter: Filter(t, `active eq true`), Sort: sorter, Page: all}, []string{"u2", "u0"}, 2},
		{"value filter", server.Query{Filter: Filter(t, `emails[value sw "b"]`), Page: all}, []string{"u2"}, 1},
		{"userName eq folds case", server.Query{Filter: Filter(t, `userName eq "BOB"`), Page: all}, []string{"u2"}, 1},
		{"userName eq deleted", server.Query{Filter: Filter(t, `userName eq "dave"`), Page: all}, []string{}, 0},
		{"userName eq other type", server.Query{Filter: Filter(t, `userName eq "alice"`), Page: all}, []string{"u1"}, 1},
		{"id eq", server.Query{Filter: Filter(t, `id eq "u1"`), Page: all}, []string{"u1"}, 1},
		{"id eq is exact", server.Query{Filter: Filter(t, `id eq "U1"`), Page: all}, []string{}, 0},
		{"externalId eq", server.Query{Filter: Filter(t, `externalId eq "EXT-alice"`), Page: all}, []string{"u1"}, 1},
		{"externalId is caseExact", server.Query{Filter: Filter(t, `externalId eq "ext-alice"`), Page: all}, []string{}, 0},
		{"equality and more", server.Query{Filter: Filter(t, `userName eq "bob" and active eq false`), Page: all}, []string{}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page, total, err := s.List(ctx, "User", c.q)
			require.NoError(t, err)
			require.Equal(t, c.want, ids(page))
			require.Equal(t, c.total, total)
		})
	}
	page, total, err := s.List(ctx, "Printer", server.Query{Page: all})
	require.NoError(t, err)
	require.Empty(t, page)
	require.Zero(t, total)
}

// testListPaging: without a sort, pages of the store's own order cover
// every match once.
func testListPaging(t *testing.T, s server.Store) {
	ctx := t.Context()
	var want []string
	for i := range 25 {
		id := fmt.Sprintf("u%02d", i)
		want = append(want, id)
		_, err := s.Create(ctx, "User", User(t, id, fmt.Sprintf("user%02d", (i*7)%25)))
		require.NoError(t, err)
	}
	var got []string
	for start := 1; start <= 25; start += 4 {
		page, total, err := s.List(ctx, "User", server.Query{Page: scim.Page{StartIndex: start, Count: 4}})
		require.NoError(t, err)
		require.Equal(t, 25, total)
		got = append(got, ids(page)...)
	}
	slices.Sort(got)
	require.Equal(t, want, got)
}

// testConcurrentReplace: read-modify-writes do not lose updates.
func testConcurrentReplace(t *testing.T, s server.Store) {
	ctx := context.WithoutCancel(t.Context())
	_, err := s.Create(ctx, "User", User(t, "u1", "alice"))
	require.NoError(t, err)
	const n = 20
	f := Filter(t, `emails co "@x"`)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			_, err := s.Replace(ctx, "User", "u1", modify(func(res scim.Resource) {
				emails, _ := res["emails"].([]any)
				res["emails"] = append(emails, map[string]any{"value": fmt.Sprintf("a%d@x", i)})
			}))
			errs <- err
			_, _, err = s.List(ctx, "User", server.Query{Filter: f, Page: scim.Page{StartIndex: 1, Count: 1}})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := s.Get(ctx, "User", "u1")
	require.NoError(t, err)
	require.Len(t, got["emails"], n)
}
