package scim

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestETag(t *testing.T) {
	t.Parallel()
	a := sampleUser(t)
	tag := ETag(a)
	require.Regexp(t, regexp.MustCompile(`^W/"[0-9a-f]{24}"$`), tag)
	require.Equal(t, tag, get(a, "meta", "version"), "SetMeta stores the ETag as the version")

	b := deepCopy(a).(Resource)
	UserResourceType().SetMeta(b, b.ID(), "elsewhere", time.Now(), time.Now())
	require.Equal(t, tag, ETag(b), "meta does not count")

	b["title"] = "CTO"
	require.NotEqual(t, tag, ETag(b), "content does")
}

func TestIfMatch(t *testing.T) {
	t.Parallel()
	const cur = `W/"3694e05e9dff590"`
	tests := []struct {
		header string
		want   bool
	}{
		{"", true},
		{"*", true},
		{cur, true},
		{`"3694e05e9dff590"`, true},
		{`W/"other", ` + cur, true},
		{`W/"a,b", W/"3694e05e9dff590"`, true},
		{`W/"other"`, false},
		{`W/"3694e05e9dff59"`, false},
		{`3694e05e9dff590`, false},
		{`W/"unterminated`, false},
		{`W/`, false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, IfMatch(tt.header, cur), "If-Match: %s", tt.header)
	}
}

func TestIfNoneMatch(t *testing.T) {
	t.Parallel()
	const cur = `W/"3694e05e9dff590"`
	tests := []struct {
		header, etag string
		want         bool
	}{
		{"", cur, true},
		{cur, cur, false},
		{`"3694e05e9dff590"`, cur, false},
		{`W/"x", ` + cur, cur, false},
		{`W/"x"`, cur, true},
		{"*", cur, false},
		{"*", "", true},
		{cur, "", true},
		{`garbage`, cur, true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, IfNoneMatch(tt.header, tt.etag), "If-None-Match: %s vs %s", tt.header, tt.etag)
	}
}
