package signal_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/signal"
	"github.com/tenure-dev/tenure/sla"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/task"
)

const carla = "E1003" // carla.diaz@acme.example, on the day-1 roster

// TestLeaverIsSignalledEverywhere: one HR leave event produces, through
// the same transaction, the CAEP/RISC SETs for the push and the poll
// stream subscribed to the person (verified by a strict receiver on
// lestrrat-go/jwx against the published JWKS) and a back-channel logout
// to every relying party (verified with coreos/go-oidc); all audited and
// on the leaver clock.
func TestLeaverIsSignalledEverywhere(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]option{"sqlite": nil, "postgres": {onPostgres}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			leaverSignalledEverywhere(t, setup(t, opts...))
		})
	}
}

func leaverSignalledEverywhere(t *testing.T, b *testBundle) {
	var rps []*relyingParty
	var apps []signal.LogoutApp
	for i := range 3 {
		rp := newRelyingParty(t, b, fmt.Sprintf("client-%d", i))
		rps = append(rps, rp)
		apps = append(apps, rp.app(fmt.Sprintf("rp%d", i)))
	}
	b.set.LogoutApps = apps
	rps[1].fail.Store(2) // fails the first delivery to all, then one retry of its own

	push := newReceiver(b, "https://receiver-1.example")
	pushSrv := newServer(t, push)
	pushID := b.createStream(t, b.ssf, fmt.Sprintf(`{"aud": "https://receiver-1.example", "events_requested": %s,
		"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q}}`, allEvents(), pushSrv+"/events"))
	b.addSubject(t, b.ssf, pushID, `{"format": "email", "email": "Carla.Diaz@acme.example"}`)

	pollID := b.createStream(t, b.ssf2, fmt.Sprintf(`{"events_requested": %s, "delivery": {"method": "urn:ietf:rfc:8936"}}`, allEvents()))
	b.addSubject(t, b.ssf2, pollID, `{"format": "opaque", "id": "E1003"}`)
	poll := newReceiver(b, b.issuer()+"/ssf/streams/"+pollID)

	b.hrEvent(t, leave(carla))

	want := []string{signal.EventSessionRevoked, signal.EventCredentialChange, signal.EventAccountDisabled}
	var pushed []receivedSET
	for range want {
		pushed = append(pushed, push.next(t))
	}
	var events []string
	txn := pushed[0].Claims["txn"]
	for _, s := range pushed {
		events = append(events, s.Event)
		require.Equal(t, txn, s.Claims["txn"], "one leaver's SETs share a txn")
		require.Equal(t, map[string]any{"format": "email", "email": "carla.diaz@acme.example"}, s.subID())
		payload := s.Claims["events"].(map[string]any)[s.Event].(map[string]any)
		require.NotEmpty(t, payload["reason_admin"].(map[string]any)["en"])
		require.NotNil(t, payload["event_timestamp"])
	}
	require.ElementsMatch(t, want, events)

	// The poll receiver gets the same three, by opaque id.
	out := b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/poll/"+pollID, b.ssf2, `{"maxEvents": 10, "returnImmediately": true}`)
	sets := out["sets"].(map[string]any)
	require.Len(t, sets, 3)
	var acks []string
	for jti, tok := range sets {
		s, err := poll.verify(b.ctx, tok.(string))
		require.NoError(t, err)
		require.Equal(t, jti, s.Claims["jti"])
		require.Equal(t, map[string]any{"format": "opaque", "id": carla}, s.subID())
		require.Equal(t, txn, s.Claims["txn"])
		acks = append(acks, jti)
	}
	// Unacknowledged, they are still there.
	require.Equal(t, 3, b.outbox(t, pollID))
	ackBody := fmt.Sprintf(`{"ack": ["%s", "%s", "%s"], "returnImmediately": true}`, acks[0], acks[1], acks[2])
	out = b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/poll/"+pollID, b.ssf2, ackBody)
	require.Empty(t, out["sets"])
	require.Zero(t, b.outbox(t, pollID))

	for _, rp := range rps {
		tok := rp.next(t)
		require.Equal(t, "carla.diaz@acme.example", tok.Subject)
		require.Equal(t, []string{rp.clientID}, tok.Audience)
		require.Equal(t, b.issuer(), tok.Issuer)
		var claims map[string]any
		require.NoError(t, tok.Claims(&claims))
		require.NotContains(t, claims, "nonce")
		require.NotContains(t, claims, "sid")
		require.NotEmpty(t, claims["jti"])
	}

	// Evidence: queued in the leave's transaction, delivered, clocks stopped.
	waitFor(t, func() bool {
		c := b.clocks(t)
		open := 0
		for _, k := range c {
			if k.PersonID == carla && (k.App == signal.ClockApp(pushID) || k.App == signal.ClockApp(pollID) || k.App[:4] == "bcl:") && k.Open() {
				open++
			}
		}
		return open == 0 && len(c) > 0
	})
	names := b.auditActions(t)
	require.Contains(t, names, "signal.queued")
	require.Contains(t, names, "signal.delivered")
	require.Contains(t, names, "signal.acknowledged")
	require.Contains(t, names, "signal.logout.delivered")
	require.Zero(t, push.rejected.Load())
	var stopped []string
	for _, c := range b.clocks(t) {
		if c.PersonID == carla && !c.Open() && (c.App == signal.ClockApp(pushID) || c.App == signal.ClockApp(pollID) || c.App == signal.LogoutClockApp("rp0")) {
			stopped = append(stopped, c.App)
		}
	}
	require.ElementsMatch(t, []string{signal.ClockApp(pushID), signal.ClockApp(pollID), signal.LogoutClockApp("rp0")}, stopped)
}

