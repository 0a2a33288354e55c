package e2e

import (
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/connector"
	scimconn "github.com/tenure-dev/tenure/connector/scim"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/sla"
)

// Tenant "acme" provisions GitHub-like access into tenant "apps" of the same
// server — Tenure's own SCIM provider as the downstream app — through a
// proxy that fails 30 % of requests (429 with Retry-After, 500, timeouts,
// dropped connections). Joiners, a mover and a leaver all converge; nobody
// is duplicated; the known state ends equal to the app's real state.
func TestSCIMProvisioningConvergesThroughFaults(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end to end")
	}
	w := newWorld(t, map[string]time.Duration{"github": 15 * time.Minute}, nil)
	base, tok := w.appTenant(t, "apps")
	target, _ := url.Parse(w.srv.URL)
	faults := NewFaultProxy(target, 0.3, 7)
	faults.Slow = 1500 * time.Millisecond
	proxy := httptest.NewServer(faults)
	t.Cleanup(proxy.Close)
	conn, err := scimconn.New(w.ctx, scimconn.Config{BaseURL: proxy.URL + "/t/apps/scim/v2", Token: tok,
		Timeout: 500 * time.Millisecond, AllowLoopback: true})
	require.NoError(t, err)
	w.start(t, map[string]connector.Connector{"github": conn}, 20*time.Millisecond, nil)

	rows := w.day1(t, 12)
	w.day2(t, rows)
	w.requireConverged(t, base, tok)
	for _, kind := range []string{"429", "500", "slow", "drop"} {
		require.Positive(t, faults.Injected[kind], "fault %s was exercised", kind)
	}
	t.Logf("faults injected: %v", faults.Injected)
}

// stepClock is a clock that moves only when told to.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// A leaver's removal whose writes keep failing is retried until it is
// verified, and when those retries outlast the tier's deadline the leaver
// clock records a breach; the same leaver's removal from an app that
// answered at once meets its deadline. Each failed write costs four
// minutes on an injected clock (what a real backoff schedule would spend),
// so the outcome does not depend on how fast the machine is.
func TestSLABreachRecordedWhenRetriesOutlastTheDeadline(t *testing.T) {
	t.Parallel()
	clk := &stepClock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	w := newWorld(t, map[string]time.Duration{"github": 10 * time.Minute, "wiki": time.Hour}, clk.Now)
	ghBase, ghTok := w.appTenant(t, "github-app")
	wikiBase, wikiTok := w.appTenant(t, "wiki-app")
	target, _ := url.Parse(w.srv.URL)
	fail := NewFailWrites(target)
	fail.OnFault = func() { clk.Add(4 * time.Minute) }
	proxy := httptest.NewServer(fail)
	t.Cleanup(proxy.Close)
	gh, err := scimconn.New(w.ctx, scimconn.Config{BaseURL: proxy.URL + "/t/github-app/scim/v2", Token: ghTok, AllowLoopback: true})
	require.NoError(t, err)
	wiki, err := scimconn.New(w.ctx, scimconn.Config{BaseURL: wikiBase, Token: wikiTok, AllowLoopback: true})
	require.NoError(t, err)
	w.start(t, map[string]connector.Connector{"github": gh, "wiki": wiki}, time.Millisecond, clk.Now)

	rows := w.day1(t, 4)
	// Day 2: E02 leaves; github fails the next 5 writes (500, then dropped
	// connections), each a retried attempt.
	fail.Arm(5)
	rows[2].Person.Terminated = true
	_, err = w.acme.Import(w.ctx, rows[:4], lifecycle.ImportOptions{Source: "day2", Full: true})
	require.NoError(t, err)
	w.idle(t)
	require.Equal(t, 5, fail.Injected(), "every armed fault was met")

	// Both removals are verified in the apps themselves.
	for _, app := range []struct{ base, tok string }{{ghBase, ghTok}, {wikiBase, wikiTok}} {
		u := scimDo(t, app.base, app.tok, "GET", `/Users?filter=externalId%20eq%20%22E02%22`, "")
		res := u["Resources"].([]any)
		require.Len(t, res, 1)
		require.Equal(t, false, res[0].(map[string]any)["active"])
	}
	rep, err := w.acme.SLA(w.ctx)
	require.NoError(t, err)
	require.Empty(t, rep.Open, "both removals are verified")
	byApp := map[string]sla.Clock{}
	clocks, err := w.acme.Clocks(w.ctx)
	require.NoError(t, err)
	for _, c := range clocks {
		require.Equal(t, "E02", c.PersonID)
		byApp[c.App] = c
	}
	require.Len(t, byApp, 2)
	gc := byApp["github"]
	require.Equal(t, "verified:disable", gc.StoppedBy)
	require.True(t, gc.Breached(rep.At), "retries outlasted github's 10m deadline: %s", gc.Elapsed(rep.At))
	require.GreaterOrEqual(t, gc.Elapsed(rep.At), 20*time.Minute, "five failed writes at four minutes each")
	require.False(t, byApp["wiki"].Breached(rep.At), "wiki answered at once: %s of its hour", byApp["wiki"].Elapsed(rep.At))
	require.Len(t, rep.Breached, 1)
	require.Equal(t, "github", rep.Breached[0].App, "the breach is recorded in the report")
}
