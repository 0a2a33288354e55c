package lifecycle_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/examples"
	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/sqlite"
	"github.com/tenure-dev/tenure/token"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

type testBundle struct {
	ctx    context.Context
	svc    *lifecycle.Service
	tenant *lifecycle.Tenant
	cfg    *config.Tenant
	dbPath string
}

// setup opens a fresh SQLite store with the example configuration's acme tenant.
func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tenure.db")
	st, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	f, err := config.Parse(config.Example(), "example.yaml")
	require.NoError(t, err)
	cfg, _ := f.Tenant("acme")
	svc := &lifecycle.Service{Store: st, Now: func() time.Time { return now }, Actor: "test"}
	require.NoError(t, svc.CreateTenant(ctx, "acme"))
	tn, err := svc.Tenant(lifecycle.FromConfig(cfg))
	require.NoError(t, err)
	return &testBundle{ctx: ctx, svc: svc, tenant: tn, cfg: cfg, dbPath: path}
}

func (b *testBundle) rows(t *testing.T, name string) []hr.Row {
	t.Helper()
	data, err := examples.FS.ReadFile(name)
	require.NoError(t, err)
	rows, err := hr.Parse(bytes.NewReader(data), name, hr.CSV, lifecycle.Mapping(b.cfg))
	require.NoError(t, err)
	return rows
}

func (b *testBundle) importFile(t *testing.T, name string) *lifecycle.ImportResult {
	t.Helper()
	res, err := b.tenant.Import(b.ctx, b.rows(t, name), lifecycle.ImportOptions{Source: name, Full: true})
	require.NoError(t, err)
	return res
}

func (b *testBundle) loadAccounts(t *testing.T) {
	t.Helper()
	data, err := examples.FS.ReadFile("accounts-day1.jsonl")
	require.NoError(t, err)
	accts, err := account.ParseJSONL(bytes.NewReader(data), "accounts-day1.jsonl")
	require.NoError(t, err)
	_, err = b.tenant.ImportAccounts(b.ctx, accts, "accounts-day1.jsonl")
	require.NoError(t, err)
}

// state is a fingerprint of everything an import could change.
func (b *testBundle) state(t *testing.T) string {
	t.Helper()
	var sb strings.Builder
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) error {
		ps, err := tx.People().List(b.ctx)
		require.NoError(t, err)
		evs, err := tx.Events().List(b.ctx, store.EventFilter{})
		require.NoError(t, err)
		seq, hash, err := tx.Audit().Head(b.ctx)
		require.NoError(t, err)
		bs, err := tx.Batches().List(b.ctx, "")
		require.NoError(t, err)
		sb.WriteString(strings.Join([]string{
			string(audit.Data(ps)), string(audit.Data(evs)), hash, string(audit.Data(bs)),
		}, "|"))
		_ = seq
		return nil
	}))
	return sb.String()
}

func TestDay2MoverSubtractsLeaverFirst(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.importFile(t, "roster-day1.csv")
	b.loadAccounts(t)
	res := b.importFile(t, "roster-day2.csv")
	require.Empty(t, res.Held)

	pl, err := b.tenant.Plan(b.ctx, "")
	require.NoError(t, err)

	// The leaver's operations are removals only and come first of all.
	require.Equal(t, "E1007", pl.Operations[0].Person)
	require.Equal(t, plan.Leaver, pl.People["E1007"].Class)
	var leaverDone bool
	for _, o := range pl.Operations {
		if o.Person == "E1007" {
			require.False(t, leaverDone, "leaver operation after another person's: %+v", o)
			require.True(t, o.Effective().Removal(), "leaver gets removals only: %+v", o)
		} else {
			leaverDone = true
		}
	}
	// The mover loses Support's zendesk and gains Engineering's github and aws.
	var mover []string
	for _, o := range pl.Operations {
		if o.Person == "E1004" {
			mover = append(mover, string(o.Effective())+" "+o.App+" "+o.Entitlement)
		}
	}
	require.Equal(t, []string{
		"disable zendesk ", "revoke-sessions zendesk ", "revoke zendesk agent",
		"create aws ", "grant aws developer", "create github ", "grant github engineering",
	}, mover)
	// Drift: the unapproved admin grant is revoked.
	require.Contains(t, pl.Operations, plan.Operation{Person: "E1010", App: "github", Action: plan.Revoke,
		Entitlement: "admin", Reason: "no current rule or request grants admin", Class: plan.Mover,
		Tier: "crown-jewel", ExternalID: "github-e1010"})

	n, err := b.svc.VerifyAudit(b.ctx, "acme")
	require.NoError(t, err)
	// tenant.created; day 1: 21 events + import.applied; accounts.imported;
	// day 2: 4 events + import.applied.
	require.Equal(t, int64(29), n)
}

func TestReimportChangesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.importFile(t, "roster-day1.csv")
	before := b.state(t)
	res := b.importFile(t, "roster-day1.csv")
	require.Empty(t, res.Events)
	require.Equal(t, before, b.state(t))
}

func TestDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.importFile(t, "roster-day1.csv")
	before := b.state(t)
	res, err := b.tenant.Import(b.ctx, b.rows(t, "roster-day2.csv"), lifecycle.ImportOptions{Source: "d2", Full: true, DryRun: true})
	require.NoError(t, err)
	require.Len(t, res.Events, 4, "the dry run reports the events")
	require.Equal(t, before, b.state(t))
}

func TestTruncatedFileIsHeldThenApprovedOrRejected(t *testing.T) {
	t.Parallel()
	for _, approve := range []bool{true, false} {
		b := setup(t)
		b.importFile(t, "roster-day1.csv")
		before := b.state(t)
		res := b.importFile(t, "roster-truncated.csv")
		require.NotEmpty(t, res.Held, "a truncated export must be held")
		require.Equal(t, 2, res.Limit)
		// 12 people absent, the leaver in the file, and the mover who loses zendesk.
		require.Equal(t, 14, res.Summary.Removals)
		require.Equal(t, map[string]int{"Engineering": 3, "Finance": 3, "Sales": 3, "Support": 5}, res.Summary.Departments)

		pending, err := b.tenant.Pending(b.ctx)
		require.NoError(t, err)
		require.Len(t, pending, 1)
		require.Equal(t, res.Held, pending[0].ID)

		// Nothing of the batch was applied: roster and events as before.
		var active int
		require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
			active, err = tx.People().Count(b.ctx, person.Active)
			return err
		}))
		require.Equal(t, 20, active)
		require.NotEqual(t, before, b.state(t), "only the held batch and its audit entry were added")

		if approve {
			got, err := b.tenant.Approve(b.ctx, res.Held)
			require.NoError(t, err)
			require.Equal(t, 13, got.Summary.Leavers)
			require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
				active, err = tx.People().Count(b.ctx, person.Active)
				return err
			}))
			require.Equal(t, 7, active)
		} else {
			require.NoError(t, b.tenant.Reject(b.ctx, res.Held))
			require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
				active, err = tx.People().Count(b.ctx, person.Active)
				return err
			}))
			require.Equal(t, 20, active)
		}
		pending, err = b.tenant.Pending(b.ctx)
		require.NoError(t, err)
		require.Empty(t, pending)
		_, err = b.tenant.Approve(b.ctx, res.Held)
		require.ErrorContains(t, err, "already")
		_, err = b.svc.VerifyAudit(b.ctx, "acme")
		require.NoError(t, err)
	}
}

func TestBadManagerRejectsWholeImport(t *testing.T) {
	t.Parallel()
	b := setup(t)
	before := b.state(t)
	rows := b.rows(t, "roster-day1.csv")
	rows[5].Person.ManagerID = "E9999"
	_, err := b.tenant.Import(b.ctx, rows, lifecycle.ImportOptions{Source: "roster.csv", Full: true})
	require.ErrorIs(t, err, hr.ErrUnknownManager)
	require.ErrorContains(t, err, "roster.csv:")
	require.Equal(t, before, b.state(t))
}