// TestLeaveOfAbsenceAndReturn: a leave of absence revokes sessions and
// disables (no credential change), and the return enables again.
func TestLeaveOfAbsenceAndReturn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rp := newRelyingParty(t, b, "wiki")
	b.set.LogoutApps = []signal.LogoutApp{rp.app("wiki")}
	push := newReceiver(b, "r1")
	id := b.createStream(t, b.ssf, fmt.Sprintf(`{"aud": "r1", "events_requested": %s, "subject_format": "iss_sub",
		"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q}}`, allEvents(), newServer(t, push)))
	b.addSubject(t, b.ssf, id, fmt.Sprintf(`{"format": "iss_sub", "iss": %q, "sub": "E1003"}`, b.issuer()))

	b.hrEvent(t, onLeave(carla))
	got := []string{push.next(t).Event, push.next(t).Event}
	require.ElementsMatch(t, []string{signal.EventSessionRevoked, signal.EventAccountDisabled}, got)
	require.Equal(t, "carla.diaz@acme.example", rp.next(t).Subject, "a leave of absence ends sessions too")
	b.hrEvent(t, back(carla))
	s := push.next(t)
	require.Equal(t, signal.EventAccountEnabled, s.Event)
	require.Equal(t, map[string]any{"format": "iss_sub", "iss": b.issuer(), "sub": carla}, s.subID())
	select {
	case extra := <-push.got:
		t.Fatalf("unexpected SET %s", extra.Event)
	default:
	}
}

// TestRehireEnables: a rehire after a leave sends account-enabled.
func TestRehireEnables(t *testing.T) {
	t.Parallel()
	b := setup(t, withAllSubjects())
	push := newReceiver(b, "r1")
	b.createStream(t, b.ssf, fmt.Sprintf(`{"aud": "r1", "events_requested": ["%s"],
		"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q}}`, signal.EventAccountEnabled, newServer(t, push)))
	b.hrEvent(t, leave(carla)) // not requested: nothing
	b.hrEvent(t, back(carla))
	s := push.next(t)
	require.Equal(t, signal.EventAccountEnabled, s.Event)
	require.Equal(t, "carla.diaz@acme.example", s.subID()["email"], "default_subjects ALL: everyone, by email")
}

// TestScheduledLeaveSignalsWhenItFires: a leave dated in the future is
// signalled when it takes effect, not when HR announces it.
func TestScheduledLeaveSignalsWhenItFires(t *testing.T) {
	t.Parallel()
	b := setup(t)
	push := newReceiver(b, "r1")
	id := b.createStream(t, b.ssf, fmt.Sprintf(`{"aud": "r1", "events_requested": ["%s"],
		"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q}}`, signal.EventSessionRevoked, newServer(t, push)))
	b.addSubject(t, b.ssf, id, `{"format": "opaque", "id": "E1003"}`)
	end := time.Now().Add(48 * time.Hour).UTC().Format("2006-01-02")
	b.hrEvent(t, fmt.Sprintf(`{"id": "ev-sched", "employeeId": "E1003", "endDate": %q}`, end))
	require.Zero(t, b.outbox(t, id), "nothing is signalled before the leave takes effect")
	b.skew.Store(int64(72 * time.Hour))
	fired, err := b.tn.FireDue(b.ctx)
	require.NoError(t, err)
	require.Len(t, fired, 1)
	s := push.next(t)
	require.Equal(t, signal.EventSessionRevoked, s.Event)
	require.Equal(t, carla, s.subID()["id"])
}

