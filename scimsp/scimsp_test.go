package scimsp_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/storetest"
	"github.com/tenure-dev/tenure/scimsp"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/sqlite"
)

type testBundle struct {
	ctx context.Context
	svc *lifecycle.Service
	tn  *lifecycle.Tenant
	s   *scimsp.Store
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	f, err := config.Parse(config.Example(), "example.yaml")
	require.NoError(t, err)
	cfg, _ := f.Tenant("acme")
	svc := &lifecycle.Service{Store: st, Actor: "test"}
	require.NoError(t, svc.CreateTenant(ctx, "acme"))
	tn, err := svc.Tenant(lifecycle.FromConfig(cfg))
	require.NoError(t, err)
	return &testBundle{ctx: ctx, svc: svc, tn: tn, s: scimsp.New(svc, tn, "default", nil)}
}

// Tenure's SCIM store behaves as the handler's port requires, for the
// default source and for a named one.
func TestStoreConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) server.Store { return setup(t).s })
}

func TestStoreConformanceNamedSource(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) server.Store {
		b := setup(t)
		return scimsp.New(b.svc, b.tn, "okta", nil)
	})
}

func (b *testBundle) person(t *testing.T, id string) (person.Person, error) {
	t.Helper()
	var p person.Person
	err := b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		p, err = tx.People().Get(b.ctx, id)
		return err
	})
	return p, err
}

func user(id, userName, empNo, dept, managerID string, active bool) scim.Resource {
	ent := map[string]any{"employeeNumber": empNo, "department": dept}
	if managerID != "" {
		ent["manager"] = map[string]any{"value": managerID}
	}
	return scim.Resource{
		"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User", scim.EnterpriseUserURN},
		"id":      id, "userName": userName, "active": active,
		"name":   map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
		"emails": []any{map[string]any{"value": "ADA@acme.example", "type": "work", "primary": true}},
		"title":  "Engineer", scim.EnterpriseUserURN: ent,
		"meta": map[string]any{"resourceType": "User", "version": `W/"1"`},
	}
}

func TestUsersArePeople(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.s.Create(b.ctx, "User", user("u-boss", "boss@acme.example", "E100", "Engineering", "", true))
	require.NoError(t, err)
	_, err = b.s.Create(b.ctx, "User", user("u-ada", "ada@acme.example", "E101", "Engineering", "u-boss", true))
	require.NoError(t, err)

	p, err := b.person(t, "E101")
	require.NoError(t, err, "a User is a person, keyed by the enterprise employeeNumber")
	require.Equal(t, "ada@acme.example", p.Email)
	require.Equal(t, "Engineering", p.Department)
	require.Equal(t, "E100", p.ManagerID, "the manager's SCIM id resolves to their employeeId")
	require.Equal(t, person.Active, p.Status)

	// Deactivation is a leave, in the same write.
	_, err = b.s.Replace(b.ctx, "User", "u-ada", func(old scim.Resource) (scim.Resource, error) {
		old["active"] = false
		return old, nil
	})
	require.NoError(t, err)
	p, err = b.person(t, "E101")
	require.NoError(t, err)
	require.Equal(t, person.Terminated, p.Status)
	// Re-activation is a rehire.
	_, err = b.s.Replace(b.ctx, "User", "u-ada", func(old scim.Resource) (scim.Resource, error) {
		old["active"] = true
		return old, nil
	})
	require.NoError(t, err)
	p, _ = b.person(t, "E101")
	require.Equal(t, person.Active, p.Status)
	// DELETE is a leave too.
	require.NoError(t, b.s.Delete(b.ctx, "User", "u-boss", nil))
	p, _ = b.person(t, "E100")
	require.Equal(t, person.Terminated, p.Status)

	var kinds []person.Kind
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) error {
		evs, err := tx.Events().List(b.ctx, store.EventFilter{PersonID: "E101"})
		for _, e := range evs {
			kinds = append(kinds, e.Kind)
		}
		return err
	}))
	require.Equal(t, []person.Kind{person.Join, person.Leave, person.Rehire}, kinds)
	_, err = b.svc.VerifyAudit(b.ctx, "acme")
	require.NoError(t, err)
}

