package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/httpapi"
	"github.com/tenure-dev/tenure/lifecycle"
)

func (a *app) serveCmd() *cobra.Command {
	var addr, logFormat, publicURL string
	var jobTimeout, rescueAfter time.Duration
	var workers int
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server: health, metrics and the tenant APIs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if workers < 1 {
				return fmt.Errorf("--workers %d: must be at least 1", workers)
			}
			log, err := newLogger(logFormat)
			if err != nil {
				return err
			}
			a.log = log
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			svc, closer, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			defer closer()
			svc.Actor = "server"
			tenants := map[string]*lifecycle.Tenant{}
			for i := range cfg.Tenants {
				t, err := svc.Tenant(lifecycle.FromConfig(&cfg.Tenants[i]))
				if err != nil {
					return err
				}
				tenants[t.ID()] = t
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			defer ln.Close()
			sig, err := a.newSignals(cfg, svc, cmp.Or(publicURL, "http://"+ln.Addr().String()))
			if err != nil {
				return err
			}
			a.jobTimeout, a.rescueAfter, a.workers = jobTimeout, rescueAfter, workers
			eng, err := a.startEngine(cmd.Context(), cfg, svc, tenants, a.reconcileJobs(cmd.Context(), cfg, tenants)...)
			if err != nil {
				return err
			}
			svc.OnChange = eng.OnChange
			svc.Enqueue = eng.Enqueue
			wireSignals(sig, eng, svc)
			defer func() {
				// Running operations finish; queued ones wait in the
				// database for the next start. Nothing is lost.
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := eng.Stop(ctx); err != nil {
					log.Warn("stopping the queue", "err", err)
				}
			}()
			reg := prometheus.NewRegistry()
			reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
			var ts []*lifecycle.Tenant
			for _, t := range tenants {
				ts = append(ts, t)
			}
			reg.MustRegister(eng.Collector(ts))
			srv := &httpapi.Server{
				Service: svc,
				Tenants: func(id string) (*lifecycle.Tenant, bool) { t, ok := tenants[id]; return t, ok },
				Log:     log,
				Ready: func(ctx context.Context) error {
					_, err := svc.Store.Tenants(ctx)
					return err
				},
				Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
				Signals: sig,
			}
			hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
			log.Info("tenure serving", "addr", ln.Addr().String(), "tenants", len(tenants))
			fmt.Fprintf(a.err, "listening on http://%s\n", ln.Addr())
			errc := make(chan error, 1)
			go func() { errc <- hs.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-cmd.Context().Done():
			}
			log.Info("shutting down: finishing in-flight requests")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	c.Flags().StringVar(&logFormat, "log-format", "text", "log format: text or json")
	c.Flags().StringVar(&publicURL, "public-url", os.Getenv("TENURE_PUBLIC_URL"), "public base URL; a tenant's SET issuer is URL/t/{tenant} (default http://ADDR; env TENURE_PUBLIC_URL)")
	c.Flags().DurationVar(&jobTimeout, "job-timeout", time.Minute, "longest one operation may run before it counts as failed (and is retried)")
	c.Flags().IntVar(&workers, "workers", engine.DefaultWorkers, "operations worked at once (each app's concurrency limit still applies)")
	c.Flags().DurationVar(&rescueAfter, "rescue-after", 10*time.Minute, "how long an operation may stay running before it is taken to have died with its replica and is worked again (must exceed --job-timeout)")
	return c
}

func newLogger(format string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}