func TestPolicyChangeRemovingTooMuchIsHeld(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.importFile(t, "roster-day1.csv")
	st, err := b.tenant.SyncPolicy(b.ctx)
	require.NoError(t, err)
	require.True(t, st.Changed, "the first policy is accepted")

	// A bad edit: the "everyone" rule now matches nobody.
	set := lifecycle.FromConfig(b.cfg)
	set.Policy.Rules[0].When = `person.department == "Nobody"`
	bad, err := b.svc.Tenant(set)
	require.NoError(t, err)
	st, err = bad.SyncPolicy(b.ctx)
	require.NoError(t, err)
	require.NotEmpty(t, st.Held)
	// Plans keep using the accepted policy: day-1 joiners still get slack.
	pl, err := bad.Plan(b.ctx, "E1000")
	require.NoError(t, err)
	require.NotEmpty(t, pl.Operations)
	// Syncing again does not hold a second batch for the same change.
	st2, err := bad.SyncPolicy(b.ctx)
	require.NoError(t, err)
	require.Equal(t, st.Held, st2.Held)

	_, err = bad.Approve(b.ctx, st.Held)
	require.NoError(t, err)
	pl, err = bad.Plan(b.ctx, "E1000")
	require.NoError(t, err)
	require.Empty(t, pl.Operations, "approved: the CEO has no birthright access left")

	// A small change is accepted without a batch.
	set.Policy.Rules[3].When = `person.department == "Finance" && person.title != "Accountant"`
	small, err := b.svc.Tenant(set)
	require.NoError(t, err)
	st, err = small.SyncPolicy(b.ctx)
	require.NoError(t, err)
	require.True(t, st.Changed)
	require.Empty(t, st.Held)
}

func TestRequestGrantsUntilExpiry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.importFile(t, "roster-day1.csv")
	_, err := b.tenant.AddRequest(b.ctx, policy.Request{PersonID: "E1011", App: "aws", Entitlement: "developer",
		Approver: "ann.lee@acme.example", Reason: "on-call", ExpiresAt: now.Add(72 * time.Hour)})
	require.NoError(t, err)
	pl, err := b.tenant.Plan(b.ctx, "E1011")
	require.NoError(t, err)
	var found bool
	for _, o := range pl.Operations {
		if o.App == "aws" && o.Action == plan.Grant {
			found = true
			require.Contains(t, o.Reason, "approved by ann.lee@acme.example")
		}
	}
	require.True(t, found, "the contractor gets aws by request")

	_, err = b.tenant.AddRequest(b.ctx, policy.Request{PersonID: "E1011", App: "aws", Approver: "x", Reason: "y", ExpiresAt: now.Add(-time.Hour)})
	require.Error(t, err)
	_, err = b.tenant.AddRequest(b.ctx, policy.Request{PersonID: "E404", App: "aws", Approver: "x", Reason: "y", ExpiresAt: now.Add(time.Hour)})
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestTokensAreBoundToOneTenant(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.svc.CreateTenant(b.ctx, "globex"))
	secret, tok, err := b.svc.CreateToken(b.ctx, "acme", []string{"hr:write"}, "workday")
	require.NoError(t, err)

	_, err = b.svc.Authenticate(b.ctx, "acme", secret, "hr:write")
	require.NoError(t, err)
	_, err = b.svc.Authenticate(b.ctx, "globex", secret, "hr:write")
	require.ErrorIs(t, err, token.ErrInvalid, "a token of acme is refused at globex")
	_, err = b.svc.Authenticate(b.ctx, "acme", secret, "scim")
	require.ErrorIs(t, err, token.ErrForbidden)
	_, err = b.svc.Authenticate(b.ctx, "acme", secret[:len(secret)-1]+"x", "hr:write")
	require.ErrorIs(t, err, token.ErrInvalid)

	require.NoError(t, b.svc.RevokeToken(b.ctx, "acme", tok.ID))
	_, err = b.svc.Authenticate(b.ctx, "acme", secret, "hr:write")
	require.ErrorIs(t, err, token.ErrInvalid)

	// The secret is nowhere in the database, the audit chain included.
	var buf bytes.Buffer
	_, err = b.svc.ExportAudit(b.ctx, "acme", &buf)
	require.NoError(t, err)
	require.Contains(t, buf.String(), "token.created")
	require.NotContains(t, buf.String(), secret[len(token.Prefix)+13:])
}

