package ldap

import (
	"context"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/ldap/ldaptest"
)

func TestEnsureCreatesOnceAndReads(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()

	_, err := b.conn.Read(ctx, ann())
	require.ErrorIs(t, err, connector.ErrNotFound)

	acc, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	require.Equal(t, "E1001", acc.PersonID)
	require.Equal(t, "ann", acc.UserName)
	require.Equal(t, account.Enabled, acc.State)
	require.NotEmpty(t, acc.ExternalID)
	require.Equal(t, map[string]string{
		"dn": personDN("ann"), "email": "ann@acme.example", "userName": "ann",
		"givenName": "Ann", "familyName": "Lee", "displayName": "Ann Lee",
	}, acc.Attributes)

	e := b.entry(t, personDN("ann"), "objectClass", "cn", "sn", "employeeNumber", "mail")
	require.ElementsMatch(t, DefaultObjectClasses, e.GetAttributeValues("objectClass"))
	require.Equal(t, "Ann Lee", e.GetAttributeValue("cn"))
	require.Equal(t, "E1001", e.GetAttributeValue("employeeNumber"))

	again, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	require.Equal(t, acc.ExternalID, again.ExternalID)
	require.Equal(t, 1, b.count(t, ldaptest.PeopleDN, "(objectClass=inetOrgPerson)"))

	read, err := b.conn.Read(ctx, connector.Subject{ExternalID: acc.ExternalID})
	require.NoError(t, err)
	require.Equal(t, "E1001", read.PersonID)
}

func TestEnsureAdoptsInsteadOfDuplicating(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	// Made by hand: no employeeNumber; one found by uid, one only by mail.
	b.addLDIF(t, `
dn: uid=bob,`+ldaptest.PeopleDN+`
objectClass: inetOrgPerson
uid: bob
cn: Bob
sn: Stone

dn: uid=carol.k,`+ldaptest.PeopleDN+`
objectClass: inetOrgPerson
uid: carol.k
cn: Carol
sn: King
mail: carol@acme.example`)

	tests := []struct {
		name string
		sub  connector.Subject
		dn   string
	}{
		{"by uid", connector.Subject{PersonID: "E2", UserName: "bob", FamilyName: "Stone"}, "uid=bob," + ldaptest.PeopleDN},
		{"by mail", connector.Subject{PersonID: "E3", UserName: "carol", Email: "carol@acme.example"}, "uid=carol.k," + ldaptest.PeopleDN},
	}
	for _, tt := range tests {
		acc, err := b.conn.Ensure(ctx, tt.sub)
		require.NoError(t, err, tt.name)
		require.Equal(t, tt.sub.PersonID, acc.PersonID, tt.name)
		require.Equal(t, tt.sub.PersonID, b.entry(t, acc.Attributes["dn"], "employeeNumber").GetAttributeValue("employeeNumber"), tt.name)
	}
	require.Equal(t, 2, b.count(t, ldaptest.PeopleDN, "(objectClass=inetOrgPerson)"))
	// The mail match is renamed to the subject's user name (the RDN).
	acc, err := b.conn.Read(ctx, connector.Subject{PersonID: "E3"})
	require.NoError(t, err)
	require.Equal(t, "uid=carol,"+ldaptest.PeopleDN, acc.Attributes["dn"])

	// Now that bob carries E2, another person named bob is a conflict,
	// not an adoption.
	_, err = b.conn.Ensure(ctx, connector.Subject{PersonID: "E9", UserName: "bob"})
	requireClass(t, err, connector.Permanent)
	require.ErrorIs(t, err, errConflict)
}

func TestEnsureAmbiguousIsReportedNotGuessed(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	b.addLDIF(t, `
dn: uid=d1,`+ldaptest.PeopleDN+`
objectClass: inetOrgPerson
uid: d1
cn: D
sn: D
employeeNumber: E7

dn: uid=d2,`+ldaptest.PeopleDN+`
objectClass: inetOrgPerson
uid: d2
cn: D
sn: D
employeeNumber: E7`)
	_, err := b.conn.Ensure(context.Background(), connector.Subject{PersonID: "E7", UserName: "d3"})
	requireClass(t, err, connector.Permanent)
	require.ErrorContains(t, err, "2 entries have employeeNumber")
	require.Equal(t, 2, b.count(t, ldaptest.PeopleDN, "(employeeNumber=E7)"))
}

