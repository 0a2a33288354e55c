package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/examples"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/task"
)

// quickstartCmd runs the whole foundation story on the embedded store in a
// fresh directory, by running the same commands a user would type and
// printing each one first, so every step can be repeated by hand.
func (a *app) quickstartCmd() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "quickstart",
		Short: "Run the demo: day-1 roster → plan → apply; day-2 roster → the leaver goes first, the mover subtracts; the SLA report",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			cfg := filepath.Join(dir, "tenure.yaml")
			data := filepath.Join(dir, "tenure-data")
			f := func(name string) string { return filepath.Join(dir, name) }
			// ownersDo stands in for the app owners: it marks open tasks done,
			// as finance IT would after doing them by hand.
			ownersDo := func(person string) func() error {
				return func() error {
					sub := &app{configPath: cfg, dataDir: data, out: a.out, err: a.err, log: a.log}
					t, _, closer, err := sub.tenant(cmd.Context(), "acme")
					if err != nil {
						return err
					}
					defer closer()
					ts, err := t.Tasks(cmd.Context(), store.TaskFilter{Status: task.Open, PersonID: person})
					if err != nil {
						return err
					}
					for _, tk := range ts {
						if _, err := t.CompleteTask(cmd.Context(), tk.ID, "done by the quickstart demo"); err != nil {
							return err
						}
					}
					fmt.Fprintf(a.out, "(demo) %d tasks marked done, as their owners would after doing them\n", len(ts))
					return nil
				}
			}
			steps := []struct {
				say  string
				args []string
				do   func() error
			}{
				{"The example configuration: 6 apps, 4 roles, 4 birthright rules.", []string{"config", "validate", cfg}, nil},
				{"A tenant: its roster, plans and audit chain are isolated.", []string{"tenant", "create", "acme"}, nil},
				{"Day 1: HR's export of 20 people. Everyone is a joiner.", []string{"hr", "import", "--tenant", "acme", f("roster-day1.csv")}, nil},
				{"What day 1 should provision for one of them, and why.", []string{"plan", "--tenant", "acme", "--person", "E1004"}, nil},
				{"Apply it. No SCIM connector is built yet (that is the next step of the project), so every operation becomes a task for the app's owner, with a due time — nothing waits silently.", []string{"apply", "--tenant", "acme"}, nil},
				{"One person's tasks:", []string{"task", "list", "--tenant", "acme", "--person", "E1007"}, nil},
				{"DEMO ONLY: the owners do the day-1 work and mark it done.", nil, ownersDo("")},
				{"Nothing left to do: the known actual state matches the policy.", []string{"plan", "--tenant", "acme"}, nil},
				{"Day 2: Dev Patel moves from Support to Engineering, Grace Kim leaves (terminated 2026-11-20), Tara Nguyen signs for January 2030, Sam Taylor's email is corrected.", []string{"hr", "import", "--tenant", "acme", f("roster-day2.csv")}, nil},
				{"The plan: Grace's removals first (crown-jewel apps before standard), then Dev loses Support access and gains Engineering's.", []string{"plan", "--tenant", "acme"}, nil},
				{"Apply: Grace's removals are queued first and her tasks are due soonest (crown-jewel: 15 minutes).", []string{"apply", "--tenant", "acme"}, nil},
				{"Open tasks, most urgent first:", []string{"task", "list", "--tenant", "acme"}, nil},
				{"DEMO ONLY: the owners remove Grace's access and mark it done.", nil, ownersDo("E1007")},
				{"The leaver clock. HR told us two days after Grace's termination date, so her removals are late: that is what the clock is for.", []string{"sla", "--tenant", "acme"}, nil},
				{"A truncated export (8 of 21 rows) with `absent: terminate` would terminate the 13 people missing from it. The guard holds it whole.", []string{"hr", "import", "--tenant", "acme", f("roster-truncated.csv")}, nil},
				{"Held batches wait for a human.", []string{"hr", "pending", "--tenant", "acme"}, nil},
				{"Every change above is in the tenant's hash-chained audit log.", []string{"audit", "verify", "--tenant", "acme"}, nil},
			}
			for _, s := range steps {
				if s.do != nil {
					fmt.Fprintf(a.out, "\n── %s\n", s.say)
					if err := s.do(); err != nil {
						return fmt.Errorf("quickstart step %q: %w", s.say, err)
					}
					continue
				}
				fmt.Fprintf(a.out, "\n── %s\n$ tenure --config %s --data %s %s\n", s.say, cfg, data, strings.Join(quote(s.args), " "))
				sub := newRoot(a.out, a.err)
				sub.SetArgs(append([]string{"--config", cfg, "--data", data}, s.args...))
				if err := sub.ExecuteContext(cmd.Context()); err != nil {
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
