package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/hr"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
)

func (a *app) hrCmd() *cobra.Command {
	c := &cobra.Command{Use: "hr", Short: "Import the HR roster and review batches held by the guard"}
	var tenant string
	c.PersistentFlags().StringVar(&tenant, "tenant", "", "tenant (optional when the config has one)")

	var dryRun, partial bool
	var format string
	imp := &cobra.Command{
		Use:   "import --tenant T FILE",
		Short: "Import a roster snapshot (CSV or JSON Lines) and derive joiner/mover/leaver events",
		Long: `Import a full roster snapshot. Each row is compared with the current roster and
becomes lifecycle events: join (pre-hire when the start date is ahead), move,
leave (immediate or scheduled), rehire, leave of absence and return.

The file is applied whole or not at all: any bad row rejects it with
file:line and the reason. A batch that would remove access from more people
than the tenant's guard allows is held for approval (tenure hr pending).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, ct, closer, err := a.tenant(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			defer closer()
			path := args[0]
			f := hr.Format(format)
			if f == "" {
				if f, err = hr.FormatOf(path); err != nil {
					return err
				}
			}
			rows, err := a.parseRoster(path, f, lifecycle.Mapping(ct))
			if err != nil {
				return err
			}
			res, err := t.Import(cmd.Context(), rows, lifecycle.ImportOptions{Source: path, Full: !partial, DryRun: dryRun})
			if err != nil {
				return err
			}
			a.printImport(res, len(rows), dryRun)
			return nil
		},
	}
	imp.Flags().BoolVar(&dryRun, "dry-run", false, "print the events and change nothing")
	imp.Flags().BoolVar(&partial, "partial", false, "the file holds only some people: absent people are not touched")
	imp.Flags().StringVar(&format, "format", "", "csv or jsonl (default: from the file name)")
	c.AddCommand(imp)

	var pendingFormat string
	pending := &cobra.Command{
		Use:   "pending",
		Short: "List batches held by the mass-change guard",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, _, closer, err := a.tenant(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			defer closer()
			bs, err := t.Pending(cmd.Context())
			if err != nil {
				return err
			}
			if pendingFormat == "json" {
				if bs == nil {
					bs = []guard.Batch{}
				}
				return json.NewEncoder(a.out).Encode(bs)
			}
			if len(bs) == 0 {
				fmt.Fprintln(a.out, "No batches pending.")
				return nil
			}
			for _, b := range bs {
				a.printBatch(b)
			}
			return nil
		},
	}
	pending.Flags().StringVar(&pendingFormat, "format", "text", "text or json")
	c.AddCommand(pending)

	c.AddCommand(&cobra.Command{
		Use:   "approve ID",
		Short: "Apply a held batch (re-checked against the roster as it is now)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, _, closer, err := a.tenant(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			defer closer()
			wait, err := a.queueForReconcile(cmd.Context(), t, args[0])
			if err != nil {
				return err
			}
			defer wait()
			res, err := t.Approve(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "batch %s approved and applied\n", args[0])
			if res != nil {
				a.printImport(res, 0, false)
			}
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "reject ID",
		Short: "Discard a held batch; none of it is applied",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, _, closer, err := a.tenant(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			defer closer()
			if err := t.Reject(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "batch %s rejected\n", args[0])
			return nil
		},
	})
	c.AddCommand(a.eventsCmd(&tenant))
	return c
}

// parseRoster reads a roster file, with a progress bar on a terminal for
// files large enough to take a moment.
func (a *app) parseRoster(path string, f hr.Format, m hr.Mapping) ([]hr.Row, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	var r io.Reader = file
	if st, err := file.Stat(); err == nil && st.Size() > 1<<20 && term.IsTerminal(int(os.Stderr.Fd())) {
		bar := progressbar.NewOptions64(st.Size(), progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionShowBytes(true), progressbar.OptionSetDescription("reading "+path),
			progressbar.OptionClearOnFinish())
		pr := progressbar.NewReader(file, bar)
		r = &pr
		defer bar.Finish()
	}
	return hr.Parse(r, path, f, m)
}

func (a *app) printImport(res *lifecycle.ImportResult, rows int, dryRun bool) {
	counts := map[person.Kind]int{}
	for _, e := range res.Events {
		counts[e.Kind]++
	}
	var parts []string
	for _, k := range []person.Kind{person.Join, person.Move, person.Leave, person.Rehire, person.LeaveOfAbsence, person.Return, person.Update} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	summary := strings.Join(parts, ", ")
	if summary == "" {
		summary = "no changes"
	}
	switch {
	case res.Held != "":
		fmt.Fprintf(a.out, "HELD: this import would remove access from %d people (the guard allows %d).\n", res.Removals, res.Limit)
		fmt.Fprintf(a.out, "Nothing was applied. Batch %s is pending: review it with `tenure hr pending`, then `tenure hr approve %s` or `tenure hr reject %s`.\n", res.Held, res.Held, res.Held)
		a.printSummary(res.Summary)
		return
	case dryRun:
		fmt.Fprintf(a.out, "Dry run: nothing was changed.\n")
	}
	const show = 50
	for i, e := range res.Events {
		if i == show {
			fmt.Fprintf(a.out, "  … and %d more (see `tenure hr events`)\n", len(res.Events)-show)
			break
		}
		fmt.Fprintf(a.out, "  %s\n", e)
	}
	if rows > 0 {
		fmt.Fprintf(a.out, "%d rows: %s.", rows, summary)
	} else {
		fmt.Fprintf(a.out, "%s.", summary)
	}
	if res.Removals > 0 {
		fmt.Fprintf(a.out, " %d people lose access (guard limit %d).", res.Removals, res.Limit)
	}
	fmt.Fprintln(a.out)
}

func (a *app) printSummary(s guard.Summary) {
	fmt.Fprintf(a.out, "  source: %s\n  active people: %d; losing access: %d; limit: %d\n  leavers: %d, movers: %d, joiners: %d\n",
		s.Source, s.Active, s.Removals, s.Limit, s.Leavers, s.Movers, s.Joiners)
	if len(s.Departments) > 0 {
		var ds []string
		for _, d := range slices.Sorted(maps.Keys(s.Departments)) {
			ds = append(ds, fmt.Sprintf("%s %d", d, s.Departments[d]))
		}
		fmt.Fprintf(a.out, "  by department: %s\n", strings.Join(ds, ", "))
	}
}

func (a *app) printBatch(b guard.Batch) {
	fmt.Fprintf(a.out, "%s  %s  held %s\n", b.ID, b.Kind, b.CreatedAt.UTC().Format(time.RFC3339))
	a.printSummary(b.Summary)
}

func (a *app) eventsCmd(tenant *string) *cobra.Command {
	var who, state, format string
	c := &cobra.Command{
		Use:   "events",
		Short: "List lifecycle events (scheduled ones included)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, _, closer, err := a.tenant(cmd.Context(), *tenant)
			if err != nil {
				return err
			}
			defer closer()
			evs, err := t.Events(cmd.Context(), who, person.EventState(state))
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(a.out)
				for _, e := range evs {
					if err := enc.Encode(e); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPERSON\tKIND\tEFFECTIVE\tSTATE\tCHANGES")
			for _, e := range evs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.PersonID, e.Kind,
					e.EffectiveAt.UTC().Format("2006-01-02 15:04"), e.State, person.ChangeSummary(e.Changes))
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&who, "person", "", "only this employee id")
	c.Flags().StringVar(&state, "state", "", "applied, scheduled or cancelled")
	c.Flags().StringVar(&format, "format", "text", "text or json (JSON Lines)")
	return c
}