func TestTamperedAuditRowIsNamed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.importFile(t, "roster-day1.csv")
	_, err := b.svc.VerifyAudit(b.ctx, "acme")
	require.NoError(t, err)

	db, err := sql.Open("sqlite", b.dbPath)
	require.NoError(t, err)
	defer db.Close()
	exec := func(q string) {
		t.Helper()
		r, err := db.Exec(q)
		require.NoError(t, err)
		n, err := r.RowsAffected()
		require.NoError(t, err)
		require.Equal(t, int64(1), n, q)
	}
	exec(`UPDATE audit SET actor = 'mallory' WHERE tenant = (SELECT key FROM tenants WHERE id = 'acme') AND seq = 7`)

	_, err = b.svc.VerifyAudit(b.ctx, "acme")
	var be *audit.BrokenError
	require.True(t, errors.As(err, &be), "got %v", err)
	require.Equal(t, int64(7), be.Seq)
	require.ErrorContains(t, err, "entry 7")

	exec(`DELETE FROM audit WHERE tenant = (SELECT key FROM tenants WHERE id = 'acme') AND seq = 3`)
	_, err = b.svc.VerifyAudit(b.ctx, "acme")
	require.True(t, errors.As(err, &be))
	require.Equal(t, int64(3), be.Seq)
}

func TestUnknownTenantIsAdvised(t *testing.T) {
	t.Parallel()
	b := setup(t)
	set := lifecycle.FromConfig(b.cfg)
	set.Tenant = "initech"
	tn, err := b.svc.Tenant(set)
	require.NoError(t, err)
	_, err = tn.Plan(b.ctx, "")
	require.ErrorContains(t, err, "tenure tenant create initech")
	_, err = tn.Pending(b.ctx)
	require.Error(t, err)
	_ = guard.Pending
}

func TestScheduledEventsFireWhenDue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.importFile(t, "roster-day1.csv")
	b.importFile(t, "roster-day2.csv") // E1020 joins 2030-01-07; E1011's contract ends 2027-02-02
	var changed [][]string
	b.svc.OnChange = func(_ context.Context, _ store.Tx, _ *lifecycle.Tenant, people []string) error {
		changed = append(changed, people)
		return nil
	}
	clock := now
	b.svc.Now = func() time.Time { return clock }

	fired, err := b.tenant.FireDue(b.ctx)
	require.NoError(t, err)
	require.Empty(t, fired, "nothing is due yet")

	clock = time.Date(2027, 2, 2, 9, 0, 0, 0, time.UTC)
	fired, err = b.tenant.FireDue(b.ctx)
	require.NoError(t, err)
	require.Len(t, fired, 1)
	require.Equal(t, "E1011", fired[0].PersonID)
	require.Equal(t, person.Leave, fired[0].Kind)
	require.Equal(t, [][]string{{"E1011"}}, changed, "the leaver's operations are queued with the firing")
	var p person.Person
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		p, err = tx.People().Get(b.ctx, "E1011")
		return err
	}))
	require.Equal(t, person.Terminated, p.Status)

	fired, err = b.tenant.FireDue(b.ctx)
	require.NoError(t, err)
	require.Empty(t, fired, "a fired event does not fire twice")

	clock = time.Date(2030, 1, 7, 0, 0, 1, 0, time.UTC)
	fired, err = b.tenant.FireDue(b.ctx)
	require.NoError(t, err)
	require.Len(t, fired, 1)
	require.Equal(t, "E1020", fired[0].PersonID)
	pl, err := b.tenant.Plan(b.ctx, "E1020")
	require.NoError(t, err)
	require.NotEmpty(t, pl.Operations, "the new joiner is planned from the start date")
	require.Equal(t, plan.Joiner, pl.People["E1020"].Class)
	_, err = b.svc.VerifyAudit(b.ctx, "acme")
	require.NoError(t, err)
}

// PlanTx gives the same plan whether it reads person by person or the
// whole tenant at once (the path a big import takes).
func TestPlanTxSmallAndBulkAgree(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.importFile(t, "roster-day1.csv")
	b.loadAccounts(t)
	b.importFile(t, "roster-day2.csv")
	ids := []string{"E1004", "E1007", "E1010", "E1019"}
	var small, bulk plan.Plan
	require.NoError(t, b.svc.Store.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		if small, err = b.tenant.PlanTx(b.ctx, tx, ids); err != nil {
			return err
		}
		many := append([]string{}, ids...)
		for i := range 600 {
			many = append(many, fmt.Sprintf("NOBODY%d", i)) // past the bulk threshold
		}
		bulk, err = b.tenant.PlanTx(b.ctx, tx, many)
		return err
	}))
	require.NotEmpty(t, small.Operations)
	require.Equal(t, small.Operations, bulk.Operations)
}
