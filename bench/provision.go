package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	scimconn "github.com/tenure-dev/tenure/connector/scim"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/httpapi"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/postgres"
	"github.com/tenure-dev/tenure/store/sqlite"
)

// Provisioning over SCIM, end to end: an HR event POSTed to Tenure's HTTP
// API, the engine (River on SQLite) and the SCIM connector, into apps
// served by Tenure's SCIM server (scim/server on its in-memory store) on
// loopback. Everything runs in this process, so the CPU figures include
// the apps' side.

// provEnv is one deployment: tenant acme whose everyone-role grants an
// account in each of apps SCIM apps.
type provEnv struct {
	st store.Store
	// closeStore closes st (and drops a PostgreSQL bench schema).
	closeStore func()
	svc        *lifecycle.Service
	acme       *lifecycle.Tenant
	eng        *engine.Engine
	apps       []string
	stores     map[string]*memstore.Store
	api        string // http://127.0.0.1:PORT
	hrTok      string
	hs         *http.Server
}

func benchToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newProvEnv builds the deployment with seeded people already holding an
// account in every app (in the app and in Tenure's known state, so the
// plan is empty), and starts the engine with workers workers.
func newProvEnv(ctx context.Context, dir string, apps, seeded, workers int) (*provEnv, error) {
	st, closeStore, err := openStore(ctx, dir) // SQLite, or --bench-database
	if err != nil {
		return nil, err
	}
	p := &provEnv{st: st, closeStore: closeStore, stores: map[string]*memstore.Store{}}
	p.svc = &lifecycle.Service{Store: st, Actor: "bench"}
	if err := p.svc.CreateTenant(ctx, "acme"); err != nil {
		return nil, err
	}
	set := lifecycle.Settings{Tenant: "acme", Apps: map[string]plan.App{}, GuardPercent: 100, GuardMax: 1 << 30}
	role := policy.Role{ID: "staff"}
	for i := range apps {
		id := fmt.Sprintf("app%02d", i)
		p.apps = append(p.apps, id)
		set.Apps[id] = plan.App{ID: id, Name: id, Tier: "crown-jewel", Deadline: 15 * time.Minute, Owner: "it@acme.example"}
		role.Grants = append(role.Grants, policy.RoleGrant{App: id})
	}
	set.Policy = policy.Document{Roles: []policy.Role{role}, Rules: []policy.Rule{{Name: "everyone", When: "true", Roles: []string{"staff"}}}}
	if p.acme, err = p.svc.Tenant(set); err != nil {
		return nil, err
	}

	// The apps: one SCIM server per app, each behind its own token.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.api = "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	conns := map[string]connector.Connector{}
	appTok := map[string]string{}
	for _, id := range p.apps {
		ms := memstore.New()
		p.stores[id] = ms
		tok := benchToken()
		appTok[id] = tok
		prefix := "/apps/" + id + "/scim/v2"
		mux.Handle(prefix+"/", http.StripPrefix(prefix, bearerOnly(tok, server.New(server.Config{Store: ms, Logger: quiet}))))
	}
	api := &httpapi.Server{Service: p.svc, Log: quiet, Tenants: func(id string) (*lifecycle.Tenant, bool) { return p.acme, id == "acme" }}
	mux.Handle("/t/", api.Handler())
	p.hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.hs.Serve(ln) }()
	if p.hrTok, _, err = p.svc.CreateToken(ctx, "acme", []string{"hr:write"}, "bench HR feed"); err != nil {
		return nil, err
	}

	if err := p.seed(ctx, seeded); err != nil {
		return nil, err
	}
	for _, id := range p.apps {
		c, err := scimconn.New(ctx, scimconn.Config{BaseURL: p.api + "/apps/" + id + "/scim/v2", Token: appTok[id],
			AllowLoopback: true, Logger: quiet})
		if err != nil {
			return nil, err
		}
		conns[id] = c
	}
	ec := engine.Config{
		Service: p.svc, Workers: workers, Log: quiet,
		Tenants:    func(id string) (*lifecycle.Tenant, bool) { return p.acme, id == "acme" },
		Connectors: func(_, app string) (connector.Connector, bool) { c, ok := conns[app]; return c, ok },
	}
	switch s := st.(type) {
	case *sqlite.Store:
		ec.DB = s.DB()
	case *postgres.Store:
		ec.Pool = s.Pool()
	}
	p.eng, err = engine.New(ctx, ec)
	if err != nil {
		return nil, err
	}
	p.svc.OnChange = p.eng.OnChange
	return p, p.eng.Start(ctx)
}

