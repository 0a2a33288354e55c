package scim

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParsePage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		start, count string
		max          int
		want         Page
		err          bool
	}{
		{"", "", 100, Page{1, 100}, false},
		{"1", "10", 100, Page{1, 10}, false},
		{"0", "10", 100, Page{1, 10}, false},
		{"-5", "10", 100, Page{1, 10}, false},
		{"11", "-1", 100, Page{11, 0}, false},
		{"1", "0", 100, Page{1, 0}, false},
		{"1", "500", 100, Page{1, 100}, false},
		{" 3 ", " 7 ", 100, Page{3, 7}, false},
		{"99999999999999999999999", "10", 100, Page{math.MaxInt, 10}, false},
		{"1", "99999999999999999999999", 100, Page{1, 100}, false},
		{"", "", 0, Page{1, math.MaxInt}, false},
		{"", "5000", -1, Page{1, 5000}, false},
		{"one", "", 100, Page{}, true},
		{"1", "1.5", 100, Page{}, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q,%q,%d", tt.start, tt.count, tt.max), func(t *testing.T) {
			t.Parallel()
			got, err := ParsePage(tt.start, tt.count, tt.max)
			if tt.err {
				requireSCIMError(t, err, 400, ErrorInvalidValue)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestPageBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		page   Page
		total  int
		lo, hi int
	}{
		{Page{1, 10}, 25, 0, 10},
		{Page{21, 10}, 25, 20, 25},
		{Page{26, 10}, 25, 25, 25},
		{Page{100, 10}, 25, 25, 25},
		{Page{1, 0}, 25, 0, 0},
		{Page{1, math.MaxInt}, 25, 0, 25},
		{Page{math.MaxInt, math.MaxInt}, 25, 25, 25},
		{Page{0, -3}, 25, 0, 0},
		{Page{1, 10}, 0, 0, 0},
	}
	for _, tt := range tests {
		lo, hi := tt.page.Bounds(tt.total)
		require.Equal(t, []int{tt.lo, tt.hi}, []int{lo, hi}, "%+v of %d", tt.page, tt.total)
	}
}

func TestListResponse(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(NewListResponse(nil, 0, Page{StartIndex: 1, Count: 10}))
	require.NoError(t, err)
	require.JSONEq(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
		"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`, string(b))

	page := []Resource{{"id": "a"}, {"id": "b"}}
	b, err = json.Marshal(NewListResponse(page, 12, Page{StartIndex: 3, Count: 2}))
	require.NoError(t, err)
	require.JSONEq(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
		"totalResults":12,"startIndex":3,"itemsPerPage":2,"Resources":[{"id":"a"},{"id":"b"}]}`, string(b))
}

func TestSorter(t *testing.T) {
	t.Parallel()
	mk := func(id, body string) Resource {
		res, err := UserResourceType().Normalize(decode(t, body))
		require.NoError(t, err)
		res["id"] = id
		return res
	}
	users := []Resource{
		mk("u1", `{"userName":"carol","emails":[{"value":"z@x.org"},{"value":"a@x.org","primary":true}],"meta":{}}`),
		mk("u2", `{"userName":"Bob","emails":[{"value":"m@x.org"}],"title":"b"}`),
		mk("u3", `{"userName":"alice","title":"A"}`),
		mk("u4", `{"userName":"dave","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"10"}}`),
	}
	users[0]["meta"] = map[string]any{"created": "2024-01-02T00:00:00Z"}
	users[1]["meta"] = map[string]any{"created": "2024-01-01T23:00:00-02:00"}
	users[2]["meta"] = map[string]any{"created": "2024-01-01T12:00:00Z"}
	tests := []struct {
		sortBy, order string
		want          []string
	}{
		{"userName", "", []string{"u3", "u2", "u1", "u4"}},
		{"username", "DESCENDING", []string{"u4", "u1", "u2", "u3"}},
		{"title", "ascending", []string{"u3", "u2", "u1", "u4"}},
		{"title", "descending", []string{"u2", "u3", "u1", "u4"}},
		{"emails", "", []string{"u1", "u2", "u3", "u4"}},
		{"emails.value", "descending", []string{"u2", "u1", "u3", "u4"}},
		{"meta.created", "", []string{"u3", "u1", "u2", "u4"}},
		{"employeeNumber", "", []string{"u4", "u1", "u2", "u3"}},
		{"id", "descending", []string{"u4", "u3", "u2", "u1"}},
	}
	for _, tt := range tests {
		t.Run(tt.sortBy+" "+tt.order, func(t *testing.T) {
			t.Parallel()
			s, err := UserResourceType().NewSorter(tt.sortBy, tt.order)
			require.NoError(t, err)
			list := append([]Resource(nil), users...)
			s.Sort(list)
			var got []string
			for _, r := range list {
				got = append(got, r.ID())
			}
			require.Equal(t, tt.want, got)
		})
	}

	s, err := UserResourceType().NewSorter("", "descending")
	require.NoError(t, err)
	require.Nil(t, s, "no sortBy, no sorting")
	for _, bad := range [][2]string{{"userName", "up"}, {"shoeSize", ""}, {"name", ""}, {"password", ""}, {"a,b", ""},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", ""}, {"emails[type eq \"x\"]", ""}} {
		_, err := UserResourceType().NewSorter(bad[0], bad[1])
		requireSCIMError(t, err, 400, ErrorInvalidValue)
	}
}
