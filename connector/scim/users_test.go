package scimconn

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/scim"
)

func TestEnsureCreatesAndReadsBack(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()

	_, err := b.conn.Read(ctx, ann())
	require.ErrorIs(t, err, connector.ErrNotFound)

	acc, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	require.NotEmpty(t, acc.ExternalID)
	require.Equal(t, account.Account{
		ExternalID: acc.ExternalID, PersonID: "E1001", UserName: "ann@acme.example", State: account.Enabled,
		Attributes: map[string]string{"email": "ann@acme.example", "displayName": "Ann Lee"},
	}, acc)

	posts := b.rec.writes()
	require.Len(t, posts, 1)
	require.Equal(t, "POST /Users?", posts[0].String())
	require.Equal(t, map[string]any{
		"schemas":  []any{scim.UserURN},
		"userName": "ann@acme.example", "externalId": "E1001", "displayName": "Ann Lee",
		"name":   map[string]any{"givenName": "Ann", "familyName": "Lee"},
		"emails": []any{map[string]any{"value": "ann@acme.example", "type": "work", "primary": true}},
		"active": true,
	}, posts[0].Body)

	got, err := b.conn.Read(ctx, ann())
	require.NoError(t, err)
	require.Equal(t, acc, got)
	require.Equal(t, 1, b.store.Len("User"))
}

func TestEnsureAdopts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		existing map[string]any
		// patched are the attributes the adoption PATCH must replace.
		patched []string
	}{
		{
			name:     "by userName, setting externalId",
			existing: map[string]any{"userName": "ann@acme.example", "active": true},
			patched:  []string{"externalId", "name.givenName", "name.familyName", "displayName", "emails"},
		},
		{
			name: "by userName in another case",
			existing: map[string]any{"userName": "ANN@acme.example", "displayName": "Ann Lee",
				"name":   map[string]any{"givenName": "Ann", "familyName": "Lee"},
				"emails": []any{map[string]any{"value": "Ann@Acme.example", "primary": true}}},
			patched: []string{"externalId"},
		},
		{
			name: "by externalId after a change of userName",
			existing: map[string]any{"userName": "ann.old@acme.example", "externalId": "E1001", "displayName": "Ann Lee",
				"name":   map[string]any{"givenName": "Ann", "familyName": "Lee"},
				"emails": []any{map[string]any{"value": "ann@acme.example", "type": "work", "primary": true}}},
			patched: []string{"userName"},
		},
		{
			name: "disabled, re-enabling it",
			existing: map[string]any{"userName": "ann@acme.example", "externalId": "E1001", "displayName": "Ann Lee",
				"name":   map[string]any{"givenName": "Ann", "familyName": "Lee"},
				"emails": []any{map[string]any{"value": "ann@acme.example", "type": "work", "primary": true}},
				"active": false},
			patched: []string{"active"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			id := b.seedUser(t, tt.existing)

			acc, err := b.conn.Ensure(t.Context(), ann())
			require.NoError(t, err)
			require.Equal(t, id, acc.ExternalID)
			require.Equal(t, "E1001", acc.PersonID)
			require.Equal(t, account.Enabled, acc.State)
			require.Equal(t, 1, b.store.Len("User"), "no duplicate")

			writes := b.rec.writes()
			require.Len(t, writes, 1, "%v", writes)
			require.Equal(t, http.MethodPatch, writes[0].Method)
			require.Equal(t, tt.patched, patchedPaths(t, writes[0].Body))

			u := b.user(t, id)
			require.Equal(t, "E1001", str(u, "externalId"))
			require.True(t, active(u))
		})
	}
}

// patchedPaths returns the paths of a PATCH body's operations, checking
// they are all replaces.
func patchedPaths(t *testing.T, body map[string]any) []string {
	t.Helper()
	require.Equal(t, []any{scim.PatchOpURN}, body["schemas"])
	var paths []string
	for _, op := range body["Operations"].([]any) {
		m := op.(map[string]any)
		require.Equal(t, "replace", m["op"])
		paths = append(paths, m["path"].(string))
	}
	return paths
}

func TestEnsureMinimalPatch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	acc, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)

	b.rec.reset()
	_, err = b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	require.Empty(t, b.rec.writes(), "nothing differs: nothing is sent")

	s := ann()
	s.DisplayName, s.FamilyName = "Ann Lee-Park", "Lee-Park"
	b.rec.reset()
	got, err := b.conn.Ensure(ctx, s)
	require.NoError(t, err)
	writes := b.rec.writes()
	require.Len(t, writes, 1)
	require.Equal(t, "PATCH /Users/"+acc.ExternalID+"?", writes[0].String())
	require.Equal(t, map[string]any{
		"schemas": []any{scim.PatchOpURN},
		"Operations": []any{
			map[string]any{"op": "replace", "path": "name.familyName", "value": "Lee-Park"},
			map[string]any{"op": "replace", "path": "displayName", "value": "Ann Lee-Park"},
		},
	}, writes[0].Body)
	require.Equal(t, "Ann Lee-Park", got.Attributes["displayName"])
	require.Equal(t, "Lee-Park", str(object(b.user(t, acc.ExternalID), "name"), "familyName"))

	s.Email = "ann.park@acme.example"
	b.rec.reset()
	got, err = b.conn.Ensure(ctx, s)
	require.NoError(t, err)
	require.Equal(t, []string{"emails"}, patchedPaths(t, b.rec.writes()[0].Body), "userName is s.UserName, unchanged")
	require.Equal(t, "ann.park@acme.example", got.Attributes["email"])
}

