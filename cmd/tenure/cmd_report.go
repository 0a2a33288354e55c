package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/store"
)

func (a *app) reportCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "report",
		Short: "Reports from the latest reconciliations: flagged accounts, service-account owners",
	}
	c.AddCommand(a.reportAccountsCmd(), a.reportServiceAccountsCmd())
	return c
}

func (a *app) reportAccountsCmd() *cobra.Command {
	var tenant, class, appID, format string
	c := &cobra.Command{
		Use:   "accounts --tenant T --class orphan|ghost|drift [--format table|json|csv]",
		Short: "List the accounts the latest reconciliation of each app flagged, by class",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			cl := account.Class(class)
			if class != "" && !isClass(cl) {
				names := make([]string, len(account.Classes))
				for i, x := range account.Classes {
					names[i] = string(x)
				}
				return fmt.Errorf("--class %q: want one of %s", class, strings.Join(names, ", "))
			}
			t, _, closer, err := a.tenant(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			defer closer()
			fs, err := t.Findings(cmd.Context(), store.FindingFilter{App: appID, Class: cl})
			if err != nil {
				return err
			}
			return writeFindings(a.out, format, fs, false)
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "", "tenant (optional when the config has one)")
	c.Flags().StringVar(&class, "class", "", "orphan, ghost, drift, unmanaged, service or ambiguous (default: all)")
	c.Flags().StringVar(&appID, "app", "", "one app only")
	c.Flags().StringVar(&format, "format", "table", "table, json or csv")
	return c
}

func (a *app) reportServiceAccountsCmd() *cobra.Command {
	var tenant, format string
	c := &cobra.Command{
		Use:   "service-accounts --tenant T [--format table|json|csv]",
		Short: "List service accounts and their owners, those whose owner is gone first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			t, _, closer, err := a.tenant(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			defer closer()
			fs, err := t.Findings(cmd.Context(), store.FindingFilter{Class: account.Service})
			if err != nil {
				return err
			}
			gone := fs[:0:0]
			var ok []account.Finding
			for _, f := range fs {
				if f.OwnerGone {
					gone = append(gone, f)
				} else {
					ok = append(ok, f)
				}
			}
			return writeFindings(a.out, format, append(gone, ok...), true)
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "", "tenant (optional when the config has one)")
	c.Flags().StringVar(&format, "format", "table", "table, json or csv")
	return c
}

func checkFormat(f string) error {
	switch f {
	case "table", "json", "csv":
		return nil
	}
	return fmt.Errorf("--format %q: want table, json or csv", f)
}

func isClass(c account.Class) bool {
	for _, x := range account.Classes {
		if x == c {
			return true
		}
	}
	return false
}

// writeFindings prints findings as a table, JSON or CSV; owners shows the
// service-account columns.
func writeFindings(w io.Writer, format string, fs []account.Finding, owners bool) error {
	if fs == nil {
		fs = []account.Finding{}
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(fs)
	case "csv":
		cw := csv.NewWriter(w)
		head := []string{"app", "externalId", "userName", "class", "person", "state", "action", "detail"}
		if owners {
			head = []string{"app", "externalId", "userName", "owner", "ownerGone", "state", "action", "detail"}
		}
		_ = cw.Write(head)
		for _, f := range fs {
			row := []string{f.App, f.ExternalID, f.UserName, string(f.Class), f.PersonID, string(f.State), f.Action, f.Detail}
			if owners {
				row = []string{f.App, f.ExternalID, f.UserName, f.Owner, strconv.FormatBool(f.OwnerGone), string(f.State), f.Action, f.Detail}
			}
			_ = cw.Write(row)
		}
		cw.Flush()
		return cw.Error()
	}
	if len(fs) == 0 {
		_, err := fmt.Fprintln(w, "No accounts found. (Run `tenure reconcile` first.)")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if owners {
		fmt.Fprintln(tw, "APP\tACCOUNT\tOWNER\tSTATE\tACTION\tDETAIL")
		for _, f := range fs {
			owner := f.Owner
			if f.OwnerGone {
				owner = "GONE " + cmpOr(f.Owner, "(none)")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.App, cmpOr(f.UserName, f.ExternalID), owner, f.State, f.Action, f.Detail)
		}
	} else {
		fmt.Fprintln(tw, "APP\tACCOUNT\tCLASS\tPERSON\tSTATE\tACTION\tDETAIL")
		for _, f := range fs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.App, cmpOr(f.UserName, f.ExternalID), f.Class, cmpOr(f.PersonID, "-"), f.State, f.Action, f.Detail)
		}
	}
	return tw.Flush()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
