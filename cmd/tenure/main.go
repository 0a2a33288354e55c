// Command tenure is the identity lifecycle engine: HR roster in, every
// app's access out, leavers first. See README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/postgres"
	"github.com/tenure-dev/tenure/store/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// app holds the global flags and what commands open from them.
type app struct {
	configPath string
	dataDir    string
	// database, when set (a postgres:// URL), selects PostgreSQL instead of
	// the embedded SQLite database in dataDir.
	database string
	// jobTimeout, rescueAfter and workers tune the queue (serve flags;
	// zero: the engine's defaults).
	jobTimeout, rescueAfter time.Duration
	workers                 int
	out, err                io.Writer
	log                     *slog.Logger
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	a := &app{out: stdout, err: stderr}
	root := &cobra.Command{
		Use:           "tenure",
		Short:         "Identity lifecycle engine: the HR roster drives every account, leavers first",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			a.log = slog.New(slog.NewTextHandler(a.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&a.configPath, "config", envOr("TENURE_CONFIG", "./tenure.yaml"), "configuration file (env TENURE_CONFIG)")
	root.PersistentFlags().StringVar(&a.dataDir, "data", envOr("TENURE_DATA", "./tenure-data"), "data directory holding the embedded database (env TENURE_DATA)")
	root.PersistentFlags().StringVar(&a.database, "database", os.Getenv("TENURE_DATABASE_URL"), "PostgreSQL URL (postgres://…) instead of the embedded SQLite (env TENURE_DATABASE_URL)")
	root.AddCommand(
		a.configCmd(), a.tenantCmd(), a.tokenCmd(), a.hrCmd(), a.planCmd(),
		a.accountsCmd(), a.requestCmd(), a.auditCmd(), a.quickstartCmd(), a.benchCmd(), a.serveCmd(), a.applyCmd(), a.taskCmd(), a.slaCmd(), a.dbCmd(),
		a.reconcileCmd(), a.reportCmd(),
		a.keysCmd(),
	)
	return root
}

// loadConfig reads and validates the configuration file.
func (a *app) loadConfig() (*config.File, error) {
	f, err := config.Load(a.configPath)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// openStore opens PostgreSQL when --database is given, else the embedded
// SQLite database in the data directory. Both apply their migrations.
func (a *app) openStore(ctx context.Context) (store.Store, error) {
	if a.database != "" {
		if !strings.HasPrefix(a.database, "postgres://") && !strings.HasPrefix(a.database, "postgresql://") {
			return nil, fmt.Errorf("--database: want a postgres:// URL (leave it empty for the embedded SQLite)")
		}
		return postgres.Open(ctx, a.database)
	}
	if err := os.MkdirAll(a.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	return sqlite.Open(ctx, filepath.Join(a.dataDir, "tenure.db"))
}

// service opens the store and the tenant service over it.
func (a *app) service(ctx context.Context) (*lifecycle.Service, func(), error) {
	st, err := a.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	actor := "cli"
	if u, err := user.Current(); err == nil {
		actor = "cli:" + u.Username
	}
	svc := &lifecycle.Service{Store: st, Actor: actor, Log: a.log}
	return svc, func() { _ = st.Close() }, nil
}

// tenantFlag resolves --tenant: required unless the config has exactly one tenant.
func tenantFlag(cfg *config.File, flag string) (*config.Tenant, error) {
	if flag == "" {
		if len(cfg.Tenants) == 1 {
			return &cfg.Tenants[0], nil
		}
		return nil, fmt.Errorf("--tenant is required: the config defines %d tenants", len(cfg.Tenants))
	}
	t, ok := cfg.Tenant(flag)
	if !ok {
		return nil, fmt.Errorf("tenant %q is not in the config", flag)
	}
	return t, nil
}

// tenant opens the service bound to one configured tenant.
func (a *app) tenant(ctx context.Context, flag string) (*lifecycle.Tenant, *config.Tenant, func(), error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, nil, nil, err
	}
	ct, err := tenantFlag(cfg, flag)
	if err != nil {
		return nil, nil, nil, err
	}
	svc, closer, err := a.service(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	t, err := svc.Tenant(lifecycle.FromConfig(ct))
	if err != nil {
		closer()
		return nil, nil, nil, err
	}
	return t, ct, closer, nil
}
