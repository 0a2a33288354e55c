package connector_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/memory"
)

// revoker records calls and answers err.
type revoker struct {
	calls []string
	err   error
}

func (r *revoker) RevokeSessions(_ context.Context, s connector.Subject) error {
	r.calls = append(r.calls, s.PersonID)
	return r.err
}

// core is a connector with only the core methods.
type core struct{ connector.Connector }

// full is memory.App (core, groups, sessions) that also lists and
// transfers ownership.
type full struct{ *memory.App }

func (full) List(context.Context, string) ([]account.Account, string, error) { return nil, "", nil }
func (full) TransferOwnership(context.Context, account.Account, connector.Subject) error {
	return nil
}

func TestWithSessionsCallsEveryRevoker(t *testing.T) {
	t.Parallel()
	app := memory.New("app")
	app.Seed(account.Account{PersonID: "E1", ExternalID: "x1", State: account.Enabled}, 2)
	a, b := &revoker{}, &revoker{}
	c := connector.WithSessions(full{app}, a, b)
	sr, ok := c.(connector.SessionRevoker)
	require.True(t, ok)
	require.NoError(t, sr.RevokeSessions(t.Context(), connector.Subject{PersonID: "E1"}))
	require.Equal(t, []string{"E1"}, a.calls)
	require.Equal(t, []string{"E1"}, b.calls)
	require.Equal(t, 1, app.Calls("revoke-sessions E1"), "the core's own revoker runs too")

	_, isG := c.(connector.GroupManager)
	_, isL := c.(connector.Lister)
	_, isO := c.(connector.OwnershipTransferer)
	require.True(t, isG && isL && isO, "the core's capabilities are kept")
	acc, err := c.Read(t.Context(), connector.Subject{PersonID: "E1"})
	require.NoError(t, err)
	require.Equal(t, "x1", acc.ExternalID)
}

func TestWithSessionsKeepsOnlyRealCapabilities(t *testing.T) {
	t.Parallel()
	c := connector.WithSessions(core{memory.New("app")}, &revoker{})
	_, isSR := c.(connector.SessionRevoker)
	_, isG := c.(connector.GroupManager)
	_, isL := c.(connector.Lister)
	require.True(t, isSR)
	require.False(t, isG || isL, "no capability the core lacks")
	g := connector.WithSessions(memory.New("app"), &revoker{})
	_, isG = g.(connector.GroupManager)
	_, isL = g.(connector.Lister)
	require.True(t, isG && isL, "the memory connector manages groups and lists: both kept")
	plain := core{memory.New("app")}
	require.Equal(t, connector.Connector(plain), connector.WithSessions(plain))
}

func TestWithSessionsErrors(t *testing.T) {
	t.Parallel()
	perm := connector.NewPermanent(errors.New("401"), "bad token")
	retry := connector.NewRetryable(errors.New("502"))
	limited := connector.NewRateLimited(errors.New("429"), 30*time.Second)
	for _, tc := range []struct {
		name  string
		errs  []error
		class connector.Class
		wait  time.Duration
	}{
		{"one permanent, others fine", []error{nil, perm}, connector.Permanent, 0},
		{"all permanent", []error{perm, perm}, connector.Permanent, 0},
		{"permanent and retryable: retry", []error{perm, retry}, connector.Retryable, 0},
		{"rate limited wins with its wait", []error{retry, limited}, connector.RateLimited, 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var rs []connector.SessionRevoker
			var all []*revoker
			for _, e := range tc.errs {
				r := &revoker{err: e}
				rs, all = append(rs, r), append(all, r)
			}
			c := connector.WithSessions(core{memory.New("app")}, rs...)
			err := c.(connector.SessionRevoker).RevokeSessions(t.Context(), connector.Subject{PersonID: "E1"})
			class, wait := connector.Classify(err)
			require.Equal(t, tc.class, class)
			require.Equal(t, tc.wait, wait)
			for _, r := range all {
				require.Len(t, r.calls, 1, "every revoker is called despite failures")
			}
			if tc.class == connector.Permanent && len(tc.errs) > 1 && tc.errs[0] != nil {
				var ce *connector.Error
				require.ErrorAs(t, err, &ce)
				require.Equal(t, "bad token\nbad token", ce.Detail)
			}
		})
	}
}
