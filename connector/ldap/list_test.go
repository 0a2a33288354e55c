package ldap

import (
	"context"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/ldap/ldaptest"
)

// seedPeople writes n people u00000…, every tenth locked, and groups:
// "all" holds everyone, "team-0".."team-2" hold i%3, "odd" the odd ones.
// With memberOf, each person lists their groups in memberOf, as the
// memberof overlay would have (slapadd does not run it).
func seedPeople(n int, style GroupStyle, memberOf bool) func(io.Writer) error {
	return func(w io.Writer) error {
		for i := range n {
			uid := fmt.Sprintf("u%05d", i)
			lock := ""
			if i%10 == 0 {
				lock = "pwdAccountLockedTime: " + DefaultLockValue + "\n"
			}
			if memberOf {
				for _, g := range wantEntitlements(i) {
					lock += "memberOf: cn=" + g + "," + ldaptest.GroupsDN + "\n"
				}
			}
			if _, err := fmt.Fprintf(w, "dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: User %d\nsn: %d\nmail: %s@acme.example\nemployeeNumber: E%05d\n%s\n",
				uid, ldaptest.PeopleDN, uid, i, i, uid, i, lock); err != nil {
				return err
			}
		}
		groups := map[string]func(int) bool{
			"all":    func(int) bool { return true },
			"team-0": func(i int) bool { return i%3 == 0 },
			"team-1": func(i int) bool { return i%3 == 1 },
			"team-2": func(i int) bool { return i%3 == 2 },
			"odd":    func(i int) bool { return i%2 == 1 },
		}
		for name, in := range groups {
			if _, err := fmt.Fprintf(w, "dn: cn=%s,%s\nobjectClass: %s\ncn: %s\n", name, ldaptest.GroupsDN, style, name); err != nil {
				return err
			}
			for i := range n {
				if in(i) {
					if _, err := fmt.Fprintf(w, "%s: uid=u%05d,%s\n", style.memberAttr(), i, ldaptest.PeopleDN); err != nil {
						return err
					}
				}
			}
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		return nil
	}
}

// wantEntitlements is what seedPeople gives person i.
func wantEntitlements(i int) []string {
	out := []string{"all", fmt.Sprintf("team-%d", i%3)}
	if i%2 == 1 {
		out = append(out, "odd")
	}
	slices.Sort(out)
	return out
}

// checkListing verifies a full listing of seedPeople(n).
func checkListing(t *testing.T, all []account.Account, n int) {
	t.Helper()
	require.Len(t, all, n)
	seen := map[string]bool{}
	for _, a := range all {
		require.False(t, seen[a.ExternalID], "duplicate %s", a.ExternalID)
		seen[a.ExternalID] = true
		checkSeeded(t, a)
	}
}

// checkSeeded verifies one account of seedPeople against its number.
func checkSeeded(t testing.TB, a account.Account) {
	t.Helper()
	var i int
	_, err := fmt.Sscanf(a.UserName, "u%05d", &i)
	require.NoError(t, err, a.UserName)
	require.Equal(t, fmt.Sprintf("E%05d", i), a.PersonID)
	require.Equal(t, wantEntitlements(i), a.Entitlements, a.UserName)
	require.Equal(t, a.UserName+"@acme.example", a.Attributes["email"])
	require.Equal(t, fmt.Sprintf("User %d", i), a.Attributes["displayName"])
	want := account.Enabled
	if i%10 == 0 {
		want = account.Disabled
	}
	require.Equal(t, want, a.State, a.UserName)
}

func TestListPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		style    GroupStyle
		memberOf bool
	}{
		{GroupOfNames, false},
		{GroupOfUniqueNames, false},
		{GroupOfNames, true},
		{GroupOfUniqueNames, true},
	}
	for _, tt := range tests {
		name := string(tt.style)
		opts := ldaptest.Options{Seed: seedPeople(250, tt.style, tt.memberOf)}
		if tt.memberOf {
			name += "/memberOf"
			opts.MemberOf = string(tt.style)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{
				server: opts,
				config: func(c *Config) {
					c.PageSize, c.GroupStyle = 100, tt.style
					if tt.memberOf {
						c.MemberOfAttr = "memberOf"
					}
				},
			})
			ctx := context.Background()
			var all []account.Account
			var sizes []int
			cursor := ""
			for {
				page, next, err := b.conn.List(ctx, cursor)
				require.NoError(t, err)
				sizes = append(sizes, len(page))
				all = append(all, page...)
				if next == "" {
					break
				}
				require.NotEqual(t, cursor, next)
				cursor = next
			}
			require.Equal(t, []int{100, 100, 50}, sizes)
			checkListing(t, all, 250)
		})
	}
}

