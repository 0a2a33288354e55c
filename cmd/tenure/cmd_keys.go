package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/engine"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/signal"
	"github.com/tenure-dev/tenure/store"
)

// keyring is the tenants' signing keys over st, with each tenant's
// algorithm and retention from the config.
func keyring(cfg *config.File, st store.Store, kek *signal.KEK) *signal.Keyring {
	return &signal.Keyring{
		Store: st, KEK: kek,
		Alg: func(id string) string {
			if t, ok := cfg.Tenant(id); ok {
				return t.Signals.KeyAlgorithm
			}
			return ""
		},
		Retention: func(id string) time.Duration {
			if t, ok := cfg.Tenant(id); ok {
				return t.Signals.KeyRetention.Duration
			}
			return 0
		},
	}
}

// signalSettings converts a tenant's config for the signal service.
func signalSettings(t *config.Tenant) signal.Settings {
	s := signal.Settings{
		Tenant: t.ID, Egress: t.Signals.Egress(),
		AllSubjects: t.Signals.DefaultSubjects == config.DefaultSubjectsAll,
		Deadline:    cmp.Or(t.Signals.Deadline.Duration, signal.DefaultDeadline),
	}
	for _, a := range t.Apps {
		if a.BackchannelLogoutURI == "" {
			continue
		}
		s.LogoutApps = append(s.LogoutApps, signal.LogoutApp{
			ID: a.ID, URI: a.BackchannelLogoutURI, ClientID: a.BackchannelClientID, Subject: a.BackchannelSubject,
			Owner: a.Owner, Deadline: t.Tiers[a.Tier].LeaverDeadline.Duration,
		})
	}
	return s
}

// newSignals builds the signal service for serve. Without a key-encryption
// key it returns nil: no SSF routes and no signals (nothing is ever signed
// with, or stored as, a key in clear), said loudly, naming the tenants
// whose back-channel logouts will not be sent.
func (a *app) newSignals(cfg *config.File, svc *lifecycle.Service, publicURL string) (*signal.Service, error) {
	kek, err := signal.LoadKEK(os.Getenv)
	if errors.Is(err, signal.ErrNoKEK) {
		var need []string
		for i := range cfg.Tenants {
			if len(signalSettings(&cfg.Tenants[i]).LogoutApps) > 0 {
				need = append(need, cfg.Tenants[i].ID)
			}
		}
		if len(need) > 0 {
			a.log.Error("signals are OFF: back-channel logouts and SSF streams need a key-encryption key", "tenants", need, "err", err)
		} else {
			a.log.Warn("signals are off (SSF streams, back-channel logout): " + err.Error())
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	settings := map[string]signal.Settings{}
	for i := range cfg.Tenants {
		settings[cfg.Tenants[i].ID] = signalSettings(&cfg.Tenants[i])
	}
	return &signal.Service{
		Store: svc.Store, Keys: keyring(cfg, svc.Store, kek), BaseURL: strings.TrimSuffix(publicURL, "/"),
		Tenants: func(id string) (signal.Settings, bool) { s, ok := settings[id]; return s, ok },
		Log:     a.log,
	}, nil
}

// wireSignals connects the signal service to the engine and to roster
// changes: a leave's signals are queued in the change's transaction.
func wireSignals(sig *signal.Service, eng *engine.Engine, svc *lifecycle.Service) {
	if sig == nil {
		return
	}
	sig.Enqueue = eng.EnqueueSignals
	eng.UseSignals(sig)
	svc.OnEvents = func(ctx context.Context, tx store.Tx, _ *lifecycle.Tenant, evs []person.Event) error {
		return sig.OnEvents(ctx, tx, evs)
	}
}

func (a *app) keysCmd() *cobra.Command {
	c := &cobra.Command{Use: "keys", Short: "Signing keys of SETs and logout tokens (published at /t/{tenant}/jwks.json)"}
	var tenant string
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new signing key; the old one stays published for signals.key_retention, then is dropped",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			ct, err := tenantFlag(cfg, tenant)
			if err != nil {
				return err
			}
			kek, err := signal.LoadKEK(os.Getenv)
			if err != nil {
				return err
			}
			st, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			k, dropped, err := keyring(cfg, st, kek).Rotate(cmd.Context(), ct.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "tenant %s: new %s signing key %s\n", ct.ID, k.Alg, k.ID)
			for _, id := range dropped {
				fmt.Fprintf(a.out, "dropped key %s (retired past its retention)\n", id)
			}
			return nil
		},
	}
	rotate.Flags().StringVar(&tenant, "tenant", "", "tenant (required when the config has several)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the tenant's signing keys: the one that signs, and retired ones still published",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			ct, err := tenantFlag(cfg, tenant)
			if err != nil {
				return err
			}
			st, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			retention := cmp.Or(ct.Signals.KeyRetention.Duration, signal.DefaultKeyRetention)
			return st.Read(cmd.Context(), ct.ID, func(tx store.Tx) error {
				keys, err := tx.SigningKeys().List(cmd.Context())
				if err != nil {
					return err
				}
				if len(keys) == 0 {
					fmt.Fprintln(a.out, "no signing key yet (the first signal makes one)")
				}
				for _, k := range keys {
					state := "signing"
					if !k.RetiredAt.IsZero() {
						state = "retired " + k.RetiredAt.Format(time.RFC3339) + ", published until " + k.RetiredAt.Add(retention).Format(time.RFC3339)
					}
					fmt.Fprintf(a.out, "%s  %s  created %s  %s\n", k.ID, k.Alg, k.CreatedAt.Format(time.RFC3339), state)
				}
				return nil
			})
		},
	}
	list.Flags().StringVar(&tenant, "tenant", "", "tenant (required when the config has several)")
	c.AddCommand(rotate, list)
	return c
}
