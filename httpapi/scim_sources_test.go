package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/httpapi"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/scim/scimtest"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/sqlite"
	"github.com/tenure-dev/tenure/token"
)

// sources is a tenant, acme, with two identity providers pushing to it
// over SCIM (tokens of sources okta and entra), and one rule that trusts
// only okta's groups.
type sources struct {
	ctx          context.Context
	svc          *lifecycle.Service
	acme         *lifecycle.Tenant
	srv          *httptest.Server
	okta, entra  string
	globex, hrTk string
}

func setupSources(t *testing.T) *sources {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	svc := &lifecycle.Service{Store: st, Now: func() time.Time { return now }, Actor: "test"}
	f, err := config.Parse(config.Example(), "example.yaml")
	require.NoError(t, err)
	cfg, _ := f.Tenant("acme")
	tenants := map[string]*lifecycle.Tenant{}
	for _, id := range []string{"acme", "globex"} {
		require.NoError(t, svc.CreateTenant(ctx, id))
		set := lifecycle.FromConfig(cfg)
		set.Tenant = id
		set.Policy.Rules = append(set.Policy.Rules, policy.Rule{Name: "okta-engineering",
			When: `"Engineering" in person.sourceGroups["okta"]`, Roles: []string{"engineer"}})
		tenants[id], err = svc.Tenant(set)
		require.NoError(t, err)
	}
	b := &sources{ctx: ctx, svc: svc, acme: tenants["acme"]}
	b.okta, _, err = svc.CreateToken(ctx, "acme", []string{"scim"}, "okta", token.WithSource("okta"))
	require.NoError(t, err)
	b.entra, _, err = svc.CreateToken(ctx, "acme", []string{"scim"}, "entra", token.WithSource("entra"))
	require.NoError(t, err)
	b.globex, _, err = svc.CreateToken(ctx, "globex", []string{"scim"}, "globex's okta", token.WithSource("okta"))
	require.NoError(t, err)
	s := &httpapi.Server{Service: svc, Tenants: func(id string) (*lifecycle.Tenant, bool) { t, ok := tenants[id]; return t, ok }}
	b.srv = httptest.NewServer(s.Handler())
	t.Cleanup(b.srv.Close)
	return b
}

func (b *sources) do(t *testing.T, method, path, tok, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	}
	return resp.StatusCode, out
}

// create POSTs a resource and returns its id.
func (b *sources) create(t *testing.T, tok, typ, body string) string {
	t.Helper()
	code, out := b.do(t, "POST", "/t/acme/scim/v2/"+typ, tok, body)
	require.Equal(t, http.StatusCreated, code, out)
	return out["id"].(string)
}

func (b *sources) person(t *testing.T, id string) person.Person {
	t.Helper()
	var p person.Person
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		p, err = tx.People().Get(b.ctx, id)
		return err
	}))
	return p
}

// grants is what the plan would give a person.
func (b *sources) grants(t *testing.T, id string) []string {
	t.Helper()
	pl, err := b.acme.Plan(b.ctx, id)
	require.NoError(t, err)
	var out []string
	for _, o := range pl.Operations {
		if o.Action == plan.Grant {
			out = append(out, o.App+"/"+o.Entitlement)
		}
	}
	return out
}

const annUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
	"userName":"ann@acme.example","title":"%s","active":true,
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"E9001"}}`

func group(name string, members ...string) string {
	var ms []string
	for _, m := range members {
		ms = append(ms, `{"value":"`+m+`"}`)
	}
	return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"` + name +
		`","members":[` + strings.Join(ms, ",") + `]}`
}

func filterPath(typ, f string) string {
	return "/t/acme/scim/v2/" + typ + "?filter=" + url.QueryEscape(f)
}

