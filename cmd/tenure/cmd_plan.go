package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/policy"
)

func (a *app) planCmd() *cobra.Command {
	var tenant, only, format string
	c := &cobra.Command{
		Use:   "plan --tenant T [--person ID] [--format text|json]",
		Short: "Show the operations that would bring every app to the desired access, removals first",
		Long: `Compare desired access (birthright rules and approved requests over each
person's current attributes) with the known actual state of every app, and
print the operations that close the gap: removals first, leavers before
movers before joiners, crown-jewel apps before standard ones. Every line
carries its reason.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: want text or json", format)
			}
			t, _, closer, err := a.tenant(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			defer closer()
			st, err := t.SyncPolicy(cmd.Context())
			if err != nil {
				return err
			}
			if st.Held != "" {
				fmt.Fprintf(a.err, "warning: the configured policy change is held as batch %s (it would remove too much access); this plan uses the accepted policy. See `tenure hr pending`.\n", st.Held)
			}
			pl, err := t.Plan(cmd.Context(), only)
			if err != nil {
				return err
			}
			if format == "json" {
				return pl.WriteJSON(a.out)
			}
			return pl.WriteText(a.out)
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "", "tenant (optional when the config has one)")
	c.Flags().StringVar(&only, "person", "", "only this employee id")
	c.Flags().StringVar(&format, "format", "text", "text or json")
	return c
}

func (a *app) accountsCmd() *cobra.Command {
	c := &cobra.Command{Use: "accounts", Short: "Load the known actual state of apps"}
	var tenant string
	imp := &cobra.Command{
		Use:   "import --tenant T FILE",
		Short: "Replace the known accounts of the apps in FILE (JSON Lines export of app accounts)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, _, closer, err := a.tenant(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			defer closer()
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			accts, err := account.ParseJSONL(f, args[0])
			if err != nil {
				return err
			}
			counts, err := t.ImportAccounts(cmd.Context(), accts, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "%d accounts in %d apps recorded as the known actual state\n", len(accts), len(counts))
			return nil
		},
	}
	imp.Flags().StringVar(&tenant, "tenant", "", "tenant (optional when the config has one)")
	c.AddCommand(imp)
	return c
}

func (a *app) requestCmd() *cobra.Command {
	c := &cobra.Command{Use: "request", Short: "Record requested (approved, time-bound) access"}
	var tenant, expires string
	var r policy.Request
	add := &cobra.Command{
		Use:   "add --person ID --app APP [--entitlement E] --approver WHO --reason WHY --expires DATE",
		Short: "Record an approved request; it grants access until it expires",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			exp, err := parseWhen(expires)
			if err != nil {
				return fmt.Errorf("--expires: %w", err)
			}
			r.ExpiresAt = exp
			t, _, closer, err := a.tenant(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			defer closer()
			got, err := t.AddRequest(cmd.Context(), r)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "request %s recorded: %s gets %s %s until %s\n", got.ID, got.PersonID, got.App, got.Entitlement, got.ExpiresAt.Format(time.RFC3339))
			return nil
		},
	}
	add.Flags().StringVar(&tenant, "tenant", "", "tenant (optional when the config has one)")
	add.Flags().StringVar(&r.PersonID, "person", "", "employee id")
	add.Flags().StringVar(&r.App, "app", "", "app id")
	add.Flags().StringVar(&r.Entitlement, "entitlement", "", "entitlement in the app (empty: the account only)")
	add.Flags().StringVar(&r.Approver, "approver", "", "who approved it")
	add.Flags().StringVar(&r.Reason, "reason", "", "why it is needed")
	add.Flags().StringVar(&expires, "expires", "", "expiry: YYYY-MM-DD, RFC 3339, or a duration from now (72h, 30d)")
	c.AddCommand(add)
	return c
}

// parseWhen accepts a date, an RFC 3339 time or a duration from now.
func parseWhen(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := config.ParseDuration(s); err == nil && d > 0 {
		return time.Now().Add(d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD), an RFC 3339 time or a duration (72h, 30d)", s)
}
