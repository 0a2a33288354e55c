package main

import (
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/bench"
)

// benchReconcileCmds are `tenure bench reconcile` and the hidden child
// process it starts to hold the SCIM app and prepare the database.
func (a *app) benchReconcileCmds() []*cobra.Command {
	var accounts int
	var dir string
	run := &cobra.Command{
		Use:   "reconcile",
		Short: "Reconcile one SCIM app of 100,000 accounts with 1 % drift, 0.5 % ghosts and 0.5 % orphans; checks every finding",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := os.MkdirTemp("", "tenure-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(d)
			self, err := os.Executable()
			if err != nil {
				return err
			}
			res, err := bench.Reconcile(cmd.Context(), d, accounts, self,
				[]string{"bench", "reconcile-app", "--accounts", strconv.Itoa(accounts), "--dir", d})
			res.Print(a.out)
			if err == nil {
				a.out.Write([]byte("every planted difference found, nothing else flagged\n"))
			}
			return err
		},
	}
	run.Flags().IntVar(&accounts, "accounts", 100_000, "accounts in the app (a multiple of 200)")
	child := &cobra.Command{
		Use:    "reconcile-app",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.ReconcileApp(cmd.Context(), dir, accounts, os.Stdin, a.out)
		},
	}
	child.Flags().IntVar(&accounts, "accounts", 100_000, "")
	child.Flags().StringVar(&dir, "dir", "", "")
	return []*cobra.Command{run, child}
}
