package main

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/examples"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/task"
)

// quickstartCmd runs the whole story on the embedded store in a fresh
// directory, by running the same commands a user would type and printing
// each one first, so every step can be repeated by hand. The example's SCIM
// apps are played by sandbox tenants of Tenure's own SCIM service provider
// on a loopback port, so provisioning is real SCIM over HTTP.
func (a *app) quickstartCmd() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "quickstart",
		Short: "Run the demo: day-1 roster → plan → apply over SCIM to sandbox apps; day-2 roster → the leaver goes first, verified, timed; the mover's groups change",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if dir == "" {
				d, err := os.MkdirTemp("", "tenure-quickstart-")
				if err != nil {
					return err
				}
				dir = d
			} else if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			if err := writeExamples(dir); err != nil {
				return err
			}
			// The sandbox listens first: the config names its port.
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return fmt.Errorf("quickstart sandbox: %w", err)
			}
			defer ln.Close()
			tokenDir := filepath.Join(dir, "sandbox-tokens")
			if err := os.MkdirAll(tokenDir, 0o700); err != nil {
				return err
			}
			yml, scimApps, err := quickstartConfig(config.Example(), "http://"+ln.Addr().String(), tokenDir)
			if err != nil {
				return err
			}
			cfg := filepath.Join(dir, "tenure.yaml")
			if err := os.WriteFile(cfg, yml, 0o600); err != nil {
				return err
			}
			data := filepath.Join(dir, "tenure-data")
			f := func(name string) string { return filepath.Join(dir, name) }
			sub := func() *app { return &app{configPath: cfg, dataDir: data, out: a.out, err: a.err, log: a.log} }
			var sb *sandbox
			defer func() {
				if sb != nil {
					sb.stop()
				}
			}()
			startSB := func() error {
				s, err := startSandbox(ctx, sub(), ln, cfg, scimApps)
				if err != nil {
					return err
				}
				sb = s
				fmt.Fprintf(a.out, "(demo) serving %d sandbox tenants on %s (the HTTP API `tenure serve` runs), each a SCIM 2.0 service provider standing in for one app:\n", len(scimApps), sb.base)
				for _, app := range scimApps {
					fmt.Fprintf(a.out, "  %-17s → %s/t/%s/scim/v2  (token in %s)\n", app, sb.base, sandboxTenant(app), filepath.Join(tokenDir, app+".token"))
				}
				fmt.Fprintln(a.out, "(demo) the same by hand: `tenure tenant create sandbox-github`, `tenure token create --tenant sandbox-github --scope scim` into its token file, `tenure serve`, and POST the app's groups to /Groups")
				return nil
			}
			showSandbox := func(detail ...string) func() error {
				return func() error { return sb.print(ctx, a.out, detail...) }
			}
			// ownersDo stands in for the app owners: it marks open tasks done,
			// as finance IT would after doing them by hand.
			ownersDo := func(person string) func() error {
				return func() error {
					t, _, closer, err := sub().tenant(ctx, "acme")
					if err != nil {
						return err
					}
					defer closer()
					ts, err := t.Tasks(ctx, store.TaskFilter{Status: task.Open, PersonID: person})
					if err != nil {
						return err
					}
					for _, tk := range ts {
						if _, err := t.CompleteTask(ctx, tk.ID, "done by the quickstart demo"); err != nil {
							return err
						}
					}
					fmt.Fprintf(a.out, "(demo) %d tasks marked done, as their owners would after doing them\n", len(ts))
					return nil
				}
			}
			var applied time.Time
			mark := func() error { applied = time.Now(); return nil }
			revoked := func() error { return a.printTimeToRevoke(ctx, sub(), "E1007", applied) }
			steps := []struct {
				say  string
				args []string
				do   func() error
			}{
				{"The example configuration: 6 apps, 4 roles, 4 birthright rules. Its 5 SCIM apps point at sandbox tenants on this machine; payroll has no API.", []string{"config", "validate", cfg}, nil},
				{"A tenant: its roster, plans and audit chain are isolated.", []string{"tenant", "create", "acme"}, nil},
				{"The sandbox apps: tenants of this same Tenure, serving SCIM on a loopback port.", nil, startSB},
				{"Day 1: HR's export of 20 people. Everyone is a joiner.", []string{"hr", "import", "--tenant", "acme", f("roster-day1.csv")}, nil},
				{"What day 1 should provision for one of them, and why.", []string{"plan", "--tenant", "acme", "--person", "E1004"}, nil},
				{"Apply it. Accounts and groups are created over SCIM in the sandbox apps and each is read back; payroll's operations become tasks for its owner, with a due time.", []string{"apply", "--tenant", "acme"}, nil},
				{"The accounts now in the sandbox apps, read over SCIM (GET /Users, /Groups):", nil, showSandbox("E1004", "E1007")},
				{"The tasks left are the ones no API can do:", []string{"task", "list", "--tenant", "acme", "--person", "E1007"}, nil},
				{"DEMO ONLY: payroll's owner does the day-1 work and marks it done.", nil, ownersDo("")},
				{"Nothing left to do: the known actual state matches the policy.", []string{"plan", "--tenant", "acme"}, nil},
				{"Day 2: Dev Patel moves from Support to Engineering, Grace Kim leaves (terminated 2026-11-20), Tara Nguyen signs for January 2030, Sam Taylor's email is corrected.", []string{"hr", "import", "--tenant", "acme", f("roster-day2.csv")}, nil},
				{"The plan: Grace's removals first (crown-jewel apps before standard), then Dev loses Support access and gains Engineering's.", []string{"plan", "--tenant", "acme"}, nil},
				{"Apply: Grace's removals run first; each is done only when a read-back shows the account disabled.", []string{"apply", "--tenant", "acme"}, mark},
				{"The sandbox apps now: Grace is disabled, Dev left Zendesk's agent group and joined GitHub's engineering group.", nil, showSandbox("E1004", "E1007")},
				{"Open tasks, most urgent first (payroll, and signing people out where SCIM has no session API):", []string{"task", "list", "--tenant", "acme"}, nil},
				{"DEMO ONLY: the owners remove Grace's payroll access and sign her out, and mark it done.", nil, ownersDo("E1007")},
				{"Grace's time to revoke, per app, from the leaver clock:", nil, revoked},
				{"The leaver clock runs from the termination's effective time. HR told us after Grace's termination date, so her removals are late however fast they ran: that is what the clock is for.", []string{"sla", "--tenant", "acme"}, nil},
				{"A truncated export (8 of 21 rows) with `absent: terminate` would terminate the 13 people missing from it. The guard holds it whole.", []string{"hr", "import", "--tenant", "acme", f("roster-truncated.csv")}, nil},
				{"Held batches wait for a human.", []string{"hr", "pending", "--tenant", "acme"}, nil},
				{"Every change above is in the tenant's hash-chained audit log.", []string{"audit", "verify", "--tenant", "acme"}, nil},
				{"The sandbox keeps its own: every SCIM write it received is in its chain too.", []string{"audit", "verify", "--tenant", sandboxTenant("github")}, nil},
			}
			for _, s := range steps {
				if s.args == nil {
					fmt.Fprintf(a.out, "\n── %s\n", s.say)
					if err := s.do(); err != nil {
						return fmt.Errorf("quickstart step %q: %w", s.say, err)
					}
					continue
				}
				if s.do != nil {
					_ = s.do() // a marker run just before the command
				}
				fmt.Fprintf(a.out, "\n── %s\n$ tenure --config %s --data %s %s\n", s.say, cfg, data, strings.Join(quote(s.args), " "))
				sub := newRoot(a.out, a.err)
				sub.SetArgs(append([]string{"--config", cfg, "--data", data}, s.args...))
				if err := sub.ExecuteContext(ctx); err != nil {
					return fmt.Errorf("quickstart step %q: %w", strings.Join(s.args, " "), err)
				}
			}
			fmt.Fprintf(a.out, "\nDone. Everything is in %s: run the commands above again, or edit tenure.yaml and re-plan.\n", dir)
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "directory for the demo files and data (default: a new temporary directory)")
	return c
}