func (p *provEnv) close() {
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if p.eng != nil {
		_ = p.eng.Stop(sctx)
	}
	if p.hs != nil {
		_ = p.hs.Shutdown(sctx)
	}
	p.closeStore()
}

func personID(i int) string { return fmt.Sprintf("P%06d", i) }

// seed imports n people and gives each an account in every app, written
// straight into the apps' stores and Tenure's known state (untimed).
func (p *provEnv) seed(ctx context.Context, n int) error {
	if n == 0 {
		return nil
	}
	rows := make([]hr.Row, n)
	for i := range rows {
		id := personID(i)
		rows[i] = hr.Row{Line: i + 1, Person: person.Person{ID: id, Email: strings.ToLower(id) + "@bench.example", GivenName: "P", FamilyName: id}}
	}
	if _, err := p.acme.Import(ctx, rows, lifecycle.ImportOptions{Source: "bench-seed", Full: true}); err != nil {
		return err
	}
	rt := scim.UserResourceType()
	now := time.Now()
	var accts []account.Account
	for _, app := range p.apps {
		for _, r := range rows {
			pp := r.Person
			res, err := rt.Normalize(scim.Resource{"schemas": []any{scim.UserURN}, "userName": pp.Email, "externalId": pp.ID,
				"displayName": pp.Name(), "name": map[string]any{"givenName": pp.GivenName, "familyName": pp.FamilyName},
				"emails": []any{map[string]any{"value": pp.Email, "type": "work", "primary": true}}, "active": true})
			if err != nil {
				return err
			}
			sid := benchToken()
			rt.SetMeta(res, sid, "", now, now)
			if _, err := p.stores[app].Create(ctx, rt.Name, res); err != nil {
				return err
			}
			accts = append(accts, account.Account{App: app, ExternalID: sid, PersonID: pp.ID, UserName: pp.Email, State: account.Enabled,
				Attributes: map[string]string{"email": pp.Email, "displayName": pp.Name()}})
		}
	}
	if _, err := p.acme.ImportAccounts(ctx, accts, "bench-seed"); err != nil {
		return err
	}
	pl, err := p.acme.Plan(ctx, "")
	if err != nil {
		return err
	}
	if len(pl.Operations) > 0 {
		return fmt.Errorf("bench: the seeded state still plans %d operations (first: %+v)", len(pl.Operations), pl.Operations[0])
	}
	return nil
}

// post sends HR events to POST /t/acme/api/v1/hr/events.
func (p *provEnv) post(ctx context.Context, events []map[string]any) error {
	body, err := json.Marshal(events)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.api+"/t/acme/api/v1/hr/events", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.hrTok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("bench: POST hr/events: %s: %s", resp.Status, b)
	}
	return nil
}

func leaveEvent(i int, tag string) map[string]any {
	return map[string]any{"id": tag + "-" + personID(i), "employeeId": personID(i), "status": "terminated",
		"endDate": time.Now().UTC().Format(time.DateOnly)}
}

func joinEvent(i int) map[string]any {
	id := personID(i)
	return map[string]any{"id": "join-" + id, "employeeId": id, "email": strings.ToLower(id) + "@bench.example", "givenName": "P", "familyName": id}
}

// clocks returns the leaver clocks by person.
func (p *provEnv) clocks(ctx context.Context, open bool) ([]clockRow, error) {
	var out []clockRow
	err := p.st.Read(ctx, "acme", func(tx store.Tx) error {
		cs, err := tx.Clocks().List(ctx, open)
		for _, c := range cs {
			out = append(out, clockRow{person: c.PersonID, stopped: c.StoppedAt})
		}
		return err
	})
	return out, err
}

type clockRow struct {
	person  string
	stopped time.Time
}

