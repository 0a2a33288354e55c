package reconcile_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/sla"
	"github.com/tenure-dev/tenure/store"
)

const header = "employeeId,email,givenName,familyName,department,managerId,endDate\n"

var day1 = header + `E1,e1@acme.example,Ann,One,Engineering,,
E2,e2@acme.example,Bo,Two,Engineering,E1,
E3,e3@acme.example,Cy,Three,Engineering,E1,
E4,e4@acme.example,Di,Four,Engineering,E1,
E5,e5@acme.example,Ed,Five,Engineering,E1,
E6,e6@acme.example,Fay,Six,Engineering,E1,
E7,e7@acme.example,Gus,Seven,Engineering,E1,
E8,e8@acme.example,Hal,Eight,Engineering,E1,
`

// day2 is what HR says later, imported while nothing was listening (a
// sync that never ran): E7 and E8 have left, E9 joined, E10 and E11 share
// a mailbox.
var day2 = day1[:len(day1)-len("E7,e7@acme.example,Gus,Seven,Engineering,E1,\nE8,e8@acme.example,Hal,Eight,Engineering,E1,\n")] +
	`E7,e7@acme.example,Gus,Seven,Engineering,E1,2026-06-05
E8,e8@acme.example,Hal,Eight,Engineering,E1,2026-06-05
E9,e9@acme.example,Ida,Nine,Engineering,E1,
E10,shared@acme.example,Jo,Ten,Sales,E1,
E11,shared@acme.example,Kim,Eleven,Sales,E1,
`

// plant sets the wiki up as a real app drifts: Tenure provisioned E1–E8,
// then HR moved on unheard, and people worked in the app directly.
func plant(t *testing.T, b *testBundle) map[string]string {
	t.Helper()
	b.now = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	b.roster(t, day1)
	b.apply(t)
	b.now = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	b.roster(t, day2) // no OnChange: nobody queues the leavers' removals
	require.NoError(t, b.wiki.Revoke(b.ctx, connector.Subject{PersonID: "E2"}, "staff"))
	require.NoError(t, b.wiki.Grant(b.ctx, connector.Subject{PersonID: "E3"}, "admins"))
	ids := map[string]string{}
	for _, u := range []struct{ name, ext string }{
		{"e9@acme.example", ""},            // made on first login (JIT)
		{"temp@contractor.example", "X99"}, // nobody's
		{"shared@acme.example", ""},        // two people's mailbox
		{"svc-build", "E8"},                // owner left
		{"svc-deploy", "E404"},             // owner never on the roster
		{"svc-ok", "E3"},                   // owner here
	} {
		ids[u.name] = b.user(t, u.name, u.ext)
	}
	return ids
}

func TestReconcileFindsAndHandlesEveryClassAgainstSCIM(t *testing.T) {
	t.Parallel()
	everyClass(t, setup(t, options{}))
}

func TestReconcileOnPostgres(t *testing.T) {
	t.Parallel()
	everyClass(t, setup(t, options{postgres: true}))
}

