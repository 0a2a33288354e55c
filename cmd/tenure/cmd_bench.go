package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/bench"
	"github.com/tenure-dev/tenure/bench/scimload"
	"github.com/tenure-dev/tenure/engine"
)

// benchCmd runs the end-to-end benchmarks recorded in BENCHMARKS.md. Each
// subcommand should run in a process of its own so the peak memory it
// reports is its own.
func (a *app) benchCmd() *cobra.Command {
	c := &cobra.Command{Use: "bench", Short: "Measure import, policy and plan on synthetic data (see BENCHMARKS.md)"}
	var people, rules int
	c.PersistentFlags().IntVar(&people, "people", 100_000, "synthetic roster size")
	c.PersistentFlags().IntVar(&rules, "rules", 200, "birthright rules")
	c.PersistentFlags().StringVar(&bench.DatabaseURL, "bench-database", "", "run import, plan and the leaver/joiner benchmarks on this PostgreSQL (a throwaway schema) instead of SQLite")
	withDir := func(f func(dir string) (bench.Result, error)) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, _ []string) error {
			dir, err := os.MkdirTemp("", "tenure-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			res, err := f(dir)
			res.Print(a.out)
			return err
		}
	}
	var sw scimload.Workload
	scimCmd := &cobra.Command{
		Use:   "scim",
		Short: "SCIM server vs SCIMMY (Node): req/s and p50/p99 of create, lookup, read and PATCH on 100,000 users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := scimload.Compare(cmd.Context(), sw)
			rep.Print(a.out)
			return err
		},
	}
	f := scimCmd.Flags()
	f.IntVar(&sw.Users, "users", scimload.DefaultUsers, "users pre-filled in each server")
	f.IntVar(&sw.SmallUsers, "small-users", scimload.DefaultSmallUsers, "the smaller store userName lookups are also measured on")
	f.IntVar(&sw.Requests, "requests", scimload.DefaultRequests, "timed requests per operation and round")
	f.IntVar(&sw.Rounds, "rounds", scimload.DefaultRounds, "timed rounds per operation; the median round is shown")
	f.IntVar(&sw.Concurrency, "concurrency", scimload.DefaultConcurrency, "requests in flight")
	f.StringVar(&sw.SCIMMYDir, "scimmy-dir", "", "the SCIMMY server's folder (default: bench/scimmy in the working directory or a parent)")
	c.AddCommand(scimCmd)
	c.AddCommand(a.benchReconcileCmds()...)

	var genDir string
	gen := &cobra.Command{
		Use:   "gen --dir DIR",
		Short: "Write a synthetic tenure.yaml and roster.csv, to measure the real CLI on",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.Gen(genDir, people, rules)
		},
	}
	gen.Flags().StringVar(&genDir, "dir", "", "directory to write into")
	_ = gen.MarkFlagRequired("dir")
	c.AddCommand(gen)
	var queueOps int
	queue := &cobra.Command{
		Use:   "queue",
		Short: "Queue throughput, and HR leave → first operation latency (idle and behind 5,000 joiner ops)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withDir(func(dir string) (bench.Result, error) { return bench.Queue(cmd.Context(), dir, queueOps) })(cmd, args)
		},
	}
	queue.Flags().IntVar(&queueOps, "ops", 5000, "leaver operations for the throughput run")
	c.AddCommand(queue)
	var apps, single, mass, joiners, workers, joinN int
	leaver := &cobra.Command{
		Use:   "leaver",
		Short: "Time to revoke over SCIM: HR event → verified removal in 10 apps, single leavers and 1,000 at once behind queued joiner work",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withDir(func(dir string) (bench.Result, error) {
				return bench.Leaver(cmd.Context(), dir, apps, single, mass, joiners, workers)
			})(cmd, args)
		},
	}
	leaver.Flags().IntVar(&apps, "apps", 10, "SCIM apps every person has an account in")
	leaver.Flags().IntVar(&single, "single", 50, "single leavers, one after another on an idle engine")
	leaver.Flags().IntVar(&mass, "mass", 1000, "leavers in one HR batch")
	leaver.Flags().IntVar(&joiners, "joiners", 500, "joiners whose work (one create per app) is queued just before the mass leave")
	leaver.Flags().IntVar(&workers, "workers", engine.DefaultWorkers, "queue workers (tenure serve --workers)")
	joiner := &cobra.Command{
		Use:   "joiner",
		Short: "Joiner throughput over SCIM: accounts created and verified per second in one app, CPU per account",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withDir(func(dir string) (bench.Result, error) { return bench.Joiner(cmd.Context(), dir, joinN, workers) })(cmd, args)
		},
	}
	joiner.Flags().IntVar(&joinN, "joiners", 2000, "joiners in one HR batch")
	joiner.Flags().IntVar(&workers, "workers", engine.DefaultWorkers, "queue workers (tenure serve --workers)")
	c.AddCommand(leaver, joiner)
	c.AddCommand(&cobra.Command{
		Use:   "import",
		Short: "Roster import and diff: first import, unchanged re-import, 1 % moved",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withDir(func(dir string) (bench.Result, error) { return bench.Import(cmd.Context(), dir, people, rules) })(cmd, args)
		},
	}, &cobra.Command{
		Use:   "policy",
		Short: "Desired access for every person under every rule",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := bench.Policy(people, rules)
			res.Print(a.out)
			return err
		},
	}, &cobra.Command{
		Use:   "plan",
		Short: "A full plan against an actual state that matches (no drift)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withDir(func(dir string) (bench.Result, error) { return bench.Plan(cmd.Context(), dir, people, rules) })(cmd, args)
		},
	})
	return c
}
