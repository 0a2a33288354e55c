package main

import (
	"context"
	"fmt"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/reconcile"
)

// reconcileJobs are the scheduled reconciliations tenure serve runs: every
// app with a reconcile.interval whose connector can list accounts. (A
// manual app is reconciled from its owner's export, on demand.) They run
// as the engine's periodic work, so with several replicas each app is
// reconciled once per interval, not once per replica.
func (a *app) reconcileJobs(ctx context.Context, cfg *config.File, tenants map[string]*lifecycle.Tenant) []engine.Periodic {
	conns := a.connectors(ctx, cfg)
	var jobs []engine.Periodic
	for i := range cfg.Tenants {
		ct := &cfg.Tenants[i]
		t, ok := tenants[ct.ID]
		if !ok {
			continue
		}
		for j := range ct.Apps {
			ca := &ct.Apps[j]
			if ca.Reconcile.Interval.Duration <= 0 || ca.Connector.Type == config.ConnectorManual {
				continue
			}
			app := reconcile.FromConfig(ca)
			jobs = append(jobs, engine.Periodic{Name: "reconcile:" + ct.ID + "/" + ca.ID, Interval: app.Interval,
				Run: func(ctx context.Context) error {
					c, ok := conns(ct.ID, app.ID)
					l, isLister := c.(connector.Lister)
					if !ok || !isLister {
						return fmt.Errorf("app %s: no connector that lists accounts", app.ID)
					}
					res, err := reconcile.Run(ctx, t, app, l, reconcile.Options{})
					switch {
					case err != nil:
						return err
					case res.Held != "":
						a.log.Warn("scheduled reconciliation held by the mass-change guard", "tenant", ct.ID, "app", app.ID,
							"batch", res.Held, "removals", res.Removals, "limit", res.Limit)
					default:
						a.log.Info("scheduled reconciliation", "tenant", ct.ID, "app", app.ID, "accounts", res.Seen,
							"findings", len(res.Findings), "queued", res.Queued)
					}
					return nil
				}})
		}
	}
	return jobs
}
