package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
)

// Benchmarks of the handler on memstore, in process (no network), with
// the store pre-filled with users shaped like Entra ID's. Reproduce with
//
//	go test ./scim/server -run '^$' -bench . -benchmem
//
// The store is filled once per size and shared by the benchmarks that do
// not add users.

var benchStores sync.Map // size → func() *memstore.Store

func benchStore(b *testing.B, n int) *memstore.Store {
	b.Helper()
	f, _ := benchStores.LoadOrStore(n, sync.OnceValue(func() *memstore.Store { return fillStore(b, n) }))
	return f.(func() *memstore.Store)()
}

func benchUserName(i int) string { return fmt.Sprintf("user%06d@contoso.example", i) }

// fillStore creates n users, ids "u000000"…, as the handler stores them.
func fillStore(b *testing.B, n int) *memstore.Store {
	rt := scim.UserResourceType()
	s := memstore.New()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range n {
		res, err := rt.Normalize(map[string]any{
			"userName":             benchUserName(i),
			"externalId":           fmt.Sprintf("ext-%06d", i),
			"active":               true,
			"displayName":          fmt.Sprintf("User %d", i),
			"name":                 map[string]any{"givenName": "User", "familyName": fmt.Sprintf("N%06d", i)},
			"emails":               []any{map[string]any{"value": benchUserName(i), "type": "work", "primary": true}},
			scim.EnterpriseUserURN: map[string]any{"department": "Engineering", "employeeNumber": fmt.Sprint(i)},
		})
		if err != nil {
			b.Fatal(err)
		}
		rt.SetMeta(res, fmt.Sprintf("u%06d", i), "", now, now)
		if _, err := s.Create(b.Context(), "User", res); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func benchHandler(b *testing.B, n int) http.Handler {
	return server.New(server.Config{Store: benchStore(b, n)})
}

func serve(b *testing.B, h http.Handler, method, target, body string, want int) {
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, target, nil)
	} else {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body.String())
	}
}

const benchUsers = 100_000

func BenchmarkCreateUser(b *testing.B) {
	// A store of its own: the users it adds must not grow the shared one.
	h := server.New(server.Config{Store: fillStore(b, benchUsers)})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		body := `{"schemas":["` + scim.UserURN + `"],"userName":"new` + fmt.Sprint(i) + `-` + fmt.Sprint(time.Now().UnixNano()) +
			`@contoso.example","active":true,"name":{"givenName":"New","familyName":"User"},` +
			`"emails":[{"value":"new@contoso.example","type":"work","primary":true}]}`
		serve(b, h, http.MethodPost, "/Users", body, http.StatusCreated)
	}
}

func BenchmarkGetUser(b *testing.B) {
	h := benchHandler(b, benchUsers)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i = (i + 7919) % benchUsers
		serve(b, h, http.MethodGet, fmt.Sprintf("/Users/u%06d", i), "", http.StatusOK)
	}
}

func BenchmarkFilterUserName(b *testing.B) {
	h := benchHandler(b, benchUsers)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i = (i + 7919) % benchUsers
		serve(b, h, http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "`+benchUserName(i)+`"`), "", http.StatusOK)
	}
}

func BenchmarkPatchUser(b *testing.B) {
	h := benchHandler(b, benchUsers)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		body := `{"schemas":["` + scim.PatchOpURN + `"],"Operations":[` +
			`{"op":"Replace","path":"displayName","value":"Renamed ` + fmt.Sprint(i) + `"},` +
			`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"renamed` + fmt.Sprint(i) + `@contoso.example"}]}`
		serve(b, h, http.MethodPatch, fmt.Sprintf("/Users/u%06d", (i*7919)%benchUsers), body, http.StatusOK)
	}
}

// BenchmarkFilterScale compares store sizes: `userName eq` is answered
// from the index and must not grow with the store; a `co` filter scans,
// for contrast.
func BenchmarkFilterScale(b *testing.B) {
	for _, f := range []struct {
		name   string
		filter func(i int) string
	}{
		{"userName_eq", func(i int) string { return `userName eq "` + benchUserName(i) + `"` }},
		{"externalId_eq", func(i int) string { return fmt.Sprintf(`externalId eq "ext-%06d"`, i) }},
		{"familyName_co", func(i int) string { return fmt.Sprintf(`name.familyName co "%06d"`, i) }},
	} {
		for _, n := range []int{1_000, benchUsers} {
			b.Run(fmt.Sprintf("%s/users=%d", f.name, n), func(b *testing.B) {
				h := benchHandler(b, n)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i = (i + 7919) % n
					serve(b, h, http.MethodGet, "/Users?filter="+url.QueryEscape(f.filter(i)), "", http.StatusOK)
				}
			})
		}
	}
}
