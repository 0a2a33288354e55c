package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/examples"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/httpapi"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/scim/scimtest"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/sqlite"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

type testBundle struct {
	ctx     context.Context
	svc     *lifecycle.Service
	srv     *httptest.Server
	acme    string // hr:write token of acme
	globex  string // hr:write token of globex
	planTok string // plan:read token of acme
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	svc := &lifecycle.Service{Store: st, Now: func() time.Time { return now }, Actor: "test"}
	f, err := config.Parse(config.Example(), "example.yaml")
	require.NoError(t, err)
	acmeCfg, _ := f.Tenant("acme")
	tenants := map[string]*lifecycle.Tenant{}
	for _, id := range []string{"acme", "globex"} {
		require.NoError(t, svc.CreateTenant(ctx, id))
		set := lifecycle.FromConfig(acmeCfg)
		set.Tenant = id
		tn, err := svc.Tenant(set)
		require.NoError(t, err)
		tenants[id] = tn
	}
	// Day 1 through the file path, so events have a roster to change.
	data, err := examples.FS.ReadFile("roster-day1.csv")
	require.NoError(t, err)
	rows, err := hr.Parse(bytes.NewReader(data), "roster-day1.csv", hr.CSV, lifecycle.Mapping(acmeCfg))
	require.NoError(t, err)
	_, err = tenants["acme"].Import(ctx, rows, lifecycle.ImportOptions{Source: "day1", Full: true})
	require.NoError(t, err)

	b := &testBundle{ctx: ctx, svc: svc}
	b.acme, _, err = svc.CreateToken(ctx, "acme", []string{"hr:write"}, "")
	require.NoError(t, err)
	b.globex, _, err = svc.CreateToken(ctx, "globex", []string{"hr:write", "plan:read"}, "")
	require.NoError(t, err)
	b.planTok, _, err = svc.CreateToken(ctx, "acme", []string{"plan:read"}, "")
	require.NoError(t, err)
	s := &httpapi.Server{Service: svc, Tenants: func(id string) (*lifecycle.Tenant, bool) { t, ok := tenants[id]; return t, ok }}
	b.srv = httptest.NewServer(s.Handler())
	t.Cleanup(b.srv.Close)
	return b
}

func (b *testBundle) do(t *testing.T, method, path, tok, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	return resp.StatusCode, out
}

func (b *testBundle) person(t *testing.T, id string) person.Person {
	t.Helper()
	var p person.Person
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		p, err = tx.People().Get(b.ctx, id)
		return err
	}))
	return p
}

const move = `{"id": "wd-1", "employeeId": "E1004", "email": "dev.patel@acme.example", "givenName": "Dev",
	"familyName": "Patel", "department": "Engineering", "title": "Engineer", "location": "Lisbon",
	"managerId": "E1001", "employmentType": "employee", "startDate": "2022-02-01"}`

func TestHREventsApplyOnceByID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	code, out := b.do(t, "POST", "/t/acme/api/v1/hr/events", b.acme, move)
	require.Equal(t, http.StatusOK, code, out)
	events := out["events"].([]any)
	require.Len(t, events, 1)
	require.Equal(t, "move", events[0].(map[string]any)["kind"])
	require.Equal(t, "Engineering", b.person(t, "E1004").Department)

	// A resend of the same event id changes nothing, even in a batch with a new one.
	leave := `{"id": "wd-2", "employeeId": "E1009", "end_date": "2026-11-21", "status": "terminated"}`
	code, out = b.do(t, "POST", "/t/acme/api/v1/hr/events", b.acme, "["+move+","+leave+"]")
	require.Equal(t, http.StatusOK, code, out)
	require.Equal(t, float64(1), out["duplicates"])
	require.Len(t, out["events"].([]any), 1)
	ines := b.person(t, "E1009")
	require.Equal(t, person.Terminated, ines.Status)
	require.Equal(t, "Support Agent", ines.Title, "fields the event does not carry keep their value")

	// An old event replayed under its id cannot undo the move.
	old := strings.Replace(move, "Engineering", "Support", 1)
	code, out = b.do(t, "POST", "/t/acme/api/v1/hr/events", b.acme, old)
	require.Equal(t, http.StatusOK, code, out)
	require.Equal(t, "Engineering", b.person(t, "E1004").Department)
}

func TestHREventsBadInputIsRejectedWhole(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name, body, want string
	}{
		{"not JSON", `{"id": `, "not a JSON"},
		{"no id", strings.Replace(move, `"id": "wd-1", `, "", 1), `"id" is required`},
		{"repeated id", "[" + move + "," + move + "]", `repeats event 1`},
		{"bad date in the second event", "[" + strings.Replace(move, "wd-1", "a", 1) + "," +
			strings.Replace(strings.Replace(move, "wd-1", "b", 1), "2022-02-01", "2022-13-01", 1) + "]", "events:2:"},
		{"unknown manager", strings.Replace(move, "E1001", "E9999", 1), "E9999"},
		{"unknown field", strings.Replace(move, `"title"`, `"titel"`, 1), "titel"},
		{"empty array", `[]`, "empty batch"},
	}
	for _, tt := range tests {
		code, out := b.do(t, "POST", "/t/acme/api/v1/hr/events", b.acme, tt.body)
		require.Equal(t, http.StatusBadRequest, code, tt.name)
		var details []string
		for _, d := range out["details"].([]any) {
			details = append(details, d.(string))
		}
		require.Contains(t, strings.Join(details, "\n"), tt.want, tt.name)
		require.Contains(t, out["error"], "nothing was applied")
	}
	require.Equal(t, "Support", b.person(t, "E1004").Department, "nothing of the bad batches was applied")
}

