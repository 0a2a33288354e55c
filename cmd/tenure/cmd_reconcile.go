package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/reconcile"
)

func (a *app) reconcileCmd() *cobra.Command {
	var tenant, appID, export string
	var dryRun bool
	c := &cobra.Command{
		Use:   "reconcile --tenant T [--app A] [--dry-run] [--export accounts.csv]",
		Short: "Read what each app really holds and deal with every difference (orphans, ghosts, drift, JIT accounts, service accounts)",
		Long: `Read every account of each app (or one, --app) page by page, match it to a person
with the app's correlation rules, and classify it: in sync, drift, ghost (active
for a terminated person), orphan (no person), unmanaged (not created by Tenure:
adopted), service account, or ambiguous (reported, never guessed). The app's
reconcile.policy decides what is done; the operations are queued, worked and
verified like any other, and a run that would take access from too many
accounts is held for approval (tenure hr pending / approve).

A manual app has no API: give the account export its owner sent with --export
(CSV with a header: id, userName, email, status, entitlements, owner, …).
--dry-run shows what would be done and changes nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			t, ct, closer, err := a.tenant(ctx, tenant)
			if err != nil {
				return err
			}
			defer closer()
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			apps, err := reconcileApps(ct, appID, export)
			if err != nil {
				return err
			}
			var exported []account.Account
			if export != "" {
				f, err := os.Open(export)
				if err != nil {
					return fmt.Errorf("--export: %w", err)
				}
				exported, err = reconcile.ParseExport(f, export)
				_ = f.Close()
				if err != nil {
					return err
				}
			}
			var eng *engine.Engine
			if !dryRun { // a dry run writes nothing, not even a newly accepted policy
				if _, err := t.SyncPolicy(ctx); err != nil {
					return err
				}
				if eng, err = a.startEngine(ctx, cfg, t.Service(), map[string]*lifecycle.Tenant{t.ID(): t}); err != nil {
					return err
				}
				defer func() {
					sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					_ = eng.Stop(sctx)
				}()
				t.Service().OnChange, t.Service().Enqueue = eng.OnChange, eng.Enqueue
			}
			conns := a.connectors(ctx, cfg)
			queued := 0
			for _, ca := range apps {
				var l connector.Lister
				switch {
				case export != "":
					l = reconcile.ExportLister(exported)
				default:
					c, ok := conns(t.ID(), ca.ID)
					if l, _ = c.(connector.Lister); !ok || l == nil {
						msg := fmt.Sprintf("%s: no connector that lists accounts", ca.ID)
						if ca.Connector.Type == config.ConnectorManual {
							msg = fmt.Sprintf("%s: a manual app: reconcile it from its owner's export (--app %s --export accounts.csv)", ca.ID, ca.ID)
						}
						if appID != "" {
							return fmt.Errorf("%s", msg)
						}
						fmt.Fprintln(a.out, "skipped "+msg)
						continue
					}
				}
				bar := newScanBar(ca.ID)
				res, err := reconcile.Run(ctx, t, reconcile.FromConfig(ca), l, reconcile.Options{DryRun: dryRun, Progress: bar.set})
				bar.done()
				if err != nil {
					return err
				}
				printReconcile(a.out, res)
				queued += res.Queued
			}
			if eng != nil && queued > 0 {
				return a.waitQueue(ctx, eng, queued)
			}
			return nil
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "", "tenant (optional when the config has one)")
	c.Flags().StringVar(&appID, "app", "", "reconcile this app only")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "show what would be found and done; change nothing")
	c.Flags().StringVar(&export, "export", "", "account export (CSV) of a manual app, from its owner; needs --app")
	return c
}

// reconcileApps are the apps a run covers.
func reconcileApps(ct *config.Tenant, appID, export string) ([]*config.App, error) {
	if export != "" && appID == "" {
		return nil, fmt.Errorf("--export needs --app: the export is one app's accounts")
	}
	if appID != "" {
		ca, ok := ct.App(appID)
		if !ok {
			ids := make([]string, len(ct.Apps))
			for i, x := range ct.Apps {
				ids[i] = x.ID
			}
			return nil, fmt.Errorf("--app %q: not an app of tenant %s (known: %s)", appID, ct.ID, strings.Join(ids, ", "))
		}
		return []*config.App{ca}, nil
	}
	out := make([]*config.App, len(ct.Apps))
	for i := range ct.Apps {
		out[i] = &ct.Apps[i]
	}
	return out, nil
}

// printReconcile writes one app's summary.
func printReconcile(w io.Writer, r *reconcile.Result) {
	var parts []string
	for _, c := range append([]account.Class{account.InSync}, account.Classes...) {
		if n := r.Counts[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c))
		}
	}
	fmt.Fprintf(w, "%s: %d accounts: %s\n", r.App, r.Seen, strings.Join(parts, ", "))
	for _, f := range r.Findings {
		who := f.UserName
		if f.PersonID != "" {
			who += " (" + f.PersonID + ")"
		}
		fmt.Fprintf(w, "  %-10s %-9s %s: %s\n", f.Class, f.Action, who, f.Detail)
	}
	switch {
	case r.DryRun:
		fmt.Fprintf(w, "  dry run: would queue %d operations (%d accounts losing access; the guard allows %d); nothing changed\n",
			len(r.Operations), r.Removals, r.Limit)
		for _, o := range r.Operations {
			fmt.Fprintf(w, "    %s %s %s %s\n", o.Effective(), o.App, strings.TrimSpace(o.Person+" "+o.ExternalID), o.Entitlement)
		}
	case r.Held != "":
		fmt.Fprintf(w, "  HELD as batch %s: it would take access from %d accounts (the guard allows %d). Review with `tenure hr pending`, then `tenure hr approve %s` or reject.\n",
			r.Held, r.Removals, r.Limit, r.Held)
	default:
		fmt.Fprintf(w, "  queued %d operations\n", r.Queued)
	}
}

// scanBar shows accounts read so far on a terminal, and nothing otherwise.
type scanBar struct{ bar *progressbar.ProgressBar }

func newScanBar(app string) *scanBar {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return &scanBar{}
	}
	return &scanBar{bar: progressbar.NewOptions(-1, progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(app+": accounts read"), progressbar.OptionClearOnFinish(),
		progressbar.OptionShowCount())}
}

func (s *scanBar) set(n int) {
	if s.bar != nil {
		_ = s.bar.Set(n)
	}
}

func (s *scanBar) done() {
	if s.bar != nil {
		_ = s.bar.Finish()
	}
}

// queueForReconcile starts the queue when batch id is a held
// reconciliation: approving it queues operations (on orphans, say) that no
// later plan would derive. The returned func works the queue and stops it.
func (a *app) queueForReconcile(ctx context.Context, t *lifecycle.Tenant, id string) (func(), error) {
	pending, err := t.Pending(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(pending, func(b guard.Batch) bool { return b.ID == id })
	if i < 0 || pending[i].Kind != guard.Reconcile {
		return func() {}, nil
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	eng, err := a.startEngine(ctx, cfg, t.Service(), map[string]*lifecycle.Tenant{t.ID(): t})
	if err != nil {
		return nil, err
	}
	t.Service().OnChange, t.Service().Enqueue = eng.OnChange, eng.Enqueue
	return func() {
		if n, err := eng.Pending(ctx); err == nil && n > 0 {
			if err := a.waitQueue(ctx, eng, n); err != nil {
				fmt.Fprintln(a.err, "warning:", err)
			}
		}
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = eng.Stop(sctx)
	}, nil
}