// waitRemoved waits until every app's clock of each person in want is
// stopped and returns the latest stop per person. With poll 0 it wakes on
// the engine's job events (a single leaver: no polling delay); otherwise
// it looks every poll, which under load costs less than thousands of
// events. The times come from the clocks' records either way, so how
// often it looks does not change them.
func (p *provEnv) waitRemoved(ctx context.Context, want map[string]bool, poll time.Duration) (map[string]time.Time, error) {
	// The clocks start in the transaction that queues the removals, so
	// once the POST has returned, none open means all stopped; only the
	// open ones are read while waiting, the stopped ones once at the end.
	_, err := waitFor(ctx, p, poll, func() (struct{}, bool, error) {
		cs, err := p.clocks(ctx, true)
		if err != nil {
			return struct{}{}, false, err
		}
		for _, c := range cs {
			if want[c.person] {
				return struct{}{}, false, nil
			}
		}
		return struct{}{}, true, nil
	})
	if err != nil {
		return nil, err
	}
	cs, err := p.clocks(ctx, false)
	if err != nil {
		return nil, err
	}
	done, last := map[string]int{}, map[string]time.Time{}
	for _, c := range cs {
		if want[c.person] {
			done[c.person]++
			if c.stopped.After(last[c.person]) {
				last[c.person] = c.stopped
			}
		}
	}
	for id := range want {
		if done[id] != len(p.apps) {
			return nil, fmt.Errorf("bench: %s has %d stopped clocks, want one per app (%d)", id, done[id], len(p.apps))
		}
	}
	return last, nil
}

// idle waits for the queue to drain (see waitRemoved for poll).
func (p *provEnv) idle(ctx context.Context, poll time.Duration) error {
	_, err := waitFor(ctx, p, poll, func() (struct{}, bool, error) {
		n, err := p.eng.Pending(ctx)
		return struct{}{}, n == 0, err
	})
	return err
}

// waitFor calls check until it reports done: after each job event when
// poll is 0, else every poll.
func waitFor[T any](ctx context.Context, p *provEnv, poll time.Duration, check func() (T, bool, error)) (T, error) {
	var events <-chan *river.Event
	if poll == 0 {
		ev, cancel := p.eng.Subscribe()
		defer cancel()
		events, poll = ev, 250*time.Millisecond
	}
	for {
		v, ok, err := check()
		if err != nil || ok {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, fmt.Errorf("bench: waiting: %w", ctx.Err())
		case <-events:
			for drained := false; !drained; { // take every event already sent
				select {
				case <-events:
				default:
					drained = true
				}
			}
		case <-time.After(poll):
		}
	}
}

// accounts is how many accounts the apps hold.
func (p *provEnv) accounts() int {
	n := 0
	for _, ms := range p.stores {
		n += ms.Len("User")
	}
	return n
}