// TestPushReceiverDownNothingLost: a receiver that answers 503 gets every
// SET once it is back; a paused stream holds its SETs and delivers them
// when enabled.
func TestPushReceiverDownNothingLost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	push := newReceiver(b, "r1")
	push.down.Store(5)
	id := b.createStream(t, b.ssf, fmt.Sprintf(`{"aud": "r1", "events_requested": %s,
		"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q}}`, allEvents(), newServer(t, push)))
	b.addSubject(t, b.ssf, id, `{"format": "opaque", "id": "E1003"}`)
	b.addSubject(t, b.ssf, id, `{"format": "opaque", "id": "E1002"}`)
	b.hrEvent(t, leave(carla))
	for range 3 {
		push.next(t)
	}
	require.Zero(t, push.down.Load(), "the 503s were retried")

	b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/status", b.ssf, fmt.Sprintf(`{"stream_id": %q, "status": "paused", "reason": "maintenance"}`, id))
	b.hrEvent(t, leave("E1002"))
	waitFor(t, func() bool { return b.outbox(t, id) == 3 })
	select {
	case s := <-push.got:
		t.Fatalf("a paused stream delivered %s", s.Event)
	default:
	}
	b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/status", b.ssf, fmt.Sprintf(`{"stream_id": %q, "status": "enabled"}`, id))
	for range 3 {
		require.Equal(t, "E1002", push.next(t).subID()["id"])
	}
	waitFor(t, func() bool { return b.outbox(t, id) == 0 })
}

// TestSETsExpireWithTheirKey: a SET left in the outbox longer than the
// key retention (an hour here), which no receiver could verify any more,
// is dropped and audited instead of delivered.
func TestSETsExpireWithTheirKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createStream(t, b.ssf, fmt.Sprintf(`{"events_requested": %s, "delivery": {"method": "urn:ietf:rfc:8936"}}`, allEvents()))
	b.addSubject(t, b.ssf, id, `{"format": "opaque", "id": "E1003"}`)
	b.hrEvent(t, leave(carla))
	require.Equal(t, 3, b.outbox(t, id))
	b.skew.Store(int64(2 * time.Hour))
	out := b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/poll/"+id, b.ssf, `{"returnImmediately": true}`)
	require.Empty(t, out["sets"])
	require.Zero(t, b.outbox(t, id))
	require.Contains(t, b.auditActions(t), "signal.expired")
}

// TestSignalsSurviveARestart: SETs and logouts queued while the receivers
// are down are delivered by the next process once they are back.
func TestSignalsSurviveARestart(t *testing.T) {
	t.Parallel()
	b := setup(t, withBackoff(100*time.Millisecond)) // far from the last attempt at the restart
	rp := newRelyingParty(t, b, "wiki")
	rp.fail.Store(1)
	b.set.LogoutApps = []signal.LogoutApp{rp.app("wiki")}
	push := newReceiver(b, "r1")
	push.down.Store(1 << 40)
	id := b.createStream(t, b.ssf, fmt.Sprintf(`{"aud": "r1", "events_requested": %s,
		"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q}}`, allEvents(), newServer(t, push)))
	b.addSubject(t, b.ssf, id, `{"format": "opaque", "id": "E1003"}`)
	b.hrEvent(t, leave(carla))
	waitFor(t, func() bool { return push.down.Load() < 1<<40-2 }) // tried, and failed
	b.restart(t)
	push.down.Store(0)
	for range 3 {
		require.Equal(t, carla, push.next(t).subID()["id"])
	}
	require.Equal(t, "carla.diaz@acme.example", rp.next(t).Subject)
	waitFor(t, func() bool { return b.outbox(t, id) == 0 })
}

// TestRejectedSETIsRecorded: a receiver's 400 is permanent and its error
// body is kept in the audit chain.
func TestRejectedSETIsRecorded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	push := newReceiver(b, "someone-else") // the SETs' aud will not match
	id := b.createStream(t, b.ssf, fmt.Sprintf(`{"aud": "r1", "events_requested": ["%s"],
		"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q}}`, signal.EventSessionRevoked, newServer(t, push)))
	b.addSubject(t, b.ssf, id, `{"format": "opaque", "id": "E1003"}`)
	b.hrEvent(t, leave(carla))
	waitFor(t, func() bool { return push.rejected.Load() == 1 && b.outbox(t, id) == 0 })
	var found map[string]any
	for _, e := range b.audit(t) {
		if e.Action == "signal.rejected" {
			require.NoError(t, json.Unmarshal(e.Data, &found))
		}
	}
	require.Equal(t, "invalid_key", found["err"])
	require.Contains(t, found["description"], "aud")
}

