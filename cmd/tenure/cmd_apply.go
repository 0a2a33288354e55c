package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/connector"
	scimconn "github.com/tenure-dev/tenure/connector/scim"
	"github.com/tenure-dev/tenure/egress"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/store/postgres"
	"github.com/tenure-dev/tenure/store/sqlite"
)

// connectors resolves the connector of a configured app, built once per
// app, with its session revokers beside it. Types with a built adapter act
// (scim, okta, msgraph, google; see buildable); every other app's operations
// become tasks for its owner, so nothing waits silently for an adapter that
// does not exist. A connector that cannot be built (a missing secret, a
// rejected token) is logged and its app falls back to tasks.
func (a *app) connectors(ctx context.Context, cfg *config.File) engine.Connectors {
	var mu sync.Mutex
	built := map[string]connector.Connector{}
	return func(tenant, appID string) (connector.Connector, bool) {
		t, ok := cfg.Tenant(tenant)
		if !ok {
			return nil, false
		}
		app, ok := t.App(appID)
		if !ok || !buildable(app.Connector.Type) {
			return nil, false
		}
		mu.Lock()
		defer mu.Unlock()
		key := tenant + "/" + appID
		if c, ok := built[key]; ok {
			return c, c != nil
		}
		c, err := a.buildConnector(ctx, tenant, app)
		if err != nil {
			a.log.Error("connector unavailable: its operations become tasks", "tenant", tenant, "app", appID, "err", err)
			built[key] = nil
			return nil, false
		}
		built[key] = c
		return c, true
	}
}

// scimConnector builds an app's SCIM connector. Credentials come only
// from the environment variables or files the config names.
func (a *app) scimConnector(ctx context.Context, tenant string, app *config.App) (connector.Connector, error) {
	cc := app.Connector
	cfg := scimconn.Config{
		BaseURL:       cc.URL,
		Timeout:       cc.Timeout.Duration,
		MaxConcurrent: cc.Concurrency,
		RatePerSecond: cc.RateLimit,
		Mapping:       cc.Mapping,
		// Loopback targets are refused unless the app's config (the
		// quickstart's sandbox) or the process environment (tests) asks.
		AllowLoopback: cc.AllowLoopback || os.Getenv("TENURE_ALLOW_LOOPBACK_TARGETS") == "1",
		Logger:        a.log.With("tenant", tenant, "app", app.ID),
	}
	// Every request, the OAuth token request included, goes through the
	// egress check of the dialled address: never the cloud metadata or
	// link-local ranges, this machine only when allowed. Internal apps on
	// private addresses, and http, stay possible as before (config checks
	// where a secret may travel in clear).
	cfg.HTTPClient = egress.Policy{AllowHTTP: true, AllowPrivate: true, AllowLoopback: cfg.AllowLoopback}.
		Client(cmp.Or(cc.Timeout.Duration, scimconn.DefaultTimeout))
	auth, err := scimAuth(cc)
	if err != nil {
		return nil, err
	}
	if auth == nil {
		if cfg.Token, err = readSecret("token", cc.TokenEnv, cc.TokenFile); err != nil {
			return nil, err
		}
	}
	cfg.Auth = auth
	return scimconn.New(ctx, cfg)
}

// scimAuth resolves an auth block's secrets; nil for a bearer token.
func scimAuth(cc config.Connector) (scimconn.Auth, error) {
	if cc.Auth == nil {
		return nil, nil
	}
	switch au := cc.Auth; au.Type {
	case config.AuthOAuth2:
		s, err := readSecret("client_secret", au.ClientSecretEnv, au.ClientSecretFile)
		if err != nil {
			return nil, err
		}
		return &scimconn.OAuth2{TokenURL: au.TokenURL, ClientID: au.ClientID, ClientSecret: s, Scopes: au.Scopes}, nil
	case config.AuthBasic:
		s, err := readSecret("password", au.PasswordEnv, au.PasswordFile)
		if err != nil {
			return nil, err
		}
		return scimconn.Basic{Username: au.Username, Password: s}, nil
	}
	return nil, nil
}

