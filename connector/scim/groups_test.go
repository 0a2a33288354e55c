package scimconn

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
)

func TestGrantRevoke(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	eng := b.seedGroup(t, "Engineering")
	b.seedGroup(t, "Finance")
	acc, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)

	b.rec.reset()
	require.NoError(t, b.conn.Grant(ctx, ann(), "Engineering"))
	require.Equal(t, []string{acc.ExternalID}, b.members(t, eng))
	writes := b.rec.writes()
	require.Len(t, writes, 1)
	require.Equal(t, "PATCH /Groups/"+eng+"?", writes[0].String())
	require.Equal(t, []any{map[string]any{"op": "add", "path": "members",
		"value": []any{map[string]any{"value": acc.ExternalID}}}}, writes[0].Body["Operations"])

	got, err := b.conn.Read(ctx, ann())
	require.NoError(t, err)
	require.Equal(t, []string{"Engineering"}, got.Entitlements)

	b.rec.reset()
	require.NoError(t, b.conn.Grant(ctx, ann(), "Engineering"), "granting twice is harmless")
	require.Equal(t, []string{acc.ExternalID}, b.members(t, eng))
	for _, r := range b.rec.all() {
		require.NotContains(t, r.Query, "displayName+eq", "the group id is cached")
	}

	b.rec.reset()
	require.NoError(t, b.conn.Revoke(ctx, ann(), "Engineering"))
	require.Empty(t, b.members(t, eng))
	require.Equal(t, []any{map[string]any{"op": "remove", "path": `members[value eq "` + acc.ExternalID + `"]`}},
		b.rec.writes()[0].Body["Operations"])
	got, err = b.conn.Read(ctx, ann())
	require.NoError(t, err)
	require.Empty(t, got.Entitlements)

	require.NoError(t, b.conn.Revoke(ctx, ann(), "Engineering"), "revoking what is not held succeeds")
	require.NoError(t, b.conn.Revoke(ctx, ann(), "No Such Group"), "nor is a missing group anything to revoke")
	require.NoError(t, b.conn.Revoke(ctx, connector.Subject{PersonID: "E404", Email: "x@acme.example"}, "Engineering"))
}

func TestGrantMissingGroup(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.conn.Ensure(t.Context(), ann())
	require.NoError(t, err)
	err = b.conn.Grant(t.Context(), ann(), "Skunkworks")
	requireClass(t, err, connector.Permanent)
	require.ErrorContains(t, err, `"Skunkworks"`)
}

func TestGrantWithoutAccountIsRetryable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seedGroup(t, "Engineering")
	err := b.conn.Grant(t.Context(), ann(), "Engineering")
	requireClass(t, err, connector.Retryable)
}

// A group deleted and created again under the same name has a new id: the
// cached one fails and the name is resolved again.
func TestGroupCacheRefreshes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	old := b.seedGroup(t, "Engineering")
	_, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	require.NoError(t, b.conn.Grant(ctx, ann(), "Engineering"))

	status, _ := b.call(t, http.MethodDelete, "/Groups/"+old, nil)
	require.Equal(t, http.StatusNoContent, status)
	fresh := b.seedGroup(t, "Engineering")

	require.NoError(t, b.conn.Grant(ctx, ann(), "Engineering"))
	require.Len(t, b.members(t, fresh), 1)

	status, _ = b.call(t, http.MethodDelete, "/Groups/"+fresh, nil)
	require.Equal(t, http.StatusNoContent, status)
	err = b.conn.Grant(ctx, ann(), "Engineering")
	requireClass(t, err, connector.Permanent)
	require.ErrorContains(t, err, `"Engineering"`)
}

// Servers that cannot filter groups by member get their groups listed
// instead, and are not asked again.
func TestEntitlementsWithoutMemberFilter(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *options) { o.noMemberFilter = true })
	ctx := t.Context()
	b.seedGroup(t, "Engineering")
	b.seedGroup(t, "Admins")
	b.seedGroup(t, "Finance")
	_, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	require.NoError(t, b.conn.Grant(ctx, ann(), "Engineering"))
	require.NoError(t, b.conn.Grant(ctx, ann(), "Admins"))

	for range 2 {
		got, err := b.conn.Read(ctx, ann())
		require.NoError(t, err)
		require.Equal(t, []string{"Admins", "Engineering"}, got.Entitlements)
	}
	asked := 0
	for _, r := range b.rec.all() {
		if strings.Contains(r.Query, "members%5B") {
			asked++
		}
	}
	require.Equal(t, 1, asked, "the member filter is given up after the first 400")
}

// A server that returns the user's groups attribute is believed; a group
// given without display is looked up by id.
func TestEntitlementsFromGroupsAttribute(t *testing.T) {
	t.Parallel()
	var gid string
	b := setup(t, func(o *options) {
		o.wrap = func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/Users") {
					next.ServeHTTP(w, r)
					return
				}
				rec := &captured{header: http.Header{}}
				next.ServeHTTP(rec, r)
				var body map[string]any
				if err := json.Unmarshal(rec.body, &body); err != nil {
					t.Errorf("user response: %v", err)
					return
				}
				groups := []any{map[string]any{"value": gid}, map[string]any{"value": "g-x", "display": "Contractors"}}
				if res, ok := body["Resources"].([]any); ok {
					for _, u := range res {
						u.(map[string]any)["groups"] = groups
					}
				} else {
					body["groups"] = groups
				}
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(rec.status)
				_ = json.NewEncoder(w).Encode(body)
			})
		}
	})
	gid = b.seedGroup(t, "Engineering")
	_, err := b.conn.Ensure(t.Context(), ann())
	require.NoError(t, err)
	b.rec.reset()
	got, err := b.conn.Read(t.Context(), ann())
	require.NoError(t, err)
	require.Equal(t, []string{"Contractors", "Engineering"}, got.Entitlements)
	for _, r := range b.rec.all() {
		require.NotContains(t, r.Query, "members", "no group query needed")
	}
}

// captured is a ResponseWriter that keeps the response.
type captured struct {
	header http.Header
	status int
	body   []byte
}

func (c *captured) Header() http.Header { return c.header }
func (c *captured) Write(p []byte) (int, error) {
	c.body = append(c.body, p...)
	return len(p), nil
}
func (c *captured) WriteHeader(s int) { c.status = s }
