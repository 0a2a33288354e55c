package conformance

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/token"
)

// t0 has nanoseconds so that a store keeping less precision fails the
// round-trip tests. Times are UTC: a store hands times back in UTC, and
// require.Equal compares locations too.
var t0 = time.Date(2026, 3, 1, 9, 30, 15, 123456789, time.UTC)

// day is a calendar date as person.Date makes it.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// fullPerson has every field set, including both HR flags, so that a store
// dropping any column fails.
func fullPerson(id string) person.Person {
	return person.Person{
		ID:             id,
		Email:          id + "@example.com",
		GivenName:      "Ada",
		FamilyName:     "Lovelace",
		DisplayName:    "Ada Lovelace (" + id + ")",
		Department:     "Engineering",
		Title:          "Analyst",
		Location:       "London",
		ManagerID:      "M0001",
		EmploymentType: "contractor",
		StartDate:      day(2024, time.February, 29),
		EndDate:        day(2026, time.December, 31),
		OnLeave:        true,
		Terminated:     true,
		Attributes:     map[string]string{"costCenter": "CC-42", "badge": "ü-✓ \"quoted\""},
		Groups:         []string{"Engineering", "on-call \"eu\""},
		SourceGroups:   map[string][]string{"okta": {"Engineering", "on-call \"eu\""}, "entra": {}},
		Status:         person.Terminated,
	}
}

// minimalPerson has only what every record has.
func minimalPerson(id string) person.Person {
	return person.Person{ID: id, Status: person.Active}
}

// fullEvent has every field the caller sets (not ID).
func fullEvent(personID string, at time.Time) person.Event {
	return person.Event{
		PersonID:    personID,
		Kind:        person.Move,
		EffectiveAt: at,
		State:       person.Scheduled,
		Changes: []person.Change{
			{Field: "department", From: "Support", To: "Engineering"},
			{Field: "title", From: "", To: "Engineer"},
		},
		Source:    "import roster.csv",
		CreatedAt: t0,
	}
}

func fullRequest(id string) policy.Request {
	return policy.Request{
		ID:          id,
		PersonID:    "E1001",
		App:         "github",
		Entitlement: "team:platform",
		Approver:    "E0001",
		Reason:      "on-call rotation",
		ExpiresAt:   t0.Add(30 * 24 * time.Hour),
		CreatedAt:   t0,
	}
}

func fullAccount(app, ext string) account.Account {
	return account.Account{
		App:          app,
		ExternalID:   ext,
		PersonID:     "E1001",
		UserName:     "ada",
		State:        account.Disabled,
		Entitlements: []string{"admin", "team:platform"},
		Attributes:   map[string]string{"mfa": "true"},
		ServiceOwner: "E0001",
		SeenAt:       t0,
	}
}

func fullBatch(id string, created time.Time) guard.Batch {
	return guard.Batch{
		ID:     id,
		Kind:   guard.Import,
		Status: guard.Pending,
		Summary: guard.Summary{
			Source: "import roster.csv", Removals: 40, Limit: 25,
			Active: 900, Leavers: 40, Movers: 7, Joiners: 3,
			Departments: map[string]int{"Sales": 30, "Support": 10},
		},
		Payload:   json.RawMessage(`{"people":[{"employeeId":"E1001"}]}`),
		CreatedAt: created,
	}
}

func fullToken(id, tenant string, created time.Time) token.Token {
	return token.Token{
		ID:          id,
		Tenant:      tenant,
		Hash:        []byte{0x00, 0x01, 0xfe, 0xff, 'h', 'a', 's', 'h'},
		Scopes:      []string{"people:read", "audit:read"},
		Description: "CI " + id,
		Source:      "okta-prod",
		CreatedAt:   created,
	}
}

// ids returns n ids "P00000", "P00001", … in sorted order.
func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%05d", prefix, i)
	}
	return out
}