// startEngine builds and starts the queue workers on the store's database,
// with periodic work (tenure serve's scheduled reconciliations) if any.
func (a *app) startEngine(ctx context.Context, cfg *config.File, svc *lifecycle.Service, tenants map[string]*lifecycle.Tenant, periodic ...engine.Periodic) (*engine.Engine, error) {
	qc := engine.Config{
		Service: svc,
		Tenants: func(id string) (*lifecycle.Tenant, bool) { t, ok := tenants[id]; return t, ok },
		AllTenants: func() []*lifecycle.Tenant {
			out := make([]*lifecycle.Tenant, 0, len(tenants))
			for _, t := range tenants {
				out = append(out, t)
			}
			return out
		},
		Periodic:    periodic,
		Connectors:  a.connectors(ctx, cfg),
		Log:         a.log,
		JobTimeout:  a.jobTimeout,
		RescueAfter: a.rescueAfter,
		Workers:     a.workers,
	}
	switch st := svc.Store.(type) {
	case *sqlite.Store:
		qc.DB = st.DB()
	case *postgres.Store:
		qc.Pool = st.Pool() // several replicas share this queue
	default:
		return nil, fmt.Errorf("no queue for store %T", svc.Store)
	}
	eng, err := engine.New(ctx, qc)
	if err != nil {
		return nil, err
	}
	return eng, eng.Start(ctx)
}

func (a *app) applyCmd() *cobra.Command {
	var tenant string
	c := &cobra.Command{
		Use:   "apply --tenant T",
		Short: "Queue the current plan (removals first) and work it until done",
		Long: `Compute the plan and queue its operations in the same transaction as its audit
entry, then run the workers until the queue is empty. Operations for apps
without a connector become tasks for the app's owner (tenure task list).
Re-running apply never queues an operation twice.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			t, _, closer, err := a.tenant(ctx, tenant)
			if err != nil {
				return err
			}
			defer closer()
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			svc := t.Service()
			if st, err := t.SyncPolicy(ctx); err != nil {
				return err
			} else if st.Held != "" {
				fmt.Fprintf(a.err, "warning: a policy change is held as batch %s; applying the accepted policy\n", st.Held)
			}
			eng, err := a.startEngine(ctx, cfg, svc, map[string]*lifecycle.Tenant{t.ID(): t})
			if err != nil {
				return err
			}
			defer func() {
				sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				_ = eng.Stop(sctx)
			}()
			pl, queued, err := eng.Apply(ctx, t)
			if err != nil {
				return err
			}
			s := pl.Summarize()
			fmt.Fprintf(a.out, "queued %d operations (%d to add, %d to change, %d to remove; %d already queued)\n",
				queued, s.Add, s.Change, s.Remove, len(pl.Operations)-queued)
			if err := a.waitQueue(ctx, eng, len(pl.Operations)); err != nil {
				return err
			}
			tasks, err := t.Tasks(ctx, taskOpen)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "done. %d open tasks for humans (tenure task list).\n", len(tasks))
			return nil
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "", "tenant (optional when the config has one)")
	return c
}

// waitQueue waits until no job is left, with a progress bar on a terminal.
func (a *app) waitQueue(ctx context.Context, eng *engine.Engine, total int) error {
	var bar *progressbar.ProgressBar
	if total > 0 && term.IsTerminal(int(os.Stderr.Fd())) {
		bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription("operations"), progressbar.OptionClearOnFinish())
		defer bar.Finish()
	}
	events, cancel := eng.Subscribe()
	defer cancel()
	for {
		n, err := eng.Pending(ctx)
		if err != nil {
			return err
		}
		if bar != nil {
			_ = bar.Set(max(total-n, 0))
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped with %d operations still queued (they run on the next apply or serve): %w", n, ctx.Err())
		case <-events:
		case <-time.After(200 * time.Millisecond):
		}
	}
}
