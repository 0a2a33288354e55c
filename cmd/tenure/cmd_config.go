package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/config"
)

func (a *app) configCmd() *cobra.Command {
	c := &cobra.Command{Use: "config", Short: "Check and print configuration"}
	c.AddCommand(&cobra.Command{
		Use:   "validate [FILE]",
		Short: "Report every problem of a configuration file at once, with its location",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := a.configPath
			if len(args) == 1 {
				path = args[0]
			}
			f, err := config.Load(path)
			if err != nil {
				probs := config.Problems(err)
				if len(probs) == 0 {
					return err
				}
				for _, p := range probs {
					fmt.Fprintln(a.out, p.Error())
				}
				return fmt.Errorf("%s: %d problem%s", path, len(probs), plural(len(probs)))
			}
			for _, t := range f.Tenants {
				fmt.Fprintf(a.out, "%s: tenant %s: %d apps, %d roles, %d birthright rules\n",
					path, t.ID, len(t.Apps), len(t.Roles), len(t.Birthright))
			}
			fmt.Fprintf(a.out, "%s: OK\n", path)
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "example",
		Short: "Print a complete, commented example tenure.yaml",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := a.out.Write(config.Example())
			return err
		},
	})
	return c
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