func bearerOnly(tok string, next http.Handler) http.Handler {
	want := "Bearer " + tok
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != want {
			http.Error(w, `{"status":"401"}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// percentile is the nearest-rank percentile of sorted ds.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(float64(len(ds))*q+0.999999) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// Leaver measures time to revoke — from an HR termination event's POST to
// the verified removal (a read-back showing active: false) in every one of
// apps SCIM apps — for single leavers one after another on an idle engine,
// then for mass leavers in one batch while joiners' work (joiners people
// into every app) is already queued.
func Leaver(ctx context.Context, dir string, apps, single, mass, joiners, workers int) (Result, error) {
	var res Result
	p, err := newProvEnv(ctx, dir, apps, single+mass, workers)
	if err != nil {
		return res, err
	}
	defer p.close()
	res.Steps = append(res.Steps, Step{Name: "setup", Note: fmt.Sprintf("%d people with an account in each of %d SCIM apps, %d workers; load %s",
		single+mass, apps, workers, loadavg())})

	var lat []time.Duration
	for i := range single {
		t0 := time.Now()
		if err := p.post(ctx, []map[string]any{leaveEvent(i, "leave")}); err != nil {
			return res, err
		}
		last, err := p.waitRemoved(ctx, map[string]bool{personID(i): true}, 0)
		if err != nil {
			return res, err
		}
		lat = append(lat, last[personID(i)].Sub(t0))
		if err := p.idle(ctx, 0); err != nil { // the sessions tasks: idle again before the next
			return res, err
		}
	}
	slices.Sort(lat)
	if single > 0 {
		res.Steps = append(res.Steps, Step{Name: fmt.Sprintf("single leaver → verified in %d apps", apps), Duration: percentile(lat, 0.5),
			Note: fmt.Sprintf("p50 %s, p90 %s, p99 %s, max %s over %d leavers; load %s", ms(percentile(lat, 0.5)), ms(percentile(lat, 0.9)),
				ms(percentile(lat, 0.99)), ms(lat[len(lat)-1]), single, loadavg())})
	}

	if mass > 0 {
		base := p.accounts()
		var jevs []map[string]any
		for i := range joiners {
			jevs = append(jevs, joinEvent(single+mass+i))
		}
		if joiners > 0 {
			if err := p.post(ctx, jevs); err != nil {
				return res, err
			}
		}
		want := map[string]bool{}
		var levs []map[string]any
		for i := single; i < single+mass; i++ {
			levs = append(levs, leaveEvent(i, "mass"))
			want[personID(i)] = true
		}
		before := p.accounts() - base // joiner creates done before the leavers arrived
		cpu0 := cpuTime()
		t0 := time.Now()
		if err := p.post(ctx, levs); err != nil {
			return res, err
		}
		posted := time.Since(t0)
		whilePost := p.accounts() - base - before
		last, err := p.waitRemoved(ctx, want, 200*time.Millisecond)
		if err != nil {
			return res, err
		}
		var all []time.Duration
		for _, t := range last {
			all = append(all, t.Sub(t0))
		}
		slices.Sort(all)
		during := p.accounts() - base - before - whilePost
		res.Steps = append(res.Steps, Step{Name: fmt.Sprintf("%d leavers at once → all verified in %d apps", mass, apps), Duration: all[len(all)-1],
			Note: fmt.Sprintf("%d removals; per leaver p50 %s, p99 %s; the POST took %s; of %d queued joiner ops %d ran before it, %d while it was applied, %d after the leavers were queued; %.1f ms CPU per removal; load %s",
				mass*apps, ms(percentile(all, 0.5)), ms(percentile(all, 0.99)), ms(posted), joiners*apps, before, whilePost, during,
				float64((cpuTime()-cpu0).Microseconds())/1000/float64(mass*apps), loadavg())})
		if joiners > 0 {
			if err := timed(&res, fmt.Sprintf("then the %d joiner ops finish", joiners*apps), func() (string, error) {
				return fmt.Sprintf("load %s", loadavg()), p.idle(ctx, 200*time.Millisecond)
			}); err != nil {
				return res, err
			}
		}
	}
	res.PeakRSS = peakRSS()
	return res, nil
}

// Joiner measures joiner throughput into one SCIM app: n people POSTed
// in one HR batch, each account created and verified by reading it back.
func Joiner(ctx context.Context, dir string, n, workers int) (Result, error) {
	var res Result
	p, err := newProvEnv(ctx, dir, 1, 0, workers)
	if err != nil {
		return res, err
	}
	defer p.close()
	var evs []map[string]any
	for i := range n {
		evs = append(evs, joinEvent(i))
	}
	cpu0 := cpuTime()
	err = timed(&res, fmt.Sprintf("%d joiners → created and verified in 1 SCIM app", n), func() (string, error) {
		if err := p.post(ctx, evs); err != nil {
			return "", err
		}
		return "", p.idle(ctx, 50*time.Millisecond)
	})
	if err != nil {
		return res, err
	}
	d := res.Steps[0].Duration
	if got := p.accounts(); got != n {
		return res, fmt.Errorf("bench: %d accounts in the app, want %d", got, n)
	}
	res.Steps[0].Note = fmt.Sprintf("%.0f accounts/s, %.2f ms CPU per account (engine and app in one process), %d workers; load %s",
		float64(n)/d.Seconds(), float64((cpuTime()-cpu0).Microseconds())/1000/float64(n), workers, loadavg())
	res.PeakRSS = peakRSS()
	return res, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