func everyClass(t *testing.T, b *testBundle) {
	ids := plant(t, b)

	res := b.reconcile(t, "wiki", b.wiki, false)
	require.Empty(t, res.Held)
	require.Equal(t, 8+6, res.Seen)
	require.Equal(t, map[account.Class]int{
		account.InSync: 4, account.Ghost: 2, account.Orphan: 1, account.Drift: 2, account.Unmanaged: 1,
		account.Ambiguous: 1, account.Service: 3,
	}, res.Counts)
	b.waitIdle(t)

	got := b.findings(t, store.FindingFilter{App: "wiki"})
	require.Len(t, got, 10)
	require.Equal(t, account.Ghost, got["e7@acme.example"].Class)
	require.Equal(t, account.Ghost, got["e8@acme.example"].Class)
	require.Equal(t, "disable", got["e7@acme.example"].Action)
	require.Equal(t, account.Orphan, got["temp@contractor.example"].Class)
	require.Equal(t, account.Drift, got["e2@acme.example"].Class)
	require.Equal(t, []string{"staff"}, got["e2@acme.example"].Missing)
	require.Equal(t, []string{"admins"}, got["e3@acme.example"].Extra)
	require.Equal(t, account.Unmanaged, got["e9@acme.example"].Class)
	require.Equal(t, "E9", got["e9@acme.example"].PersonID)
	require.Equal(t, account.Ambiguous, got["shared@acme.example"].Class)
	require.Equal(t, []string{"E10", "E11"}, got["shared@acme.example"].Candidates)
	require.Empty(t, got["shared@acme.example"].PersonID, "never guessed")
	for name, owner := range map[string]string{"svc-build": "E8", "svc-deploy": "E404", "svc-ok": "E3"} {
		require.Equal(t, account.Service, got[name].Class, name)
		require.Equal(t, owner, got[name].Owner, name)
	}
	require.True(t, got["svc-build"].OwnerGone)
	require.True(t, got["svc-deploy"].OwnerGone)
	require.False(t, got["svc-ok"].OwnerGone)

	// Handled per policy, verified in the app itself.
	for _, name := range []string{"e7@acme.example", "e8@acme.example"} {
		require.Equal(t, account.Disabled, b.wikiAccount(t, got[name].ExternalID).State, "ghost %s disabled", name)
	}
	require.Equal(t, account.Disabled, b.wikiAccount(t, ids["temp@contractor.example"]).State, "orphan disabled (policy disable)")
	require.True(t, b.wikiAccount(t, got["e2@acme.example"].ExternalID).Has("staff"), "missing entitlement granted")
	require.False(t, b.wikiAccount(t, got["e3@acme.example"].ExternalID).Has("admins"), "extra entitlement revoked")
	e9 := b.wikiAccount(t, ids["e9@acme.example"])
	require.True(t, e9.Has("staff"), "JIT account adopted and brought in line")
	require.Equal(t, account.Enabled, b.wikiAccount(t, ids["shared@acme.example"]).State, "ambiguous left alone")
	for _, name := range []string{"svc-build", "svc-deploy", "svc-ok"} {
		require.Equal(t, account.Enabled, b.wikiAccount(t, ids[name]).State, "service account %s never disabled", name)
	}

	// Ownerless service accounts go to a named human: the leaver's
	// manager, else the app's successor (SCIM has no ownership API).
	var transfers []string
	for _, tk := range b.openTasks(t) {
		if tk.Action == "transfer-ownership" {
			transfers = append(transfers, tk.Assignee)
		}
	}
	slices.Sort(transfers)
	require.Equal(t, []string{"e1@acme.example", "e2@acme.example"}, transfers)

	// The ghosts show on the leaver clock: found ten days after the
	// termination, far past the 24h deadline.
	var clocks []sla.Clock
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		clocks, err = tx.Clocks().List(b.ctx, false)
		return err
	}))
	rep := sla.Build(clocks, b.now)
	var breached []string
	for _, c := range rep.Breached {
		if c.App == "wiki" {
			breached = append(breached, c.PersonID)
		}
	}
	slices.Sort(breached)
	require.Equal(t, []string{"E7", "E8"}, breached)

	// Every change is in the audit chain, which still verifies.
	var applied int
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) error {
		es, err := tx.Audit().Scan(b.ctx, 0, 10_000)
		for _, e := range es {
			if e.Action == "reconcile.applied" && e.Subject == "wiki" {
				applied++
			}
		}
		return err
	}))
	require.Equal(t, 1, applied)
	_, err := b.svc.VerifyAudit(b.ctx, "acme")
	require.NoError(t, err)

	// A second run finds only what policy reported or cannot change.
	again := b.reconcile(t, "wiki", b.wiki, false)
	b.waitIdle(t)
	require.Equal(t, map[account.Class]int{account.InSync: 9, account.Orphan: 1, account.Ambiguous: 1, account.Service: 3}, again.Counts,
		"ghosts, drift and the JIT account are fixed; the disabled orphan is still nobody's")
}

