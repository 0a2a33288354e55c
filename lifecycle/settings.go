package lifecycle

import (
	"cmp"
	"slices"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
)

// FromConfig turns a validated config tenant into service settings.
func FromConfig(t *config.Tenant) Settings {
	s := Settings{
		Tenant:          t.ID,
		Apps:            map[string]plan.App{},
		AbsentTerminate: t.HR.Absent == config.AbsentTerminate,
		GuardPercent:    t.Guard.MaxRemovalsPercent,
		GuardMax:        t.Guard.MaxRemovals,
		SCIMMapping:     t.SCIM.Mapping,
	}
	// Tiers rank by leaver deadline: the shorter the deadline, the sooner
	// its removals run.
	tiers := make([]string, 0, len(t.Tiers))
	for name := range t.Tiers {
		tiers = append(tiers, name)
	}
	slices.SortFunc(tiers, func(a, b string) int {
		return cmp.Or(cmp.Compare(t.Tiers[a].LeaverDeadline.Duration, t.Tiers[b].LeaverDeadline.Duration), cmp.Compare(a, b))
	})
	for _, a := range t.Apps {
		pa := plan.App{
			ID: a.ID, Name: a.Title(), Tier: a.Tier, TierRank: slices.Index(tiers, a.Tier),
			Deadline: t.Tiers[a.Tier].LeaverDeadline.Duration,
			Delete:   a.OnLeave == config.LeaveDelete,
			Manual:   a.Connector.Type == config.ConnectorManual,
			Owner:    a.Owner,

			ServiceSuccessor: a.ServiceAccounts.Successor,

			ProvisionBeforeStart: a.ProvisionBeforeStart.Duration,
			EndsSessions:         config.EndsSessions(&a),
		}
		if a.DeleteAfter != nil {
			pa.DeleteAfter = a.DeleteAfter.Duration
		}
		s.Apps[a.ID] = pa
	}
	for _, r := range t.Roles {
		role := policy.Role{ID: r.ID}
		for _, g := range r.Grants {
			role.Grants = append(role.Grants, policy.RoleGrant{App: g.App, Entitlement: g.Entitlement})
		}
		s.Policy.Roles = append(s.Policy.Roles, role)
	}
	for _, r := range t.Birthright {
		s.Policy.Rules = append(s.Policy.Rules, policy.Rule{Name: r.Name, When: r.When, Roles: r.Roles})
	}
	return s
}

// Mapping is the tenant's HR column mapping for the roster parser. The key
// column, when named without a mapping of its own, maps to employeeId.
func Mapping(t *config.Tenant) hr.Mapping {
	if len(t.HR.Columns) == 0 {
		return nil
	}
	m := hr.Mapping{}
	for k, v := range t.HR.Columns {
		m[k] = v
	}
	if t.HR.Key != "" {
		if _, ok := m[t.HR.Key]; !ok {
			m[t.HR.Key] = "employeeId"
		}
	}
	return m
}