func TestEnsureUserNameOfAnotherPerson(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seedUser(t, map[string]any{"userName": "ann@acme.example", "externalId": "E9999"})

	_, err := b.conn.Read(t.Context(), ann())
	require.ErrorIs(t, err, connector.ErrNotFound, "another person's account is not Ann's")

	_, err = b.conn.Ensure(t.Context(), ann())
	requireClass(t, err, connector.Permanent)
	require.ErrorContains(t, err, "E9999")
	require.NoError(t, b.conn.Disable(t.Context(), ann()), "nothing of Ann's to disable")
	require.Empty(t, b.rec.writes(), "the other person's account is left alone")
	require.Equal(t, 1, b.store.Len("User"))
}

func TestEnsureDuplicatesArePermanent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.seedUser(t, map[string]any{"userName": "ann1@acme.example", "externalId": "E1001"})
	b.seedUser(t, map[string]any{"userName": "ann2@acme.example", "externalId": "E1001"})
	_, err := b.conn.Read(t.Context(), ann())
	requireClass(t, err, connector.Permanent)
	require.ErrorContains(t, err, "2 accounts")
}

// A create that conflicts (409) because the account appeared after the
// lookup adopts the account instead.
func TestEnsureAdoptsOnConflict(t *testing.T) {
	t.Parallel()
	var raced atomic.Bool
	b := setup(t, func(o *options) {
		o.wrap = func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost && r.URL.Path == "/Users" && raced.CompareAndSwap(false, true) {
					// Someone else creates Ann just before our POST lands.
					other := strings.NewReader(`{"schemas":["` + scim.UserURN + `"],"userName":"ann@acme.example"}`)
					req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, "/Users", other)
					next.ServeHTTP(discard{}, req)
				}
				next.ServeHTTP(w, r)
			})
		}
	})
	acc, err := b.conn.Ensure(t.Context(), ann())
	require.NoError(t, err)
	require.True(t, raced.Load())
	require.Equal(t, 1, b.store.Len("User"))
	require.Equal(t, "E1001", str(b.user(t, acc.ExternalID), "externalId"))
	writes := b.rec.writes()
	require.Len(t, writes, 2)
	require.Equal(t, http.MethodPost, writes[0].Method)
	require.Equal(t, http.MethodPatch, writes[1].Method)
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

func TestEnsurePrepared(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := ann()
	s.Disabled = true
	acc, err := b.conn.Ensure(t.Context(), s)
	require.NoError(t, err)
	require.Equal(t, account.Disabled, acc.State)
	require.False(t, active(b.user(t, acc.ExternalID)))
}

func TestDisableIsIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	acc, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)

	b.rec.reset()
	require.NoError(t, b.conn.Disable(ctx, ann()))
	writes := b.rec.writes()
	require.Len(t, writes, 1)
	require.Equal(t, "PATCH /Users/"+acc.ExternalID+"?", writes[0].String())
	require.Equal(t, []string{"active"}, patchedPaths(t, writes[0].Body))
	require.Equal(t, false, writes[0].Body["Operations"].([]any)[0].(map[string]any)["value"])

	got, err := b.conn.Read(ctx, ann())
	require.NoError(t, err)
	require.Equal(t, account.Disabled, got.State)

	b.rec.reset()
	require.NoError(t, b.conn.Disable(ctx, ann()))
	require.Empty(t, b.rec.writes(), "already disabled: no write")

	require.NoError(t, b.conn.Disable(ctx, connector.Subject{PersonID: "E404", Email: "nobody@acme.example"}),
		"disabling an absent account succeeds")
}

func TestRehireReenables(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	_, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	require.NoError(t, b.conn.Disable(ctx, ann()))

	b.rec.reset()
	acc, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	require.Equal(t, account.Enabled, acc.State)
	require.Equal(t, []string{"active"}, patchedPaths(t, b.rec.writes()[0].Body))
	require.Equal(t, 1, b.store.Len("User"))
}

func TestDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	acc, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)

	b.rec.reset()
	require.NoError(t, b.conn.Delete(ctx, ann()))
	require.Equal(t, "DELETE /Users/"+acc.ExternalID+"?", b.rec.writes()[0].String())
	require.Equal(t, 0, b.store.Len("User"))
	_, err = b.conn.Read(ctx, ann())
	require.ErrorIs(t, err, connector.ErrNotFound)

	b.rec.reset()
	require.NoError(t, b.conn.Delete(ctx, ann()), "deleting an absent account succeeds")
	require.Empty(t, b.rec.writes())
}

