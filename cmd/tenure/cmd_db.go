package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/store/postgres"
	"github.com/tenure-dev/tenure/store/sqlite"
)

// migration is one schema migration as both adapters report it.
type migration struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

func (a *app) dbCmd() *cobra.Command {
	c := &cobra.Command{Use: "db", Short: "Database schema: migrate and show status"}
	status := func(cmd *cobra.Command) ([]migration, error) {
		st, err := a.openStore(cmd.Context()) // opening migrates, under a lock on PostgreSQL
		if err != nil {
			return nil, err
		}
		defer st.Close()
		var out []migration
		switch s := st.(type) {
		case *sqlite.Store:
			ms, err := s.MigrationStatus(cmd.Context())
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				out = append(out, migration(m))
			}
		case *postgres.Store:
			ms, err := s.MigrationStatus(cmd.Context())
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				out = append(out, migration{m.Version, m.Name, m.Applied, m.AppliedAt})
			}
		}
		return out, nil
	}
	print := func(ms []migration) error {
		tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED")
		for _, m := range ms {
			at := "pending"
			if m.Applied {
				at = m.AppliedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\n", m.Version, m.Name, at)
		}
		return tw.Flush()
	}
	c.AddCommand(&cobra.Command{
		Use:   "migrate",
		Short: "Apply pending migrations (safe with several replicas starting at once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ms, err := status(cmd)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "schema up to date (%d migrations)\n", len(ms))
			return nil
		},
	}, &cobra.Command{
		Use:   "status",
		Short: "List migrations and when each was applied",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ms, err := status(cmd)
			if err != nil {
				return err
			}
			return print(ms)
		},
	})
	return c
}