func TestListSurvivesALostConnection(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{
		server: ldaptest.Options{Seed: seedPeople(250, GroupOfNames, false)},
		config: func(c *Config) { c.PageSize = 100 },
	})
	ctx := context.Background()
	page, next, err := b.conn.List(ctx, "")
	require.NoError(t, err)
	all := page
	// The connection that issued the cookie goes away; so does the
	// operations connection.
	b.conn.Close()
	for next != "" {
		page, next, err = b.conn.List(ctx, next)
		require.NoError(t, err)
		all = append(all, page...)
	}
	checkListing(t, all, 250)

	// A cursor from another connection generation (an earlier process)
	// resumes by skipping, too.
	_, second, err := b.conn.List(ctx, "")
	require.NoError(t, err)
	k, err := parseCursor(second)
	require.NoError(t, err)
	k.gen--
	rest, _, err := b.conn.List(ctx, k.String())
	require.NoError(t, err)
	require.Len(t, rest, 100)
	require.Equal(t, "u00100", rest[0].UserName)
}

func TestListRejectsForeignCursors(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	for _, bad := range []string{"2", "v1.x.1.0.", "v1.9.1.0.", "v2.0.0.0.", "v1.0.1.-5.AA"} {
		_, _, err := b.conn.List(context.Background(), bad)
		requireClass(t, err, connector.Permanent)
	}
}

func FuzzParseCursor(f *testing.F) {
	f.Add("")
	f.Add("v1.0.1733300000000000000.100.AAEC")
	f.Add("v1.1.2.3.")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := parseCursor(s)
		if err != nil || s == "" {
			return
		}
		again, err := parseCursor(k.String())
		require.NoError(t, err)
		require.Equal(t, k, again)
	})
}

func TestInterleavedListings(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{
		server: ldaptest.Options{Seed: seedPeople(250, GroupOfNames, false)},
		config: func(c *Config) { c.PageSize = 100 },
	})
	ctx := context.Background()
	// Two reconciliations take turns on the one listing connection: each
	// new paged search ends the other's on OpenLDAP, and both must still
	// see every entry exactly once.
	var all [2][]account.Account
	cursors := [2]string{"", ""}
	done := [2]bool{}
	for !done[0] || !done[1] {
		for i := range 2 {
			if done[i] {
				continue
			}
			page, next, err := b.conn.List(ctx, cursors[i])
			require.NoError(t, err)
			all[i] = append(all[i], page...)
			cursors[i], done[i] = next, next == ""
		}
	}
	checkListing(t, all[0], 250)
	checkListing(t, all[1], 250)
}

func TestConcurrentEnsure(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	errs := make(chan error, 20)
	for i := range 20 {
		go func() {
			_, err := b.conn.Ensure(ctx, connector.Subject{PersonID: fmt.Sprintf("E%d", i), UserName: fmt.Sprintf("p%d", i), FamilyName: "P"})
			errs <- err
		}()
	}
	for range 20 {
		require.NoError(t, <-errs)
	}
	require.Equal(t, 20, b.count(t, ldaptest.PeopleDN, "(objectClass=inetOrgPerson)"))
}

// The engine runs a joiner's create and grant on different workers, and a
// grant ensures the account too: two Ensures of one person at once end
// with one entry, both succeeding, never a conflict handed to a human.
func TestConcurrentEnsureOfOnePerson(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	for round := range 5 {
		s := connector.Subject{PersonID: fmt.Sprintf("R%d", round), UserName: fmt.Sprintf("r%d", round), FamilyName: "R"}
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				_, err := b.conn.Ensure(ctx, s)
				errs <- err
			}()
		}
		for range 4 {
			require.NoError(t, <-errs)
		}
	}
	require.Equal(t, 5, b.count(t, ldaptest.PeopleDN, "(objectClass=inetOrgPerson)"))
}

// Joiners granted one group at once, on parallel workers, while the group
// holds only its placeholder: every grant lands, none is handed to a human.
func TestConcurrentGrantsToOneGroup(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx := context.Background()
	b.group(t, GroupOfNames, "empty")
	subjects := make([]connector.Subject, 6)
	for i := range subjects {
		subjects[i] = connector.Subject{PersonID: fmt.Sprintf("G%d", i), UserName: fmt.Sprintf("g%d", i), FamilyName: "G"}
		_, err := b.conn.Ensure(ctx, subjects[i])
		require.NoError(t, err)
	}
	errs := make(chan error, len(subjects))
	for _, s := range subjects {
		go func() { errs <- b.conn.Grant(ctx, s, "empty") }()
	}
	for range subjects {
		require.NoError(t, <-errs)
	}
	for _, s := range subjects {
		acc, err := b.conn.Read(ctx, s)
		require.NoError(t, err)
		require.Contains(t, acc.Entitlements, "empty")
	}
}
