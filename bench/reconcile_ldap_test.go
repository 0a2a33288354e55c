package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/ldap"
	"github.com/tenure-dev/tenure/connector/ldap/ldaptest"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/reconcile"
)

// The LDAP reconciliation benchmark: one directory (a real slapd, filled
// with slapadd) of n entries laid out as the SCIM benchmark's app
// (planted): 0.5 % ghosts, 0.5 % orphans (no employeeNumber, a foreign
// mail), and 1 % drift — 0.5 % taken out of the "staff" group the policy
// grants, 0.25 % put into an extra "admins" group and 0.25 % with a
// changed mail. The roster and the known state (what the directory held
// before it drifted) are written as for SCIM; the policy grants the
// "staff" group.

// ldapID is the entryUUID of entry i (orphans follow the people), set by
// the seed so the known state can name it.
func ldapID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

func ldapDN(uid string) string { return "uid=" + uid + "," + ldaptest.PeopleDN }

// ldapDrift is how person i's entry drifted: "missing" (not in staff),
// "admins" (an extra group), "mail" (a changed mail) or "".
func (p planted) ldapDrift(i int) string {
	switch p.class(i) {
	case "attr":
		return "missing"
	case "extra":
		if (i/p.stride)%2 == 0 {
			return "admins"
		}
		return "mail"
	}
	return ""
}

func ldapSettings() lifecycle.Settings {
	s := reconcileSettings()
	s.Policy.Roles = []policy.Role{{ID: "staff", Grants: []policy.RoleGrant{{App: "app", Entitlement: "staff"}}}}
	return s
}

// ldapKnown is person i's entry as Tenure last saw it, before the drift:
// the attributes and groups the connector lists.
func ldapKnown(i int, pe person.Person) account.Account {
	return account.Account{App: "app", ExternalID: ldapID(i), PersonID: pe.ID, UserName: pe.Email,
		State: account.Enabled, Entitlements: []string{"staff"},
		Attributes: map[string]string{"dn": ldapDN(pe.Email), "email": pe.Email, "userName": pe.Email,
			"givenName": pe.GivenName, "familyName": pe.FamilyName, "displayName": pe.Name()}}
}

// ldapSeed writes the planted directory as LDIF; with memberOf each entry
// also carries the memberOf values the overlay would keep (slapadd runs no
// overlays).
func ldapSeed(p planted, memberOf bool) func(io.Writer) error {
	staff, admins := "cn=staff,"+ldaptest.GroupsDN, "cn=admins,"+ldaptest.GroupsDN
	return func(w io.Writer) error {
		var members, extra []string
		for i := range p.people {
			pe := benchPerson(i)
			mail, groups := pe.Email, []string{}
			switch p.ldapDrift(i) {
			case "missing":
			case "admins":
				groups = []string{staff, admins}
			case "mail":
				mail, groups = "changed."+pe.Email, []string{staff}
			default:
				groups = []string{staff}
			}
			if slices.Contains(groups, staff) {
				members = append(members, ldapDN(pe.Email))
			}
			if slices.Contains(groups, admins) {
				extra = append(extra, ldapDN(pe.Email))
			}
			mo := ""
			if memberOf {
				for _, g := range groups {
					mo += "memberOf: " + g + "\n"
				}
			}
			if _, err := fmt.Fprintf(w, "dn: %s\nobjectClass: inetOrgPerson\nentryUUID: %s\nuid: %s\ncn: %s\ndisplayName: %s\ngivenName: %s\nsn: %s\nmail: %s\nemployeeNumber: %s\n%s\n",
				ldapDN(pe.Email), ldapID(i), pe.Email, pe.Name(), pe.Name(), pe.GivenName, pe.FamilyName, mail, pe.ID, mo); err != nil {
				return err
			}
		}
		for j := range p.k {
			uid := fmt.Sprintf("orphan%05d", j)
			if _, err := fmt.Fprintf(w, "dn: %s\nobjectClass: inetOrgPerson\nentryUUID: %s\nuid: %s\ncn: Orphan %d\nsn: Orphan\nmail: %s@elsewhere.example\n\n",
				ldapDN(uid), ldapID(p.people+j), uid, j, uid); err != nil {
				return err
			}
		}
		for dn, ms := range map[string][]string{staff: members, admins: extra} {
			cn := strings.TrimPrefix(strings.Split(dn, ",")[0], "cn=")
			if _, err := fmt.Fprintf(w, "dn: %s\nobjectClass: groupOfNames\ncn: %s\nmember: %s\n\n", dn, cn, strings.Join(ms, "\nmember: ")); err != nil {
				return err
			}
		}
		return nil
	}
}

