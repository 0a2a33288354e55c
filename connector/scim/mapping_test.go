package scimconn

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
)

const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

var testMapping = map[string]string{
	enterprise + ":department":     "person.department",
	enterprise + ":employeeNumber": "person.employeeId",
	"title":                        "{person.title}",
	"userType":                     "Employee",
	"displayName":                  "{person.familyName}, {person.givenName}",
	"nickName":                     "{person.givenName} ({person.managerId})", // no manager: left alone
}

func mappedAnn() connector.Subject {
	s := ann()
	s.Attributes = map[string]string{"department": "Engineering", "title": "Engineer"}
	return s
}

func TestMappingWritesMappedAttributesMinimally(t *testing.T) {
	t.Parallel()
	for _, noPatch := range []bool{false, true} {
		b := setup(t, func(o *options) {
			if o.noPatch = noPatch; noPatch {
				o.spc = `{"patch":{"supported":false},"filter":{"supported":true}}`
			}
			o.cfg = func(c *Config) { c.Mapping = testMapping }
		})
		ctx := t.Context()
		acc, err := b.conn.Ensure(ctx, mappedAnn())
		require.NoError(t, err)
		u := b.user(t, acc.ExternalID)
		require.Equal(t, "Lee, Ann", u["displayName"], "a mapping replaces the built-in value")
		require.Equal(t, "Engineer", u["title"])
		require.Equal(t, "Employee", u["userType"])
		require.NotContains(t, u, "nickName", "a template with an empty field is left out")
		ext, _ := u[enterprise].(map[string]any)
		require.Equal(t, map[string]any{"department": "Engineering", "employeeNumber": "E1001"}, ext)
		require.Contains(t, u["schemas"], enterprise)

		// Nothing differs: nothing is written.
		b.rec.reset()
		_, err = b.conn.Ensure(ctx, mappedAnn())
		require.NoError(t, err)
		require.Empty(t, b.rec.writes(), "noPatch=%v", noPatch)

		// A mover: only the department changes.
		s := mappedAnn()
		s.Attributes["department"] = "Support"
		_, err = b.conn.Ensure(ctx, s)
		require.NoError(t, err)
		w := b.rec.writes()
		require.Len(t, w, 1)
		if !noPatch {
			require.Equal(t, http.MethodPatch, w[0].Method)
			ops, _ := w[0].Body["Operations"].([]any)
			require.Len(t, ops, 1, "a minimal PATCH")
			require.Equal(t, enterprise+":department", ops[0].(map[string]any)["path"])
		} else {
			require.Equal(t, http.MethodPut, w[0].Method)
		}
		u = b.user(t, acc.ExternalID)
		require.Equal(t, "Support", u[enterprise].(map[string]any)["department"])
		require.Equal(t, "E1001", u[enterprise].(map[string]any)["employeeNumber"])
	}
}

func TestMappedUserNameIsTheLoginName(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *options) {
		o.cfg = func(c *Config) { c.Mapping = map[string]string{"userName": "{person.employeeId}@corp.example"} }
	})
	ctx := t.Context()
	acc, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	require.Equal(t, "E1001@corp.example", b.user(t, acc.ExternalID)["userName"])
	// Correlation by the mapped userName adopts an account without
	// externalId.
	other := b.seedUser(t, map[string]any{"userName": "E2002@corp.example"})
	s := connector.Subject{PersonID: "E2002", Email: "bob@acme.example"}
	got, err := b.conn.Ensure(ctx, s)
	require.NoError(t, err)
	require.Equal(t, other, got.ExternalID)
	require.Equal(t, 2, b.store.Len("User"))
}

func TestCheckMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attr, tmpl, want string
	}{
		{"title", "person.title", ""},
		{"name.formatted", "{person.givenName} {person.familyName}", ""},
		{enterprise + ":manager.value", "person.managerId", ""},
		{"title", "person.jobTitle", "unknown field person.jobTitle"},
		{"title", "{person.title", "unclosed {"},
		{"title", "x}", "unmatched }"},
		{"title", "{title}", "is not {person.FIELD}"},
		{"title", "", "empty template"},
		{"active", "person.email", "managed by the connector"},
		{"emails", "person.email", "managed by the connector"},
		{"externalId", "person.employeeId", "managed by the connector"},
		{"9lives", "x", "is not a SCIM attribute"},
		{"name.", "x", "is not a SCIM attribute"},
	}
	for _, tc := range tests {
		probs := CheckMapping(map[string]string{tc.attr: tc.tmpl}, "")
		if tc.want == "" {
			require.Empty(t, probs, "%s: %s", tc.attr, tc.tmpl)
			continue
		}
		require.Len(t, probs, 1, "%s: %s", tc.attr, tc.tmpl)
		require.Equal(t, tc.attr, probs[0].Attr)
		require.Contains(t, probs[0].Msg, tc.want)
	}
	probs := CheckMapping(map[string]string{enterprise + ":employeeNumber": "person.employeeId"}, enterprise+":employeeNumber")
	require.Len(t, probs, 1, "the employee-id attribute is the connector's")
	require.Contains(t, probs[0].Msg, "employee_id_attr")

	_, err := New(t.Context(), Config{BaseURL: "https://app.example/scim/v2", Token: "t", Mapping: map[string]string{"title": "person.nope"}})
	requireClass(t, err, connector.Permanent)
	require.ErrorContains(t, err, "mapping title: unknown field person.nope")
}

func FuzzMappingTemplate(f *testing.F) {
	for _, s := range []string{"person.email", "{person.givenName} {person.familyName}", "a{b", "}{", "{person.}", "text"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tmpl string) {
		parts, err := parseTemplate(tmpl)
		if err != nil {
			return
		}
		require.NotEmpty(t, parts)
		m := mapped{parts: parts}
		s := connector.Subject{PersonID: "E1", Email: "e@x", GivenName: "G", FamilyName: "F", DisplayName: "D",
			Attributes: map[string]string{"department": "d", "title": "t", "manager": "m"}}
		v := m.render(s)
		for _, p := range parts {
			if p.field != "" {
				require.True(t, slices.Contains(MappingFields, p.field))
			}
		}
		require.NotContains(t, v, "{person.", "every placeholder is replaced")
	})
}

// person.managerRef writes the manager's own account id in the app (the
// enterprise extension's manager.value is a reference, not an employee
// id); while the manager has no account there, the attribute is left out,
// and it is written once the manager's account exists.
func TestMappedManagerReference(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *options) {
		o.cfg = func(c *Config) {
			c.Mapping = map[string]string{enterprise + ":manager.value": "person.managerRef"}
		}
	})
	ctx := t.Context()
	report := connector.Subject{PersonID: "E2002", Email: "bob@acme.example", GivenName: "Bob", FamilyName: "Roe",
		Attributes: map[string]string{"manager": "E1001"}}
	acc, err := b.conn.Ensure(ctx, report)
	require.NoError(t, err)
	u := b.user(t, acc.ExternalID)
	ext, _ := u[enterprise].(map[string]any)
	require.NotContains(t, ext, "manager", "the manager has no account yet: nothing is guessed")

	boss, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	_, err = b.conn.Ensure(ctx, report)
	require.NoError(t, err)
	u = b.user(t, acc.ExternalID)
	ext, _ = u[enterprise].(map[string]any)
	require.Equal(t, map[string]any{"value": boss.ExternalID}, ext["manager"], "the reference is the manager's id in the app")
}