// printTimeToRevoke prints a leaver's clocks: how each removal was
// verified, how long after `since` (the apply that ran it) and after the
// termination's effective time.
func (a *app) printTimeToRevoke(ctx context.Context, sub *app, personID string, since time.Time) error {
	t, _, closer, err := sub.tenant(ctx, "acme")
	if err != nil {
		return err
	}
	defer closer()
	clocks, err := t.Clocks(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APP\tTIER\tSTOPPED BY\tAFTER APPLY STARTED\tAFTER TERMINATION\tDEADLINE")
	for _, c := range clocks {
		if c.PersonID != personID || c.Open() {
			continue
		}
		after := "-"
		if strings.HasPrefix(c.StoppedBy, "verified:") {
			after = c.StoppedAt.Sub(since).Round(time.Millisecond).String()
		}
		status := "met"
		if c.Breached(c.StoppedAt) {
			status = "BREACHED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s (%s)\n", c.App, c.Tier, c.StoppedBy, after,
			c.Elapsed(c.StoppedAt).Round(time.Second), c.Deadline.Sub(c.StartedAt), status)
	}
	return tw.Flush()
}

// writeExamples writes the example config and data files into dir.
func writeExamples(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "tenure.yaml"), config.Example(), 0o600); err != nil {
		return err
	}
	return fs.WalkDir(examples.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := examples.FS.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, path), b, 0o600)
	})
}

func quote(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " \"'") {
			a = "'" + a + "'"
		}
		out[i] = a
	}
	return out
}
