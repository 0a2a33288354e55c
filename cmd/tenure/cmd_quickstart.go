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
)

// quickstartCmd runs the whole foundation story on the embedded store in a
// fresh directory, by running the same commands a user would type and
// printing each one first, so every step can be repeated by hand.
func (a *app) quickstartCmd() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "quickstart",
		Short: "Run the demo: day-1 roster → plan; day-2 roster → the mover subtracts, the leaver goes first",
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
			steps := []struct {
				say  string
				args []string
			}{
				{"The example configuration: 6 apps (one without an API), 4 roles, 4 birthright rules.", []string{"config", "validate", cfg}},
				{"A tenant: its roster, plans and audit chain are isolated.", []string{"tenant", "create", "acme"}},
				{"Day 1: HR's export of 20 people. Everyone is a joiner.", []string{"hr", "import", "--tenant", "acme", f("roster-day1.csv")}},
				{"What day 1 should provision, and why.", []string{"plan", "--tenant", "acme", "--person", "E1004"}},
				{"The same plan as JSON, for scripts (one person).", []string{"plan", "--tenant", "acme", "--format", "json", "--person", "E1019"}},
				{"The apps report their accounts once day 1 is provisioned (one engineer also holds a GitHub admin grant nobody approved).", []string{"accounts", "import", "--tenant", "acme", f("accounts-day1.jsonl")}},
				{"Nothing to do now: the apps match the policy, apart from the drift.", []string{"plan", "--tenant", "acme"}},
				{"Day 2: Dev Patel moves from Support to Engineering, Grace Kim leaves, Tara Nguyen signs for January 2030, Sam Taylor's email is corrected.", []string{"hr", "import", "--tenant", "acme", f("roster-day2.csv")}},
				{"The plan: Grace's removals first (crown-jewel apps before standard), then Dev loses Support access and gains Engineering's.", []string{"plan", "--tenant", "acme"}},
				{"A truncated export (8 of 21 rows) with `absent: terminate` would terminate the 13 people missing from it. The guard holds it whole.", []string{"hr", "import", "--tenant", "acme", f("roster-truncated.csv")}},
				{"Held batches wait for a human.", []string{"hr", "pending", "--tenant", "acme"}},
				{"Every change above is in the tenant's hash-chained audit log.", []string{"audit", "verify", "--tenant", "acme"}},
			}
			for _, s := range steps {
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
