package main

import (
	"context"
	"fmt"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/reconcile"
)

// reconcileJobs are the scheduled reconciliations tenure serve runs: every
// app with a reconcile.interval whose connector can list accounts. (A
// manual app is reconciled from its owner's export, on demand.)
func (a *app) reconcileJobs(ctx context.Context, cfg *config.File, tenants map[string]*lifecycle.Tenant) []reconcile.Job {
	conns := a.connectors(ctx, cfg)
	var jobs []reconcile.Job
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
			jobs = append(jobs, reconcile.Job{Tenant: ct.ID, App: ca.ID, Interval: app.Interval,
				Run: func(ctx context.Context) (*reconcile.Result, error) {
					c, ok := conns(ct.ID, app.ID)
					l, isLister := c.(connector.Lister)
					if !ok || !isLister {
						return nil, fmt.Errorf("app %s: no connector that lists accounts", app.ID)
					}
					return reconcile.Run(ctx, t, app, l, reconcile.Options{})
				}})
		}
	}
	return jobs
}
