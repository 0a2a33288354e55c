package reconcile_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/reconcile"
	"github.com/tenure-dev/tenure/store"
)

func TestParseExport(t *testing.T) {
	t.Parallel()
	got, err := reconcile.ParseExport(strings.NewReader("\ufeffUser Name,Email,Status,Entitlements,cost_center,Owner\n"+
		"ann,ann@acme.example,Active,payroll-admin; viewer,CC1,\n"+
		"svc-batch,,disabled,,,E1\n"), "accounts.csv")
	require.NoError(t, err)
	require.Equal(t, []account.Account{
		{ExternalID: "ann", UserName: "ann", State: account.Enabled, Entitlements: []string{"payroll-admin", "viewer"},
			Attributes: map[string]string{"email": "ann@acme.example", "cost_center": "CC1"}},
		{ExternalID: "svc-batch", UserName: "svc-batch", State: account.Disabled, ServiceOwner: "E1"},
	}, got)
}

func TestParseExportRejectsWholeWithLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, csv, want string }{
		{"empty", "", "accounts.csv line 1: empty export"},
		{"no id column", "email\nx@y\n", "accounts.csv line 1: no id or userName column (have: email)"},
		{"repeated column", "id,ID\n", `accounts.csv line 1: column "ID" repeats column 1`},
		{"bad status", "id,status\na,enabled\nb,maybe\n", `accounts.csv line 3: status "maybe": want enabled or disabled`},
		{"no id", "id,userName\na,\n,\n", "accounts.csv line 3: no id or userName"},
		{"duplicate", "userName\na\nb\na\n", `accounts.csv line 4: account "a" repeats line 2`},
		{"ragged", "id,email\na,b\nc\n", "accounts.csv line 3: wrong number of fields"},
		{"quote", "id\n\"a\n", "accounts.csv line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := reconcile.ParseExport(strings.NewReader(tt.csv), "accounts.csv")
			require.ErrorContains(t, err, tt.want)
			require.Nil(t, got, "nothing of a malformed export is used")
		})
	}
}

func FuzzParseExport(f *testing.F) {
	f.Add("id,userName,status,entitlements,owner\na,ann,enabled,x;y,\n")
	f.Add("userName\na\na\n")
	f.Add("id,status\n\"a\nb\",maybe\n")
	f.Fuzz(func(t *testing.T, data string) {
		got, err := reconcile.ParseExport(strings.NewReader(data), "f.csv")
		if err != nil {
			require.Nil(t, got)
			require.True(t, strings.HasPrefix(err.Error(), "f.csv"), "errors name the file: %v", err)
			return
		}
		ids := map[string]bool{}
		for _, a := range got {
			require.NotEmpty(t, a.ExternalID)
			require.False(t, ids[a.ExternalID], "ids are unique")
			ids[a.ExternalID] = true
			require.Contains(t, []account.State{account.Enabled, account.Disabled}, a.State)
		}
	})
}

// A manual app has no API: its owner's export still finds orphans, and
// what the policy asks becomes tasks for the owner.
func TestManualAppReconciledFromExport(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	b.roster(t, day1)
	accts, err := reconcile.ParseExport(strings.NewReader("userName,email,externalId\n"+
		"e1,e1@acme.example,E1\nformer-temp,temp@old.example,\n"), "payroll.csv")
	require.NoError(t, err)
	res := b.reconcile(t, "payroll", reconcile.ExportLister(accts), false)
	b.waitIdle(t)
	require.Equal(t, 1, res.Counts[account.Orphan])
	orphans := b.findings(t, store.FindingFilter{App: "payroll", Class: account.Orphan})
	require.Contains(t, orphans, "former-temp")
	require.Equal(t, "report", orphans["former-temp"].Action, "default policy reports orphans")
	// E1 has no rule granting payroll: an extra account, fixed by a task.
	drift := b.findings(t, store.FindingFilter{App: "payroll"})["e1"]
	require.Equal(t, account.Unmanaged, drift.Class)
	var got []string
	for _, tk := range b.openTasks(t) {
		if tk.App == "payroll" {
			got = append(got, tk.Action+" "+tk.Assignee)
		}
	}
	require.Contains(t, got, "disable finance@acme.example")
}