// Two identity providers push the same user name and the same group name
// to one tenant: no 409, and each sees and changes only its own.
func TestSCIMSourcesAreSeparateNamespaces(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	oktaAnn := b.create(t, b.okta, "Users", strings.Replace(annUser, "%s", "Engineer", 1))
	entraAnn := b.create(t, b.entra, "Users", strings.Replace(annUser, "%s", "Engineer", 1))
	oktaEng := b.create(t, b.okta, "Groups", group("Engineering", oktaAnn))
	entraEng := b.create(t, b.entra, "Groups", group("Engineering", entraAnn))
	b.create(t, b.entra, "Groups", group("Ops", entraAnn))
	code, out := b.do(t, "POST", "/t/acme/scim/v2/Groups", b.okta, group("engineering"))
	require.Equal(t, http.StatusConflict, code, "names stay unique within a source")
	require.Equal(t, "uniqueness", out["scimType"])

	for _, c := range []struct {
		tok, user, grp, otherUser, otherGrp string
		groups                              float64
	}{
		{b.okta, oktaAnn, oktaEng, entraAnn, entraEng, 1},
		{b.entra, entraAnn, entraEng, oktaAnn, oktaEng, 2},
	} {
		code, out := b.do(t, "GET", filterPath("Users", `userName eq "ann@acme.example"`), c.tok, "")
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, float64(1), out["totalResults"])
		require.Equal(t, c.user, out["Resources"].([]any)[0].(map[string]any)["id"], "its own ann")
		code, out = b.do(t, "GET", filterPath("Groups", `displayName eq "Engineering"`), c.tok, "")
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, float64(1), out["totalResults"])
		require.Equal(t, c.grp, out["Resources"].([]any)[0].(map[string]any)["id"])
		_, out = b.do(t, "GET", "/t/acme/scim/v2/Groups", c.tok, "")
		require.Equal(t, c.groups, out["totalResults"], "lists only its own groups")

		code, _ = b.do(t, "GET", "/t/acme/scim/v2/Users/"+c.otherUser, c.tok, "")
		require.Equal(t, http.StatusNotFound, code, "another source's user is not there")
		code, _ = b.do(t, "PATCH", "/t/acme/scim/v2/Groups/"+c.otherGrp, c.tok,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Hijacked"}]}`)
		require.Equal(t, http.StatusNotFound, code, "nor can it be changed")
		code, _ = b.do(t, "DELETE", "/t/acme/scim/v2/Users/"+c.otherUser, c.tok, "")
		require.Equal(t, http.StatusNotFound, code, "nor deleted")
	}
	code, out = b.do(t, "GET", "/t/acme/scim/v2/Groups/"+entraEng, b.entra, "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "Engineering", out["displayName"], "untouched by okta's PATCH")

	// A token of another tenant, of a source with the same name, reads nothing.
	code, _ = b.do(t, "GET", filterPath("Users", `userName eq "ann@acme.example"`), b.globex, "")
	require.Equal(t, http.StatusUnauthorized, code)
	code, out = b.do(t, "GET", strings.Replace(filterPath("Users", `userName eq "ann@acme.example"`), "/t/acme/", "/t/globex/", 1), b.globex, "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, float64(0), out["totalResults"])

	// One person, groups from both sources.
	p := b.person(t, "E9001")
	require.Equal(t, []string{"Engineering", "Ops"}, p.Groups, "person.groups is the union")
	require.Equal(t, map[string][]string{"okta": {"Engineering"}, "entra": {"Engineering", "Ops"}}, p.SourceGroups)
}

// A rule trusting okta's groups grants on okta's "Engineering" alone, and
// okta removing the member takes it away although entra's "Engineering"
// (and so person.groups) still holds them. Deactivation by one source is
// not a leave while another still holds the person; the last one's is.
func TestSCIMSourceGroupsDriveRules(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	entraAnn := b.create(t, b.entra, "Users", strings.Replace(annUser, "%s", "Engineer", 1))
	b.create(t, b.entra, "Groups", group("Engineering", entraAnn))
	require.NotContains(t, b.grants(t, "E9001"), "github/engineering", "entra's Engineering is not okta's")

	oktaAnn := b.create(t, b.okta, "Users", strings.Replace(annUser, "%s", "Engineer", 1))
	oktaEng := b.create(t, b.okta, "Groups", group("Engineering", oktaAnn))
	require.Contains(t, b.grants(t, "E9001"), "github/engineering", "okta's group grants the role")

	code, out := b.do(t, "PATCH", "/t/acme/scim/v2/Groups/"+oktaEng, b.okta,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"`+oktaAnn+`\"]"}]}`)
	require.Equal(t, http.StatusOK, code, out)
	p := b.person(t, "E9001")
	require.Equal(t, []string{"Engineering"}, p.Groups, "entra still has them in its Engineering")
	require.Equal(t, map[string][]string{"okta": {}, "entra": {"Engineering"}}, p.SourceGroups)
	require.NotContains(t, b.grants(t, "E9001"), "github/engineering", "removal from okta's group takes it away")

	// Back into okta's group, then okta deactivates ann with a new title.
	code, _ = b.do(t, "PATCH", "/t/acme/scim/v2/Groups/"+oktaEng, b.okta,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"`+oktaAnn+`"}]}]}`)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, b.grants(t, "E9001"), "github/engineering")
	code, _ = b.do(t, "PATCH", "/t/acme/scim/v2/Users/"+oktaAnn, b.okta,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false,"title":"Gone"}}]}`)
	require.Equal(t, http.StatusOK, code)
	p = b.person(t, "E9001")
	require.Equal(t, person.Active, p.Status, "entra still holds ann active: not a leave")
	require.Equal(t, "Engineer", p.Title, "a source that let the person go changes nothing else")
	require.Equal(t, map[string][]string{"entra": {"Engineering"}}, p.SourceGroups, "okta's groups went with okta")
	require.NotContains(t, b.grants(t, "E9001"), "github/engineering")

	code, _ = b.do(t, "DELETE", "/t/acme/scim/v2/Users/"+entraAnn, b.entra, "")
	require.Equal(t, http.StatusNoContent, code)
	p = b.person(t, "E9001")
	require.Equal(t, person.Terminated, p.Status, "the last source letting go is the leave")
	require.Empty(t, p.SourceGroups)

	code, _ = b.do(t, "PATCH", "/t/acme/scim/v2/Users/"+oktaAnn, b.okta,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}`)
	require.Equal(t, http.StatusOK, code)
	p = b.person(t, "E9001")
	require.Equal(t, person.Active, p.Status, "any source re-activating is a rehire")
	require.Equal(t, map[string][]string{"okta": {"Engineering"}}, p.SourceGroups)
	require.Contains(t, b.grants(t, "E9001"), "github/engineering")

	var kinds []person.Kind
	var sources []string
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) error {
		evs, err := tx.Events().List(b.ctx, store.EventFilter{PersonID: "E9001"})
		for _, e := range evs {
			if e.Kind != person.Update && e.Kind != person.Move {
				kinds = append(kinds, e.Kind)
				sources = append(sources, e.Source)
			}
		}
		return err
	}))
	require.Equal(t, []person.Kind{person.Join, person.Leave, person.Rehire}, kinds)
	require.Equal(t, []string{"scim:entra", "scim:entra", "scim:okta"}, sources, "events name the source")
	_, err := b.svc.VerifyAudit(b.ctx, "acme")
	require.NoError(t, err)
}

// The conformance suite passes for a sourced token, on a tenant where
// another source already pushed the names the suite uses: it sees none
// of them and leaves them as they were.
func TestSCIMProviderConformanceWithSource(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	entraAnn := b.create(t, b.entra, "Users", strings.Replace(annUser, "%s", "Engineer", 1))
	b.create(t, b.entra, "Groups", group("Engineering", entraAnn))
	scimtest.Run(t, scimtest.Config{BaseURL: b.srv.URL + "/t/acme/scim/v2", Token: b.okta})
	_, out := b.do(t, "GET", "/t/acme/scim/v2/Users", b.entra, "")
	require.Equal(t, float64(1), out["totalResults"], "entra's namespace is as it was")
	_, out = b.do(t, "GET", "/t/acme/scim/v2/Users/"+entraAnn, b.entra, "")
	require.Equal(t, "Engineer", out["title"])
}
