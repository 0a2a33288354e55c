package signal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/signal"
)

// benchWorld is one Tenure with a push receiver, a poll receiver and ten
// relying parties on loopback, and n extra active people to let go.
type benchWorld struct {
	b      *testBundle
	push   *receiver
	poll   *receiver
	pollID string
	rps    []*relyingParty
	people []string
}

func newBenchWorld(tb testing.TB, n int, alg string) *benchWorld {
	b := setup(tb, withAllSubjects())
	b.sig.Keys.Alg = func(string) string { return alg }
	w := &benchWorld{b: b}
	var apps []signal.LogoutApp
	for i := range 10 {
		rp := newRelyingParty(tb, b, fmt.Sprintf("rp-%d", i))
		w.rps = append(w.rps, rp)
		apps = append(apps, rp.app(fmt.Sprintf("rp%d", i)))
	}
	b.set.LogoutApps = apps
	w.push = newReceiver(b, "push")
	b.createStream(tb, b.ssf, fmt.Sprintf(`{"aud": "push", "events_requested": %s,
		"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": %q}}`, allEvents(), newServer(tb, w.push)))
	w.pollID = b.createStream(tb, b.ssf2, fmt.Sprintf(`{"aud": "poll", "events_requested": %s, "delivery": {"method": "urn:ietf:rfc:8936"}}`, allEvents()))
	w.poll = newReceiver(b, "poll")

	var csv strings.Builder
	csv.WriteString("employeeId,email,givenName,familyName,department,title,location,managerId,employmentType,startDate,endDate,status\n")
	for i := range n {
		id := fmt.Sprintf("B%05d", i)
		w.people = append(w.people, id)
		fmt.Fprintf(&csv, "%s,%s@acme.example,Bench,Person%d,Support,Agent,Berlin,E1000,employee,2024-01-01,,active\n", id, strings.ToLower(id), i)
	}
	rows, err := hr.Parse(strings.NewReader(csv.String()), "bench.csv", hr.CSV, nil)
	require.NoError(tb, err)
	_, err = b.tn.Import(b.ctx, rows, lifecycle.ImportOptions{Source: "bench"})
	require.NoError(tb, err)
	// The first signal makes the tenant's key; not part of any measure.
	b.callJSON(tb, http.StatusNoContent, "POST", "/t/acme/ssf/verify", b.ssf2, fmt.Sprintf(`{"stream_id": %q}`, w.pollID))
	w.drainPoll(tb, 1)
	return w
}

// drainPoll polls (long poll, acknowledging) until n session-revoked
// SETs (or, for n = 1 at setup, any SET) arrived, verifying each.
func (w *benchWorld) drainPoll(tb testing.TB, n int) {
	seen, ack := 0, []string{}
	for seen < n {
		body, _ := json.Marshal(map[string]any{"ack": ack, "maxEvents": 1000})
		out := w.b.callJSON(tb, http.StatusOK, "POST", "/t/acme/ssf/poll/"+w.pollID, w.b.ssf2, string(body))
		ack = ack[:0]
		for jti, tok := range out["sets"].(map[string]any) {
			s, err := w.poll.verify(w.b.ctx, tok.(string))
			require.NoError(tb, err)
			ack = append(ack, jti)
			if s.Event == signal.EventSessionRevoked || n == 1 {
				seen++
			}
		}
	}
	if len(ack) > 0 {
		body, _ := json.Marshal(map[string]any{"ack": ack, "maxEvents": 0})
		w.b.callJSON(tb, http.StatusOK, "POST", "/t/acme/ssf/poll/"+w.pollID, w.b.ssf2, string(body))
	}
}

// waitSignalled waits until n leavers' session-revoked SETs were accepted
// by the push receiver, are available to the poll receiver, and every
// relying party accepted n logout tokens.
func (w *benchWorld) waitSignalled(tb testing.TB, n int) {
	for got := 0; got < n; {
		if s := w.push.next(tb); s.Event == signal.EventSessionRevoked {
			got++
		}
	}
	w.drainPoll(tb, n)
	for _, rp := range w.rps {
		for range n {
			rp.next(tb)
		}
	}
}

// BenchmarkLeaverSignalled is one leaver at a time, from the HR leave
// event's receipt (POST /t/acme/api/v1/hr/events) to the session-revoked
// SET accepted by a push receiver and available to a poll receiver and the
// back-channel logout accepted by 10 relying parties. It reports the p50
// and p99 of that time.
//
//	go test ./signal -run '^$' -bench LeaverSignalled -benchtime 200x
func BenchmarkLeaverSignalled(b *testing.B) {
	for _, alg := range signal.Algorithms {
		b.Run(alg, func(b *testing.B) { benchLeaver(b, alg) })
	}
}

func benchLeaver(b *testing.B, alg string) {
	w := newBenchWorld(b, b.N, alg)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		w.b.hrEvent(b, leave(w.people[i]))
		w.waitSignalled(b, 1)
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkThousandLeavers lets 1,000 people go in one HR batch and
// measures until every one is fully signalled (push, poll, 10 relying
// parties: 3,000 pushed SETs, 3,000 polled, 10,000 logout tokens).
//
//	go test ./signal -run '^$' -bench ThousandLeavers -benchtime 1x
func BenchmarkThousandLeavers(b *testing.B) {
	for _, alg := range signal.Algorithms {
		b.Run(alg, func(b *testing.B) { benchThousand(b, alg) })
	}
}

func benchThousand(b *testing.B, alg string) {
	const n = 1000
	for range b.N {
		b.StopTimer()
		w := newBenchWorld(b, n, alg)
		events := make([]string, n)
		for i, id := range w.people {
			events[i] = leave(id)
		}
		batch := "[" + strings.Join(events, ",") + "]"
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		w.b.hrEvent(b, batch)
		w.waitSignalled(b, n)
		b.ReportMetric(time.Since(start).Seconds(), "s/1000-leavers")
		// CPU of the whole process (Tenure, the receivers and the relying
		// parties): what the run costs whatever else the machine is doing.
		b.ReportMetric((cpuTime() - cpu0).Seconds(), "cpu-s")
	}
}