// checkLDAPDrift fails unless each drift finding says what was planted.
func checkLDAPDrift(p planted, r *reconcile.Result) error {
	index := map[string]int{}
	for i := range p.people {
		index[ldapID(i)] = i
	}
	for _, f := range r.Findings {
		if f.Class != account.Drift {
			continue
		}
		i := index[f.ExternalID]
		var ok bool
		switch p.ldapDrift(i) {
		case "missing":
			ok = slices.Equal(f.Missing, []string{"staff"}) && len(f.Extra)+len(f.Attributes) == 0
		case "admins":
			ok = slices.Equal(f.Extra, []string{"admins"}) && len(f.Missing)+len(f.Attributes) == 0
		case "mail":
			ok = len(f.Attributes) == 1 && strings.HasPrefix(f.Attributes[0], "email: changed.") && len(f.Missing)+len(f.Extra) == 0
		}
		if !ok {
			return fmt.Errorf("%s (planted %q): drift %q", f.ExternalID, p.ldapDrift(i), f.Detail)
		}
	}
	return nil
}

// ldapRun is one reconciliation of the planted directory on a fresh
// database, with the reconciler's peak memory.
type ldapRun struct {
	out       *reconcile.Result
	res       Result
	peakHeap  uint64 // highest HeapAlloc after each page and at the end
	peakRSS   int64  // VmHWM, reset just before the run; 0 if it cannot be reset
	baseRSS   int64  // resident when it was reset (the test binary, the runtime)
	prepare   time.Duration
	reconcile time.Duration
	listing   time.Duration // of reconcile, in the connector's List
}

// sampledLister reads the Go heap after every page, and adds up the time
// spent waiting for pages.
type sampledLister struct {
	l       connector.Lister
	peak    uint64
	listing time.Duration
}

func (s *sampledLister) List(ctx context.Context, cursor string) ([]account.Account, string, error) {
	start := time.Now()
	page, next, err := s.l.List(ctx, cursor)
	s.listing += time.Since(start)
	s.sample()
	return page, next, err
}

func (s *sampledLister) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.peak = max(s.peak, ms.HeapAlloc)
}

// reconcileLDAP prepares a database in dir and reconciles srv's directory;
// a benchmark's timer (b, or nil) runs for the reconciliation only.
func reconcileLDAP(ctx context.Context, b *testing.B, dir string, p planted, srv *ldaptest.Server, memberOf bool) (ldapRun, error) {
	var run ldapRun
	start := time.Now()
	if err := prepareReconcileDB(ctx, dir, p, time.Now().UTC(), ldapSettings(), ldapKnown); err != nil {
		return run, err
	}
	run.prepare = time.Since(start)
	cfg := ldap.Config{URL: srv.URL, BindDN: ldaptest.RootDN, BindPassword: srv.RootPW,
		UserBaseDN: ldaptest.PeopleDN, GroupBaseDN: ldaptest.GroupsDN, Logger: slog.New(slog.DiscardHandler)}
	if memberOf {
		cfg.MemberOfAttr = "memberOf"
	}
	// What preparing left behind goes back to the OS, and the high-water
	// mark restarts from here (writing 5 to clear_refs resets VmHWM).
	runtime.GC()
	debug.FreeOSMemory()
	hwmReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	if hwmReset {
		run.baseRSS = peakRSS() // the mark starts at what is resident now
	}
	if b != nil {
		b.StartTimer()
	}
	start = time.Now()
	conn, err := ldap.New(ctx, cfg)
	if err != nil {
		return run, err
	}
	defer conn.Close()
	l := &sampledLister{l: conn}
	run.out, err = runReconcile(ctx, dir, ldapSettings(), l, &run.res, "reconcile (paged search, classify, apply, queue)")
	run.reconcile = time.Since(start)
	if b != nil {
		b.StopTimer()
	}
	l.sample()
	run.peakHeap, run.listing = l.peak, l.listing
	if hwmReset {
		run.peakRSS = peakRSS()
	}
	if err != nil {
		return run, err
	}
	if err := checkPlanted(p, run.out, ldapID); err != nil {
		return run, err
	}
	return run, checkLDAPDrift(p, run.out)
}

