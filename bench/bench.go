// Package bench measures the engine end to end on synthetic data, for
// `tenure bench …`. Each run generates its data first (untimed), then times
// the same code paths the CLI uses, on a real SQLite store in a directory of
// its own. Results go to BENCHMARKS.md with the command that produced them.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/examples"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/plan"
	"github.com/tenure-dev/tenure/policy"
)

// Step is one timed phase.
type Step struct {
	Name     string
	Duration time.Duration
	Note     string
}

// Result is a run's timed steps and the process's peak resident memory.
type Result struct {
	Steps   []Step
	PeakRSS int64 // bytes; 0 where /proc is unavailable
}

// Print writes the result as a small table.
func (r Result) Print(w io.Writer) {
	for _, s := range r.Steps {
		fmt.Fprintf(w, "%-44s %9.3fs  %s\n", s.Name, s.Duration.Seconds(), s.Note)
	}
	if r.PeakRSS > 0 {
		fmt.Fprintf(w, "%-44s %8.0f MB\n", "peak resident memory (whole process)", float64(r.PeakRSS)/(1<<20))
	}
}

func timed(res *Result, name string, f func() (string, error)) error {
	start := time.Now()
	note, err := f()
	res.Steps = append(res.Steps, Step{Name: name, Duration: time.Since(start), Note: note})
	return err
}

// peakRSS reads VmHWM, the high-water mark of resident memory, from /proc.
func peakRSS() int64 { return procHWM("/proc/self/status") }

// procHWM reads VmHWM in bytes from a /proc/PID/status file (0 if unknown).
func procHWM(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// env is a fresh store with one tenant on the synthetic policy.
type env struct {
	svc    *lifecycle.Service
	tenant *lifecycle.Tenant
	close  func()
}

func newEnv(ctx context.Context, dir string, rules int) (*env, error) {
	st, closeStore, err := openStore(ctx, dir)
	if err != nil {
		return nil, err
	}
	svc := &lifecycle.Service{Store: st, Actor: "bench"}
	if err := svc.CreateTenant(ctx, "bench"); err != nil {
		closeStore()
		return nil, err
	}
	doc, appIDs := examples.SynthPolicy(rules)
	set := lifecycle.Settings{Tenant: "bench", Policy: doc, Apps: map[string]plan.App{},
		// The synthetic incremental import moves 1 % of people at once: far
		// past the default guard, which is measured by its own tests.
		GuardPercent: 100, GuardMax: 1 << 30}
	for i, a := range appIDs {
		set.Apps[a] = plan.App{ID: a, Tier: "standard", TierRank: i % 2, Deadline: 24 * time.Hour}
	}
	t, err := svc.Tenant(set)
	if err != nil {
		closeStore()
		return nil, err
	}
	return &env{svc: svc, tenant: t, close: closeStore}, nil
}

func (e *env) importCSV(ctx context.Context, data []byte, name string) (*lifecycle.ImportResult, error) {
	rows, err := hr.Parse(bytes.NewReader(data), name, hr.CSV, nil)
	if err != nil {
		return nil, err
	}
	return e.tenant.Import(ctx, rows, lifecycle.ImportOptions{Source: name, Full: true})
}

// Import times a first import of n people (all joiners), a re-import of
// the same file (no changes) and an incremental import where 1 % moved.
func Import(ctx context.Context, dir string, n, rules int) (Result, error) {
	var res Result
	people := examples.SynthRoster(n, 1)
	first := examples.SynthCSV(people)
	for i := 0; i < n; i += 100 {
		people[i].Department = "Dept99"
	}
	moved := examples.SynthCSV(people)
	e, err := newEnv(ctx, dir, rules)
	if err != nil {
		return res, err
	}
	defer e.close()
	count := func(r *lifecycle.ImportResult) string { return fmt.Sprintf("%d events", len(r.Events)) }
	for _, s := range []struct {
		name string
		data []byte
	}{
		{fmt.Sprintf("first import, %d people (parse+diff+store)", n), first},
		{"re-import of the same file", first},
		{"incremental import, 1 % moved", moved},
	} {
		if err := timed(&res, s.name, func() (string, error) {
			r, err := e.importCSV(ctx, s.data, "synth.csv")
			if err != nil {
				return "", err
			}
			return count(r), nil
		}); err != nil {
			return res, err
		}
	}
	res.PeakRSS = peakRSS()
	return res, nil
}

// Policy times compiling rules and computing desired access for n people.
func Policy(n, rules int) (Result, error) {
	var res Result
	people := examples.SynthRoster(n, 1)
	doc, _ := examples.SynthPolicy(rules)
	var pol *policy.Policy
	if err := timed(&res, fmt.Sprintf("compile %d rules", rules), func() (_ string, err error) {
		pol, err = policy.New(doc)
		return "", err
	}); err != nil {
		return res, err
	}
	now := time.Now()
	for _, name := range []string{"desired access, cold memo", "desired access, warm memo (re-plan)"} {
		_ = timed(&res, fmt.Sprintf("%s, %d people", name, n), func() (string, error) {
			grants := 0
			for i := range people {
				grants += len(pol.Desired(&people[i], now, nil).Grants)
			}
			return fmt.Sprintf("%d grants", grants), nil
		})
	}
	res.PeakRSS = peakRSS()
	return res, nil
}

// Plan times a full plan for n people whose apps already hold exactly the
// desired access (no drift), read from the store as `tenure plan` does.
func Plan(ctx context.Context, dir string, n, rules int) (Result, error) {
	var res Result
	people := examples.SynthRoster(n, 1)
	e, err := newEnv(ctx, dir, rules)
	if err != nil {
		return res, err
	}
	defer e.close()
	if _, err := e.importCSV(ctx, examples.SynthCSV(people), "synth.csv"); err != nil {
		return res, err
	}
	doc, _ := examples.SynthPolicy(rules)
	pol, err := policy.New(doc)
	if err != nil {
		return res, err
	}
	now := time.Now()
	var accts []account.Account
	for i := range people {
		a := pol.Desired(&people[i], now, nil)
		if a.Status != person.Active {
			continue
		}
		byApp := map[string]int{} // app → index in accts (indexes survive appends)
		for _, g := range a.Grants {
			j, ok := byApp[g.App]
			if !ok {
				j = len(accts)
				byApp[g.App] = j
				accts = append(accts, account.Account{App: g.App, ExternalID: g.App + "-" + people[i].ID, PersonID: people[i].ID, State: account.Enabled})
			}
			if g.Entitlement != "" {
				accts[j].Entitlements = append(accts[j].Entitlements, g.Entitlement)
			}
		}
	}
	if _, err := e.tenant.ImportAccounts(ctx, accts, "synth-accounts"); err != nil {
		return res, err
	}
	err = timed(&res, fmt.Sprintf("plan, %d people, %d accounts, no drift", n, len(accts)), func() (string, error) {
		pl, err := e.tenant.Plan(ctx, "")
		if err != nil {
			return "", err
		}
		if len(pl.Operations) != 0 {
			return "", fmt.Errorf("expected no operations without drift, got %d (first: %+v)", len(pl.Operations), pl.Operations[0])
		}
		return "0 operations", nil
	})
	res.PeakRSS = peakRSS()
	return res, err
}
