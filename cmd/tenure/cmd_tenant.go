package main

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/token"
)

func (a *app) tenantCmd() *cobra.Command {
	c := &cobra.Command{Use: "tenant", Short: "Create and list tenants"}
	c.AddCommand(&cobra.Command{
		Use:   "create ID",
		Short: "Create a tenant (its roster, plans and audit chain are isolated from every other)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, closer, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			defer closer()
			if err := svc.CreateTenant(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "tenant %s created\n", args[0])
			return nil
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List tenants",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closer, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			defer closer()
			ts, err := svc.Store.Tenants(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TENANT\tCREATED")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t%s\n", t.ID, t.CreatedAt.UTC().Format(time.RFC3339))
			}
			return tw.Flush()
		},
	})
	return c
}

func (a *app) tokenCmd() *cobra.Command {
	c := &cobra.Command{Use: "token", Short: "Issue and revoke API tokens"}
	var tenant, desc, source string
	var scopes []string
	create := &cobra.Command{
		Use:   "create --tenant T --scope S [--scope S…] [--source NAME]",
		Short: "Issue a token bound to one tenant and its scopes; the secret is printed once",
		Long: `Issue a token bound to one tenant and its scopes; the secret is printed once.

A token of scope scim is given to one identity provider, its source
(--source okta; "default" when not given). Each source has its own SCIM
namespace in the tenant: the users and groups it pushes never collide with,
and are never seen or changed by, another source's. Rules read a source's
groups as person.sourceGroups["okta"]; person.groups is the union of all.`,
		Example: `  tenure token create --tenant acme --scope hr:write --description "workday push"
  tenure token create --tenant acme --scope scim --source okta
  tenure token create --tenant acme --scope scim --source entra`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if tenant == "" {
				return fmt.Errorf("--tenant is required")
			}
			svc, closer, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			defer closer()
			var opts []token.Option
			if cmd.Flags().Changed("source") {
				opts = append(opts, token.WithSource(source))
			}
			secret, tok, err := svc.CreateToken(cmd.Context(), tenant, scopes, desc, opts...)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, secret)
			src := ""
			if tok.Source != "" {
				src = ", SCIM source " + tok.Source
			}
			fmt.Fprintf(a.err, "token %s for tenant %s, scopes %s%s. Store it now: it cannot be shown again.\n",
				tok.ID, tok.Tenant, strings.Join(tok.Scopes, " "), src)
			return nil
		},
	}
	create.Flags().StringVar(&tenant, "tenant", "", "tenant the token is bound to")
	create.Flags().StringArrayVar(&scopes, "scope", nil, "scope the token grants (repeat for several)")
	create.Flags().StringVar(&desc, "description", "", "what the token is for")
	create.Flags().StringVar(&source, "source", "", `identity provider a scim token is given to: its own SCIM namespace (default "default")`)
	c.AddCommand(create)

	var listTenant string
	list := &cobra.Command{
		Use:   "list --tenant T",
		Short: "List a tenant's tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, closer, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			defer closer()
			toks, err := svc.Tokens(cmd.Context(), listTenant)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSCOPES\tSOURCE\tCREATED\tREVOKED\tDESCRIPTION")
			for _, t := range toks {
				rev := "-"
				if !t.RevokedAt.IsZero() {
					rev = t.RevokedAt.Format(time.RFC3339)
				}
				src := "-"
				if t.Source != "" || slices.Contains(t.Scopes, "scim") || slices.Contains(t.Scopes, "admin") {
					src = t.SCIMSource()
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, strings.Join(t.Scopes, ","), src, t.CreatedAt.Format(time.RFC3339), rev, t.Description)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&listTenant, "tenant", "", "tenant")
	_ = list.MarkFlagRequired("tenant")
	c.AddCommand(list)

	var revTenant string
	revoke := &cobra.Command{
		Use:   "revoke --tenant T ID",
		Short: "Revoke a token at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, closer, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			defer closer()
			if err := svc.RevokeToken(cmd.Context(), revTenant, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "token %s revoked\n", args[0])
			return nil
		},
	}
	revoke.Flags().StringVar(&revTenant, "tenant", "", "tenant")
	_ = revoke.MarkFlagRequired("tenant")
	c.AddCommand(revoke)
	return c
}