func TestEnsureUpdatesAndRenames(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	b.group(t, GroupOfNames, "eng")
	first, err := b.conn.Ensure(ctx, ann())
	require.NoError(t, err)
	require.NoError(t, b.conn.Grant(ctx, ann(), "eng"))

	moved := ann()
	moved.UserName = "ann.park"
	moved.FamilyName = "Park"
	moved.DisplayName = "Ann Park"
	moved.Email = "ann.park@acme.example"
	acc, err := b.conn.Ensure(ctx, moved)
	require.NoError(t, err)
	require.Equal(t, first.ExternalID, acc.ExternalID, "entryUUID survives the rename")
	require.Equal(t, "uid=ann.park,"+ldaptest.PeopleDN, acc.Attributes["dn"])
	require.Equal(t, "ann.park", acc.UserName)
	require.Equal(t, "ann.park@acme.example", acc.Attributes["email"])
	require.Equal(t, "Ann Park", acc.Attributes["displayName"])
	require.Equal(t, "Park", acc.Attributes["familyName"])
	require.Equal(t, []string{"eng"}, acc.Entitlements, "membership follows the rename")
	require.Equal(t, "Ann Park", b.entry(t, acc.Attributes["dn"], "cn").GetAttributeValue("cn"))
	require.Equal(t, 0, b.count(t, ldaptest.PeopleDN, "(uid=ann)"))
}

func TestCraftedValuesCannotWidenSearches(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	for _, s := range []connector.Subject{ann(), {PersonID: "E2", UserName: "bob", FamilyName: "B"}} {
		_, err := b.conn.Ensure(ctx, s)
		require.NoError(t, err)
	}
	for _, crafted := range []connector.Subject{
		{PersonID: "*"},
		{UserName: "*"},
		{Email: "*)(uid=*"},
		{PersonID: "E1001)(|(uid=*"},
		{UserName: "ann)(objectClass=*"},
		{ExternalID: "*"},
	} {
		_, err := b.conn.Read(ctx, crafted)
		require.ErrorIs(t, err, connector.ErrNotFound, "%+v", crafted)
		require.NoError(t, b.conn.Disable(ctx, crafted), "%+v", crafted)
		require.NoError(t, b.conn.Delete(ctx, crafted), "%+v", crafted)
	}
	require.Equal(t, 2, b.count(t, ldaptest.PeopleDN, "(objectClass=inetOrgPerson)"))
	require.Equal(t, 0, b.count(t, ldaptest.PeopleDN, "(pwdAccountLockedTime=*)"))

	// A value with filter syntax is still a value: it is stored and found
	// literally.
	odd := connector.Subject{PersonID: "E3*)(x", UserName: "o*)(uid=*", FamilyName: "O"}
	acc, err := b.conn.Ensure(ctx, odd)
	require.NoError(t, err)
	got, err := b.conn.Read(ctx, connector.Subject{PersonID: odd.PersonID})
	require.NoError(t, err)
	require.Equal(t, acc.ExternalID, got.ExternalID)
	require.Equal(t, "o*)(uid=*", got.UserName)
	require.Equal(t, 3, b.count(t, ldaptest.PeopleDN, "(objectClass=inetOrgPerson)"))
}

func TestEnsureCannotNameAnEntry(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	_, err := b.conn.Ensure(context.Background(), connector.Subject{PersonID: "E5", Email: "x@acme.example"})
	requireClass(t, err, connector.Permanent)
	require.ErrorContains(t, err, "naming attribute uid")
}

func TestDeleteRemovesEntryAndMemberships(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	bob := connector.Subject{PersonID: "E2", UserName: "bob", FamilyName: "B"}
	for _, s := range []connector.Subject{ann(), bob} {
		_, err := b.conn.Ensure(ctx, s)
		require.NoError(t, err)
	}
	shared := b.group(t, GroupOfNames, "shared", personDN("ann"), personDN("bob"))
	solo := b.group(t, GroupOfNames, "solo", personDN("ann"))

	require.NoError(t, b.conn.Delete(ctx, ann()))
	require.Equal(t, 0, b.count(t, ldaptest.PeopleDN, "(uid=ann)"))
	require.Equal(t, []string{personDN("bob")}, b.members(t, GroupOfNames, shared))
	require.Equal(t, []string{solo}, b.members(t, GroupOfNames, solo), "the emptied group keeps its placeholder")

	require.NoError(t, b.conn.Delete(ctx, ann()), "deleting an absent account succeeds")
	_, err := b.conn.Read(ctx, ann())
	require.ErrorIs(t, err, connector.ErrNotFound)
	acc, err := b.conn.Read(ctx, bob)
	require.NoError(t, err)
	require.Equal(t, []string{"shared"}, acc.Entitlements)
}

func TestPermanentErrorsCarryTheServersWords(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{config: func(c *Config) {
		c.Attributes.Extra = map[string]string{"title": "noSuchAttributeType"}
	}})
	s := ann()
	s.Attributes = map[string]string{"title": "x"}
	_, err := b.conn.Ensure(context.Background(), s)
	ce := requireClass(t, err, connector.Permanent)
	require.Contains(t, ce.Detail, "noSuchAttributeType")
	require.True(t, goldap.IsErrorWithCode(err, goldap.LDAPResultUndefinedAttributeType), "%v", err)
}