// TestLogoutFailureBecomesTask: a relying party that keeps failing gets
// retried, then the app owner gets a task (and the clock stays open).
func TestLogoutFailureBecomesTask(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rp := newRelyingParty(t, b, "crm")
	rp.fail.Store(-1)
	b.set.LogoutApps = []signal.LogoutApp{rp.app("crm")}
	b.hrEvent(t, leave(carla))
	var tasks []task.Task
	waitFor(t, func() bool {
		tasks = b.tasks(t, store.TaskFilter{App: signal.LogoutClockApp("crm")})
		return len(tasks) == 1
	})
	require.Equal(t, "it-ops@acme.example", tasks[0].Assignee)
	require.Equal(t, carla, tasks[0].PersonID)
	require.Contains(t, tasks[0].Reason, "500")
	var open []sla.Clock
	for _, c := range b.clocks(t) {
		if c.App == signal.LogoutClockApp("crm") && c.Open() {
			open = append(open, c)
		}
	}
	require.Len(t, open, 1)
}

func (b *testBundle) clocks(t *testing.T) []sla.Clock {
	t.Helper()
	var out []sla.Clock
	require.NoError(t, b.st.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		out, err = tx.Clocks().List(b.ctx, false)
		return err
	}))
	return out
}

func (b *testBundle) tasks(t *testing.T, f store.TaskFilter) []task.Task {
	t.Helper()
	var out []task.Task
	require.NoError(t, b.st.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		out, err = tx.Tasks().List(b.ctx, f)
		return err
	}))
	return out
}

func (b *testBundle) audit(t *testing.T) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	require.NoError(t, b.st.Read(b.ctx, "acme", func(tx store.Tx) (err error) {
		out, err = tx.Audit().Scan(b.ctx, 0, 100000)
		return err
	}))
	return out
}

func (b *testBundle) auditActions(t *testing.T) []string {
	var out []string
	for _, e := range b.audit(t) {
		out = append(out, e.Action)
	}
	return out
}

// TestPushRedirectNotFollowed: a push endpoint that redirects elsewhere
// is never followed (the other address was never checked); the SET stays
// in the outbox and is retried.
func TestPushRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	target := newReceiver(b, "r1")
	targetURL := newServer(t, target)
	var hits atomic.Int64
	redirector := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, targetURL, http.StatusTemporaryRedirect)
	}))
	id := b.createStream(t, b.ssf, fmt.Sprintf(`{"aud": "r1", "delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q}}`, redirector))
	b.callJSON(t, http.StatusNoContent, "POST", "/t/acme/ssf/verify", b.ssf, fmt.Sprintf(`{"stream_id": %q}`, id))
	waitFor(t, func() bool { return hits.Load() >= 3 })
	require.Empty(t, target.got, "the redirect was not followed")
	require.Equal(t, 1, b.outbox(t, id), "the SET is kept")
}

// A receiver that refuses a leaver's session-revoked SET has not ended
// the sessions it guards: the clock stays open (a breach in tenure sla
// once past the deadline), not stopped as if the deadline were met. When
// the receiver deletes its stream, the undelivered SETs are dropped with
// an audit entry and their clocks stop: nobody is left to tell.
func TestRejectedSessionRevokedKeepsTheClockOpen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.createStream(t, b.ssf, fmt.Sprintf(`{"events_requested": %s, "delivery": {"method": "urn:ietf:rfc:8936"}}`, allEvents()))
	b.addSubject(t, b.ssf, id, `{"format": "opaque", "id": "E1003"}`)
	b.hrEvent(t, leave(carla))
	sessionClock := func() (open, exists bool) {
		for _, c := range b.clocks(t) {
			if c.PersonID == carla && c.App == signal.ClockApp(id) {
				return c.Open(), true
			}
		}
		return false, false
	}
	out := b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/poll/"+id, b.ssf, `{"maxEvents": 10, "returnImmediately": true}`)
	sets := out["sets"].(map[string]any)
	require.Len(t, sets, 3)
	var revoked string
	for jti, tok := range sets {
		c := map[string]any{}
		parts := strings.Split(tok.(string), ".")
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &c))
		if _, ok := c["events"].(map[string]any)[signal.EventSessionRevoked]; ok {
			revoked = jti
		}
	}
	require.NotEmpty(t, revoked)
	errsJSON, _ := json.Marshal(map[string]any{"setErrs": map[string]any{revoked: map[string]string{"err": "invalid_request", "description": "no such user"}}, "returnImmediately": true})
	b.callJSON(t, http.StatusOK, "POST", "/t/acme/ssf/poll/"+id, b.ssf, string(errsJSON))
	open, exists := sessionClock()
	require.True(t, exists && open, "a refused session-revoked SET leaves the leaver's clock open")

	b.callJSON(t, http.StatusNoContent, "DELETE", "/t/acme/ssf/streams?stream_id="+id, b.ssf, "")
	open, exists = sessionClock()
	require.True(t, exists && !open, "nothing is pending once the stream is gone")
	require.Contains(t, b.auditActions(t), "signal.dropped")
}