// A DELETE that finds the account already gone (deleted between lookup
// and DELETE) is success.
func TestDeleteRace(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *options) {
		o.wrap = func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodDelete {
					next.ServeHTTP(discard{}, r) // someone else deletes it first
				}
				next.ServeHTTP(w, r)
			})
		}
	})
	_, err := b.conn.Ensure(t.Context(), ann())
	require.NoError(t, err)
	require.NoError(t, b.conn.Delete(t.Context(), ann()))
}

// The engine passes the app's id when it knows it; a stale one falls back
// to correlation.
func TestReadByKnownID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	acc, err := b.conn.Ensure(t.Context(), ann())
	require.NoError(t, err)

	s := ann()
	s.ExternalID = acc.ExternalID
	b.rec.reset()
	got, err := b.conn.Read(t.Context(), s)
	require.NoError(t, err)
	require.Equal(t, acc.ExternalID, got.ExternalID)
	require.Equal(t, "GET /Users/"+acc.ExternalID+"?", b.rec.all()[0].String(), "no search needed")

	s.ExternalID = "stale-id"
	got, err = b.conn.Read(t.Context(), s)
	require.NoError(t, err)
	require.Equal(t, acc.ExternalID, got.ExternalID)
}

func TestEmployeeIDInExtension(t *testing.T) {
	t.Parallel()
	const attr = scim.EnterpriseUserURN + ":employeeNumber"
	b := setup(t, func(o *options) { o.cfg = func(c *Config) { c.EmployeeIDAttr = attr } })
	acc, err := b.conn.Ensure(t.Context(), ann())
	require.NoError(t, err)
	require.Equal(t, "E1001", acc.PersonID)
	u := b.user(t, acc.ExternalID)
	require.Equal(t, "E1001", str(object(u, scim.EnterpriseUserURN), "employeeNumber"))
	require.Empty(t, str(u, "externalId"))

	// Found by the extension attribute after the userName changed.
	s := ann()
	s.UserName = "ann.lee@acme.example"
	b.rec.reset()
	got, err := b.conn.Ensure(t.Context(), s)
	require.NoError(t, err)
	require.Equal(t, acc.ExternalID, got.ExternalID)
	require.Contains(t, b.rec.all()[0].Query, "employeeNumber")
	require.Equal(t, []string{"userName"}, patchedPaths(t, b.rec.writes()[0].Body))
}

// A server without PATCH and filters is served with PUT and paging.
func TestWithoutPatchAndFilter(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *options) {
		o.noPatch, o.noFilter = true, true
		o.spc = `{"patch":{"supported":false},"filter":{"supported":false},"etag":{"supported":"True"}}`
	})
	ctx := t.Context()
	b.seedUser(t, map[string]any{"userName": "bob@acme.example", "externalId": "E2"})
	id := b.seedUser(t, map[string]any{"userName": "ann@acme.example", "title": "Engineer"})
	gid := b.seedGroup(t, "Engineering")

	acc, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	require.Equal(t, id, acc.ExternalID)
	require.NoError(t, b.conn.Grant(ctx, ann(), "Engineering"))
	require.Equal(t, []string{id}, b.members(t, gid))
	got, err := b.conn.Read(ctx, ann())
	require.NoError(t, err)
	require.Equal(t, []string{"Engineering"}, got.Entitlements)
	require.NoError(t, b.conn.Disable(ctx, ann()))
	require.NoError(t, b.conn.Revoke(ctx, ann(), "Engineering"))
	require.Empty(t, b.members(t, gid))

	u := b.user(t, id)
	require.Equal(t, "E1001", str(u, "externalId"))
	require.Equal(t, "Engineer", str(u, "title"), "PUT keeps what Tenure does not manage")
	require.False(t, active(u))
	for _, r := range b.rec.all() {
		require.NotEqual(t, http.MethodPatch, r.Method, r.String())
		require.NotContains(t, r.Query, "filter", r.String())
	}
	require.Contains(t, b.rec.writes()[0].String(), "PUT /Users/"+id)
}

func TestServiceProviderConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spc  string
		want capabilities
	}{
		{name: "absent", spc: "404", want: capabilities{patch: true, filter: true, memberFilter: true, pageSize: 100}},
		{name: "not JSON", spc: "<html></html>", want: capabilities{patch: true, filter: true, memberFilter: true, pageSize: 100}},
		{name: "silent on everything", spc: "{}", want: capabilities{patch: true, filter: true, memberFilter: true, pageSize: 100}},
		{name: "small pages, no PATCH",
			spc:  `{"patch":{"supported":false},"filter":{"supported":true,"maxResults":25},"etag":{"supported":true}}`,
			want: capabilities{patch: false, filter: true, memberFilter: true, etag: true, pageSize: 25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(o *options) { o.spc = tt.spc })
			require.Equal(t, tt.want, b.conn.capabilities())
			_, err := b.conn.Ensure(t.Context(), ann())
			require.NoError(t, err)
		})
	}
}

func TestSubjectWithoutIdentifiers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.conn.Read(t.Context(), connector.Subject{})
	requireClass(t, err, connector.Permanent)
	_, err = b.conn.Ensure(t.Context(), connector.Subject{PersonID: "E1"})
	requireClass(t, err, connector.Permanent)
	require.False(t, errors.Is(err, connector.ErrNotFound))
}
