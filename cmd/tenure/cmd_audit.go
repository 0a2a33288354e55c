package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func (a *app) auditCmd() *cobra.Command {
	c := &cobra.Command{Use: "audit", Short: "Verify and export the hash-chained audit log"}
	var tenant, output string
	verify := &cobra.Command{
		Use:   "verify --tenant T",
		Short: "Recompute the tenant's chain; fail naming the first altered, inserted or removed entry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closer, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			defer closer()
			n, err := svc.VerifyAudit(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "audit chain of tenant %s verified: %d entries intact\n", tenant, n)
			return nil
		},
	}
	verify.Flags().StringVar(&tenant, "tenant", "", "tenant")
	_ = verify.MarkFlagRequired("tenant")
	export := &cobra.Command{
		Use:   "export --tenant T [--output FILE]",
		Short: "Write the tenant's audit chain as JSON Lines",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closer, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			defer closer()
			w := a.out
			if output != "" && output != "-" {
				f, err := os.OpenFile(output, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			n, err := svc.ExportAudit(cmd.Context(), tenant, w)
			if err != nil {
				return err
			}
			if output != "" && output != "-" {
				fmt.Fprintf(a.err, "%d entries written to %s\n", n, output)
			}
			return nil
		},
	}
	export.Flags().StringVar(&tenant, "tenant", "", "tenant")
	export.Flags().StringVarP(&output, "output", "o", "", "file to write (default: standard output); never overwritten")
	_ = export.MarkFlagRequired("tenant")
	c.AddCommand(verify, export)
	return c
}