func TestTokensAreBoundToTheirTenantAndScope(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tt := range []struct {
		name, method, path, tok string
		want                    int
	}{
		{"no token", "POST", "/t/acme/api/v1/hr/events", "", 401},
		{"garbage", "POST", "/t/acme/api/v1/hr/events", "tnr_nope", 401},
		{"globex token at acme", "POST", "/t/acme/api/v1/hr/events", b.globex, 401},
		{"globex token at acme plan", "GET", "/t/acme/api/v1/plan", b.globex, 401},
		{"unknown tenant", "GET", "/t/initech/api/v1/plan", b.acme, 401},
		{"wrong scope", "POST", "/t/acme/api/v1/hr/events", b.planTok, 403},
		{"right scope", "GET", "/t/acme/api/v1/plan", b.planTok, 200},
	} {
		code, _ := b.do(t, tt.method, tt.path, tt.tok, move)
		require.Equal(t, tt.want, code, tt.name)
	}
	require.Equal(t, "Support", b.person(t, "E1004").Department)
}

func TestHealth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	code, out := b.do(t, "GET", "/healthz", "", "")
	require.Equal(t, 200, code)
	require.Equal(t, "ok", out["status"])
	code, _ = b.do(t, "GET", "/readyz", "", "")
	require.Equal(t, 200, code)
}

// Many HR systems (or retries) posting at once: every event applied exactly
// once, none lost, none duplicated. Bounded: 8 posters × 25 events, each
// event sent twice, on loopback.
func TestHREventsConcurrentPosting(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const posters, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, posters*each*2)
	for w := range posters {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("N%02d%03d", w, i)
				body := fmt.Sprintf(`{"id":"evt-%s","employeeId":"%s","email":"%s@acme.example","startDate":"2026-01-01"}`, id, id, strings.ToLower(id))
				for range 2 { // every event is delivered twice
					req, _ := http.NewRequest("POST", b.srv.URL+"/t/acme/api/v1/hr/events", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+b.acme)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						errs <- err
						continue
					}
					if resp.StatusCode != http.StatusOK {
						errs <- fmt.Errorf("%s: status %d", id, resp.StatusCode)
					}
					resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	var joins int
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) error {
		evs, err := tx.Events().List(b.ctx, store.EventFilter{})
		if err != nil {
			return err
		}
		seen := map[string]int{}
		for _, e := range evs {
			if strings.HasPrefix(e.PersonID, "N") {
				seen[e.PersonID]++
				joins++
			}
		}
		for id, n := range seen {
			require.Equal(t, 1, n, "%s joined %d times", id, n)
		}
		return nil
	}))
	require.Equal(t, posters*each, joins, "no event lost")
}

// Tenure's SCIM service provider, mounted as `tenure serve` mounts it,
// passes the whole SCIM conformance suite over HTTP with a tenant token.
func TestSCIMProviderConformance(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok, _, err := b.svc.CreateToken(b.ctx, "acme", []string{"scim"}, "entra")
	require.NoError(t, err)
	scimtest.Run(t, scimtest.Config{BaseURL: b.srv.URL + "/t/acme/scim/v2", Token: tok})
}

func TestSCIMTokenOfAnotherTenantReadsNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	acmeTok, _, err := b.svc.CreateToken(b.ctx, "acme", []string{"scim"}, "")
	require.NoError(t, err)
	globexTok, _, err := b.svc.CreateToken(b.ctx, "globex", []string{"scim"}, "")
	require.NoError(t, err)
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@acme.example","externalId":"E5555"}`
	req, _ := http.NewRequest("POST", b.srv.URL+"/t/acme/scim/v2/Users", strings.NewReader(user))
	req.Header.Set("Authorization", "Bearer "+acmeTok)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	for _, path := range []string{"/t/acme/scim/v2/Users", "/t/acme/scim/v2/Users?filter=userName%20eq%20%22ada@acme.example%22"} {
		code, _ := b.do(t, "GET", path, globexTok, "")
		require.Equal(t, http.StatusUnauthorized, code, "globex's token at acme")
	}
	code, out := b.do(t, "GET", "/t/globex/scim/v2/Users", globexTok, "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, float64(0), out["totalResults"], "globex sees none of acme's users")
	code, _ = b.do(t, "GET", "/t/acme/scim/v2/Users", b.acme, "")
	require.Equal(t, http.StatusForbidden, code, "an hr:write token is not a scim token")
	require.Equal(t, person.Active, b.person(t, "E5555").Status, "the pushed user is a person of acme")
}