func ldapServer(t testing.TB, p planted, memberOf bool) *ldaptest.Server {
	opts := ldaptest.Options{Seed: ldapSeed(p, memberOf)}
	if memberOf {
		opts.MemberOf = "groupOfNames"
	}
	return ldaptest.Start(t, opts)
}

// TestReconcileLDAP reconciles a real directory of 2,000 entries with the
// benchmark's planted differences: every one is found, as the class it
// was planted as and with the drift it was planted with, and nothing else
// is flagged; entitlements read both by searching the groups and from
// memberOf.
func TestReconcileLDAP(t *testing.T) {
	t.Parallel()
	ldaptest.Require(t)
	p, err := newPlanted(2000)
	require.NoError(t, err)
	for name, memberOf := range map[string]bool{"group-search": false, "memberOf": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := ldapServer(t, p, memberOf)
			run, err := reconcileLDAP(t.Context(), nil, t.TempDir(), p, srv, memberOf)
			require.NoError(t, err)
			require.Equal(t, 2000, run.out.Seen)
			require.Equal(t, map[account.Class]int{account.InSync: 1960, account.Ghost: 10, account.Orphan: 10, account.Drift: 20}, run.out.Counts)
			require.Positive(t, run.out.Queued, "the ghosts' disables and the drift fixes are queued")
		})
	}
}

// BenchmarkReconcileLDAP reconciles a real slapd of 20,000 entries (19,900
// people, 100 orphans, 100 ghosts, 200 drifted) with the default policy,
// each iteration on a freshly prepared database (untimed), failing unless
// the findings are exactly the planted ones. Besides the time it reports
// the reconciler's peak Go heap (HeapAlloc after every page) and its peak
// RSS (VmHWM reset before the run), and slapd's RSS.
//
//	TENURE_TEST_SLAPD=1 go test ./bench -run '^$' -bench ReconcileLDAP -benchtime 1x -count 3
func BenchmarkReconcileLDAP(b *testing.B) {
	p, err := newPlanted(20000)
	require.NoError(b, err)
	b.Run("group-search", func(b *testing.B) { benchReconcileLDAP(b, p, false) })
	b.Run("memberOf", func(b *testing.B) { benchReconcileLDAP(b, p, true) })
}

func benchReconcileLDAP(b *testing.B, p planted, memberOf bool) {
	t0 := time.Now()
	srv := ldapServer(b, p, memberOf)
	b.Logf("slapadd of %d entries + start: %s", p.people+p.k, time.Since(t0).Round(time.Millisecond))
	var peakHeap uint64
	var peakRSS int64
	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		run, err := reconcileLDAP(b.Context(), b, b.TempDir(), p, srv, memberOf)
		require.NoError(b, err)
		b.Logf("prepare %s, reconcile %s (listing %s): %s; peak heap %.1f MB, peak RSS %.1f MB (%.1f MB at the start)", run.prepare.Round(time.Millisecond),
			run.reconcile.Round(time.Millisecond), run.listing.Round(time.Millisecond), run.res.Steps[0].Note,
			float64(run.peakHeap)/(1<<20), float64(run.peakRSS)/(1<<20), float64(run.baseRSS)/(1<<20))
		peakHeap, peakRSS = max(peakHeap, run.peakHeap), max(peakRSS, run.peakRSS)
	}
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
	if peakRSS > 0 {
		b.ReportMetric(float64(peakRSS)/(1<<20), "peak-rss-MB")
	}
	if hwm := procHWM(fmt.Sprintf("/proc/%d/status", srv.Pid())); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<20), "slapd-rss-MB")
	}
}
