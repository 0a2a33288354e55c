package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func (a *app) slaCmd() *cobra.Command {
	var tenant, format string
	c := &cobra.Command{
		Use:   "sla --tenant T [--format json]",
		Short: "The leaver clock: open leavers with time left per app, breaches, time-to-revoke per tier",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, _, closer, err := a.tenant(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			defer closer()
			rep, err := t.SLA(cmd.Context())
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "OPEN LEAVER REMOVALS (%d)\n", len(rep.Open))
			fmt.Fprintln(tw, "PERSON\tAPP\tTIER\tSINCE\tTIME LEFT")
			for _, c := range rep.Open {
				left := c.Deadline.Sub(rep.At).Round(time.Second)
				status := left.String()
				if left < 0 {
					status = "BREACHED by " + (-left).String()
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.PersonID, c.App, c.Tier, c.StartedAt.Format(time.RFC3339), status)
			}
			fmt.Fprintln(tw, "\nTIER\tDONE\tOPEN\tBREACHES\tP50\tP90\tP99\tMAX")
			for _, s := range rep.Tiers {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n", s.Tier, s.Done, s.Open, s.Breaches,
					s.P50.Round(time.Second), s.P90.Round(time.Second), s.P99.Round(time.Second), s.Max.Round(time.Second))
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "", "tenant (optional when the config has one)")
	c.Flags().StringVar(&format, "format", "text", "text or json")
	return c
}
