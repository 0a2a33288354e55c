package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/connector"
	scimconn "github.com/tenure-dev/tenure/connector/scim"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/reconcile"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/scim/server/memstore"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/sqlite"
)

// The reconciliation benchmark: one SCIM app (Tenure's own SCIM server,
// in memory, over loopback HTTP) holding n accounts, of which 0.5 % have
// drifted attributes, 0.5 % an extra entitlement, 0.5 % belong to people
// HR terminated (ghosts) and 0.5 % to nobody (orphans). The app and the
// prepared database live in a child process (ReconcileApp), so the peak
// memory measured is the reconciler's alone.

const reconcileToken = "bench-token"

// planted is what the generator put where: person index → class.
type planted struct {
	people, k, stride int
}

func newPlanted(n int) (planted, error) {
	if n < 200 || n%200 != 0 {
		return planted{}, fmt.Errorf("--accounts must be a multiple of 200, got %d", n)
	}
	k := n / 200
	people := n - k
	return planted{people: people, k: k, stride: people / k}, nil
}

// class of person i's account: "ghost", "attr", "extra" or "".
func (p planted) class(i int) string {
	if i/p.stride >= p.k {
		return ""
	}
	switch i % p.stride {
	case 0:
		return "ghost"
	case 1:
		return "attr"
	case 2:
		return "extra"
	}
	return ""
}

func benchPerson(i int) person.Person {
	return person.Person{ID: fmt.Sprintf("E%07d", i), Email: fmt.Sprintf("e%07d@bench.example", i),
		GivenName: "Given", FamilyName: fmt.Sprintf("F%07d", i), Department: "Engineering"}
}

// userID is the SCIM id of person i's account (the app numbers them in
// creation order); orphan j follows the people.
func userID(i int) string { return fmt.Sprintf("u%07d", i+1) }

func reconcileSettings() lifecycle.Settings {
	return lifecycle.Settings{Tenant: "bench", GuardPercent: 100, GuardMax: 1 << 30,
		Apps: map[string]plan.App{"app": {ID: "app", Name: "App", Tier: "standard", Deadline: 24 * time.Hour, Owner: "it@bench.example"}},
		Policy: policy.Document{
			Roles: []policy.Role{{ID: "staff", Grants: []policy.RoleGrant{{App: "app"}}}},
			Rules: []policy.Rule{{Name: "engineering", When: `person.department == "Engineering"`, Roles: []string{"staff"}}},
		}}
}

// ReconcileApp prepares dir's database (roster, known state) and serves the
// planted SCIM app until in is closed, printing "listening on URL" to out.
func ReconcileApp(ctx context.Context, dir string, n int, in io.Reader, out io.Writer) error {
	p, err := newPlanted(n)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	known := func(i int, pe person.Person) account.Account {
		return account.Account{App: "app", ExternalID: userID(i), PersonID: pe.ID, UserName: pe.Email,
			State: account.Enabled, Attributes: map[string]string{"email": pe.Email, "displayName": pe.Name()}}
	}
	if err := prepareReconcileDB(ctx, dir, p, now, reconcileSettings(), known); err != nil {
		return err
	}
	var next atomic.Int64
	h := server.New(server.Config{Store: memstore.New(), Logger: slog.New(slog.DiscardHandler),
		NewID: func() string { return fmt.Sprintf("u%07d", next.Add(1)) }})
	post := func(path string, body any) (map[string]any, error) {
		data, _ := json.Marshal(body)
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			return nil, fmt.Errorf("seed %s: %d %s", path, rec.Code, rec.Body.String())
		}
		var res map[string]any
		return res, json.Unmarshal(rec.Body.Bytes(), &res)
	}
	var extra []any
	for i := range p.people {
		pe := benchPerson(i)
		name := pe.Name()
		if p.class(i) == "attr" {
			name = "Renamed In The App"
		}
		if _, err := post("/Users", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"userName": pe.Email, "externalId": pe.ID, "displayName": name, "active": true,
			"emails": []any{map[string]any{"value": pe.Email, "type": "work", "primary": true}}}); err != nil {
			return err
		}
		if p.class(i) == "extra" {
			extra = append(extra, map[string]any{"value": userID(i)})
		}
	}
	for j := range p.k {
		if _, err := post("/Users", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"userName": fmt.Sprintf("orphan%05d@elsewhere.example", j), "active": true}); err != nil {
			return err
		}
	}
	if _, err := post("/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": "admins", "members": extra}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+reconcileToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, in) // until the parent closes our stdin
	return srv.Close()
}