func TestServiceAccountMovesOnTheOwnersTermination(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	ids := plant(t, b)
	// The vault's connector reports owners and can move them.
	b.vault.Seed(account.Account{ExternalID: "vault-robot", UserName: "robot", State: account.Enabled, ServiceOwner: "E3"}, 0)
	b.reconcile(t, "wiki", b.wiki, false)
	b.reconcile(t, "vault", b.vault, false)
	b.waitIdle(t)
	b.svc.OnChange = b.eng.OnChange

	// E3 leaves: the same termination hands on everything E3 owns.
	b.roster(t, day2+"") // unchanged first: nothing happens
	b.roster(t, replaceLine(day2, "E3,", "E3,e3@acme.example,Cy,Three,Engineering,E1,2026-06-15"))
	b.waitIdle(t)

	vault := b.findings(t, store.FindingFilter{App: "vault", Class: account.Service})
	require.Equal(t, "E1", vault["robot"].Owner, "moved by the connector to E3's manager")
	acc, err := b.vault.Read(b.ctx, connector.Subject{ExternalID: "vault-robot"})
	require.NoError(t, err)
	require.Equal(t, "E1", acc.ServiceOwner)
	require.Equal(t, account.Enabled, acc.State, "never disabled with its owner")
	require.Equal(t, 1, b.vault.Calls("transfer vault-robot E1"))

	var tasks []string
	for _, tk := range b.openTasks(t) {
		if tk.Action == "transfer-ownership" && tk.PersonID == "E3" {
			tasks = append(tasks, tk.App+" "+tk.Assignee)
		}
	}
	require.Equal(t, []string{"wiki e1@acme.example"}, tasks, "SCIM has no ownership API: E1 is asked to take svc-ok over")
	require.Equal(t, account.Enabled, b.wikiAccount(t, ids["svc-ok"]).State)
	require.Equal(t, account.Disabled, b.wikiAccount(t, b.findings(t, store.FindingFilter{})["e3@acme.example"].ExternalID).State,
		"while E3's own account is removed")
}

func TestGuardHoldsAReconciliationThatWouldDisableTooMuch(t *testing.T) {
	t.Parallel()
	b := setup(t, options{guardMax: 3})
	b.now = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	b.roster(t, day1)
	b.apply(t)
	var orphans []string
	for i := range 5 {
		orphans = append(orphans, b.user(t, "ghost-"+string(rune('a'+i))+"@old.example", ""))
	}
	res := b.reconcile(t, "wiki", b.wiki, false)
	require.NotEmpty(t, res.Held)
	require.Equal(t, 5, res.Removals)
	require.Equal(t, 3, res.Limit)
	b.waitIdle(t)
	for _, id := range orphans {
		require.Equal(t, account.Enabled, b.wikiAccount(t, id).State, "held: nothing disabled")
	}
	held := b.findings(t, store.FindingFilter{Class: account.Orphan})
	require.Len(t, held, 5)
	for _, f := range held {
		require.Equal(t, "held", f.Action)
	}
	pending, err := b.tenant.Pending(b.ctx)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	require.Equal(t, guard.Reconcile, pending[0].Kind)

	_, err = b.tenant.Approve(b.ctx, res.Held)
	require.NoError(t, err)
	b.waitIdle(t)
	for _, id := range orphans {
		require.Equal(t, account.Disabled, b.wikiAccount(t, id).State, "approved: disabled")
	}
	for _, f := range b.findings(t, store.FindingFilter{Class: account.Orphan}) {
		require.Equal(t, "disable", f.Action)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	ids := plant(t, b)
	var before []account.Account
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		before, err = tx.Accounts().List(b.ctx, "")
		return err
	}))
	res := b.reconcile(t, "wiki", b.wiki, true)
	require.True(t, res.DryRun)
	require.Equal(t, 2, res.Counts[account.Ghost])
	require.NotEmpty(t, res.Operations, "says what it would do")
	n, err := b.eng.Pending(b.ctx)
	require.NoError(t, err)
	require.Zero(t, n, "nothing queued")
	require.Empty(t, b.findings(t, store.FindingFilter{}), "nothing stored")
	var after []account.Account
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		after, err = tx.Accounts().List(b.ctx, "")
		return err
	}))
	require.Equal(t, before, after, "known state untouched")
	require.Equal(t, account.Enabled, b.wikiAccount(t, ids["temp@contractor.example"]).State)
	require.Empty(t, b.openTasks(t))
}