func TestUniquenessIsCaseInsensitive(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.s.Create(b.ctx, "User", user("u1", "ada@acme.example", "E1", "", "", true))
	require.NoError(t, err)
	_, err = b.s.Create(b.ctx, "User", user("u2", "ADA@acme.example", "E2", "", "", true))
	require.ErrorIs(t, err, server.ErrUniqueness)
	_, err = b.person(t, "E2")
	require.ErrorIs(t, err, store.ErrNotFound, "a refused write changes nothing")
	_ = time.Now
}

// IdP groups are readable by birthright rules: joining a group grants,
// leaving it takes away (the mover subtracts, even when the move is a
// group change pushed over SCIM).
func TestGroupsDriveBirthrightRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tenure.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	f, err := config.Parse(config.Example(), "example.yaml")
	require.NoError(t, err)
	cfg, _ := f.Tenant("acme")
	set := lifecycle.FromConfig(cfg)
	set.Policy.Rules = append(set.Policy.Rules, policy.Rule{Name: "oncall", When: `"On-Call" in person.groups`, Roles: []string{"engineer"}})
	svc := &lifecycle.Service{Store: st, Actor: "test"}
	require.NoError(t, svc.CreateTenant(ctx, "acme"))
	tn, err := svc.Tenant(set)
	require.NoError(t, err)
	s := scimsp.New(svc, tn, "default", nil)

	_, err = s.Create(ctx, "User", user("u1", "sam@acme.example", "E7", "Sales", "", true))
	require.NoError(t, err)
	grants := func() []string {
		pl, err := tn.Plan(ctx, "E7")
		require.NoError(t, err)
		var out []string
		for _, o := range pl.Operations {
			if o.Action == plan.Grant {
				out = append(out, o.App+"/"+o.Entitlement)
			}
		}
		return out
	}
	require.NotContains(t, grants(), "github/engineering")

	group := scim.Resource{"id": "g1", "displayName": "On-Call", "schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"members": []any{map[string]any{"value": "u1"}}, "meta": map[string]any{"resourceType": "Group"}}
	_, err = s.Create(ctx, "Group", group)
	require.NoError(t, err)
	var p person.Person
	require.NoError(t, svc.Store.Read(ctx, "acme", func(tx store.Tx) (err error) {
		p, err = tx.People().Get(ctx, "E7")
		return err
	}))
	require.Equal(t, []string{"On-Call"}, p.Groups)
	require.Contains(t, grants(), "github/engineering", "the group grants the role")

	_, err = s.Replace(ctx, "Group", "g1", func(old scim.Resource) (scim.Resource, error) {
		old["members"] = []any{}
		return old, nil
	})
	require.NoError(t, err)
	require.NotContains(t, grants(), "github/engineering", "leaving the group takes it away")
}

// A tenant's mapping decides which SCIM attributes make the person.
func TestMappingIsConfigurable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tn, err := b.svc.Tenant(func() lifecycle.Settings {
		f, err := config.Parse(config.Example(), "example.yaml")
		require.NoError(t, err)
		cfg, _ := f.Tenant("acme")
		set := lifecycle.FromConfig(cfg)
		set.SCIMMapping = map[string][]string{
			"employeeId": {"externalId"},
			"department": {scim.EnterpriseUserURN + ":division", scim.EnterpriseUserURN + ":department"},
			"location":   {"addresses.locality"},
		}
		return set
	}())
	require.NoError(t, err)
	s := scimsp.New(b.svc, tn, "default", tn.SCIMMapping())
	u := user("u1", "kim@acme.example", "EMP-IGNORED", "Sales", "", true)
	u["externalId"] = "X-42"
	u[scim.EnterpriseUserURN].(map[string]any)["division"] = "EMEA Sales"
	u["addresses"] = []any{map[string]any{"locality": "Lisbon"}, map[string]any{"locality": "Porto", "primary": true}}
	_, err = s.Create(b.ctx, "User", u)
	require.NoError(t, err)
	p, err := b.person(t, "X-42")
	require.NoError(t, err, "employeeId taken from externalId, as mapped")
	require.Equal(t, "EMEA Sales", p.Department, "the first mapped attribute present wins")
	require.Equal(t, "Porto", p.Location, "multi-valued: the primary element")
	require.Equal(t, "ada@acme.example", p.Email, "unmapped fields keep the defaults")
	_, err = b.person(t, "EMP-IGNORED")
	require.ErrorIs(t, err, store.ErrNotFound)
}