// prepareReconcileDB writes the roster (ghosts terminated two days ago)
// and the known state Tenure had before the app drifted: known(i, person)
// is person i's account as Tenure last saw it.
func prepareReconcileDB(ctx context.Context, dir string, p planted, now time.Time, s lifecycle.Settings,
	known func(i int, pe person.Person) account.Account) error {
	st, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	svc := &lifecycle.Service{Store: st, Actor: "bench"}
	if err := svc.CreateTenant(ctx, "bench"); err != nil {
		return err
	}
	t, err := svc.Tenant(s)
	if err != nil {
		return err
	}
	if _, err := t.SyncPolicy(ctx); err != nil {
		return err
	}
	rows := make([]hr.Row, p.people)
	for i := range p.people {
		pe := benchPerson(i)
		if p.class(i) == "ghost" {
			pe.EndDate = person.Date(now.Add(-48 * time.Hour))
		}
		rows[i] = hr.Row{Line: i + 2, Person: pe}
	}
	if _, err := t.Import(ctx, rows, lifecycle.ImportOptions{Source: "bench roster", Full: true}); err != nil {
		return err
	}
	accounts := make([]account.Account, 0, p.people)
	for i := range p.people {
		accounts = append(accounts, known(i, benchPerson(i)))
	}
	return st.Write(ctx, "bench", func(tx store.Tx) error { return tx.Accounts().Put(ctx, accounts...) })
}

// Reconcile runs the benchmark: the app in a child process (self, with
// args), the reconciliation timed here, every finding checked against what
// was planted.
func Reconcile(ctx context.Context, dir string, n int, self string, args []string) (Result, error) {
	var res Result
	p, err := newPlanted(n)
	if err != nil {
		return res, err
	}
	child := exec.CommandContext(ctx, self, args...)
	child.Stderr = os.Stderr
	stdin, err := child.StdinPipe()
	if err != nil {
		return res, err
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		return res, err
	}
	start := time.Now()
	if err := child.Start(); err != nil {
		return res, err
	}
	defer func() { _ = stdin.Close(); _ = child.Wait() }()
	sc := bufio.NewScanner(stdout)
	url := ""
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			url = u
			break
		}
	}
	if url == "" {
		return res, fmt.Errorf("the SCIM app did not start")
	}
	res.Steps = append(res.Steps, Step{Name: "prepare roster, known state and SCIM app", Duration: time.Since(start),
		Note: fmt.Sprintf("%d people, %d accounts (untimed, child process)", p.people, n)})

	conn, err := scimconn.New(ctx, scimconn.Config{BaseURL: url, Token: reconcileToken, AllowLoopback: true,
		PageSize: 1000, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return res, err
	}
	out, err := runReconcile(ctx, dir, reconcileSettings(), conn, &res, "reconcile (list over HTTP, classify, apply, queue)")
	if err != nil {
		return res, err
	}
	res.PeakRSS = peakRSS()
	return res, checkPlanted(p, out, userID)
}

// runReconcile times reconcile.Run of the app "app" through l with the
// default policy, on the database prepareReconcileDB wrote in dir. The
// operations are queued, not worked: the queue is measured by bench queue.
func runReconcile(ctx context.Context, dir string, s lifecycle.Settings, l connector.Lister, res *Result, step string) (*reconcile.Result, error) {
	st, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	svc := &lifecycle.Service{Store: st, Actor: "bench"}
	t, err := svc.Tenant(s)
	if err != nil {
		return nil, err
	}
	eng, err := engine.New(ctx, engine.Config{Service: svc, DB: st.DB(),
		Tenants: func(id string) (*lifecycle.Tenant, bool) { return t, id == "bench" }, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	svc.Enqueue = eng.Enqueue
	if pf := os.Getenv("TENURE_BENCH_CPUPROFILE"); pf != "" {
		f, _ := os.Create(pf)
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	var out *reconcile.Result
	err = timed(res, step, func() (string, error) {
		out, err = reconcile.Run(ctx, t, reconcile.App{ID: "app", Policy: reconcile.DefaultPolicy()}, l, reconcile.Options{})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d accounts, %d findings, %d operations queued", out.Seen, len(out.Findings), out.Queued), nil
	})
	return out, err
}

// checkPlanted fails unless the findings are exactly the planted ones:
// id(i) is the app's id of account i (orphans follow the people).
func checkPlanted(p planted, r *reconcile.Result, id func(int) string) error {
	want := map[string]account.Class{}
	for i := range p.people {
		switch p.class(i) {
		case "ghost":
			want[id(i)] = account.Ghost
		case "attr", "extra":
			want[id(i)] = account.Drift
		}
	}
	for j := range p.k {
		want[id(p.people+j)] = account.Orphan
	}
	var wrong []string
	for _, f := range r.Findings {
		if want[f.ExternalID] != f.Class {
			wrong = append(wrong, fmt.Sprintf("%s flagged %s (planted %q)", f.ExternalID, f.Class, want[f.ExternalID]))
		}
		delete(want, f.ExternalID)
	}
	for id, c := range want {
		wrong = append(wrong, fmt.Sprintf("%s: planted %s, not found", id, c))
	}
	if len(wrong) > 0 {
		slices.Sort(wrong)
		return fmt.Errorf("%d findings differ from what was planted, e.g. %s", len(wrong), strings.Join(wrong[:min(5, len(wrong))], "; "))
	}
	wantCounts := map[account.Class]int{account.InSync: p.people - 3*p.k, account.Ghost: p.k, account.Orphan: p.k, account.Drift: 2 * p.k}
	if !maps.Equal(r.Counts, wantCounts) || r.Seen != p.people+p.k {
		return fmt.Errorf("counts %v of %d accounts, want %v of %d", r.Counts, r.Seen, wantCounts, p.people+p.k)
	}
	return nil
}
