package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/tenure-dev/tenure/config"
	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/connector/google"
	"github.com/tenure-dev/tenure/connector/msgraph"
	"github.com/tenure-dev/tenure/connector/okta"
	"github.com/tenure-dev/tenure/connector/revoke"
	"github.com/tenure-dev/tenure/connector/webhook"
	"github.com/tenure-dev/tenure/egress"
)

// buildable reports whether Tenure has an adapter for a connector type;
// apps of other types get tasks.
func buildable(typ string) bool {
	switch typ {
	case config.ConnectorSCIM, config.ConnectorLDAP, config.ConnectorOkta, config.ConnectorMSGraph, config.ConnectorGoogle:
		return true
	}
	return false
}

// buildConnector builds an app's connector and puts its session revokers
// beside it. Any part that cannot be built (a missing secret, a refused
// URL) fails the whole app, which then falls back to tasks: a leaver's
// sign-out must not be skipped quietly because one channel is misconfigured.
func (a *app) buildConnector(ctx context.Context, tenant string, app *config.App) (connector.Connector, error) {
	var core connector.Connector
	var err error
	switch app.Connector.Type {
	case config.ConnectorSCIM:
		core, err = a.scimConnector(ctx, tenant, app)
	case config.ConnectorLDAP:
		core, err = a.ldapConnector(ctx, tenant, app)
	default:
		core, err = a.idpConnector(tenant, app)
	}
	if err != nil {
		return nil, err
	}
	revokers, err := a.sessionRevokers(tenant, app)
	if err != nil {
		return nil, err
	}
	return connector.WithSessions(core, revokers...), nil
}

// egressPolicy is the outbound policy for an app's connector and revokers:
// https to public addresses, unless the app's connector says
// allow_loopback: true (or TENURE_ALLOW_LOOPBACK_TARGETS=1 for the whole
// process), which lets tests and single-machine setups reach this host,
// over http too.
func egressPolicy(app *config.App) egress.Policy {
	if app.Connector.AllowLoopback || os.Getenv("TENURE_ALLOW_LOOPBACK_TARGETS") == "1" {
		return egress.Policy{AllowHTTP: true, AllowLoopback: true}
	}
	return egress.Policy{}
}

// readSecret reads a credential by reference: the environment variable or
// the file that the config keys KEY_env and KEY_file name. Errors name the
// keys, never the value.
func readSecret(key, env, file string) (string, error) {
	switch {
	case env != "":
		v := os.Getenv(env)
		if v == "" {
			return "", fmt.Errorf("environment variable %s (%s_env) is empty or unset", env, key)
		}
		return v, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s_file: %w", key, err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("%s_file %s is empty", key, file)
		}
		return v, nil
	}
	return "", fmt.Errorf("no %s_env or %s_file", key, key)
}

// idpConnector builds an okta, msgraph or google connector.
func (a *app) idpConnector(tenant string, app *config.App) (connector.Connector, error) {
	c, x := &app.Connector, &app.Connector.IdP
	log := a.log.With("tenant", tenant, "app", app.ID)
	pol, timeout := egressPolicy(app), c.Timeout.Duration
	switch c.Type {
	case config.ConnectorOkta:
		tok, err := readSecret("token", c.TokenEnv, c.TokenFile)
		if err != nil {
			return nil, err
		}
		return okta.New(okta.Config{URL: c.URL, Token: tok, DisableMode: okta.DisableMode(x.DisableMode),
			Timeout: timeout, Egress: pol, Logger: log})
	case config.ConnectorMSGraph:
		sec, err := readSecret("client_secret", x.ClientSecretEnv, x.ClientSecretFile)
		if err != nil {
			return nil, err
		}
		return msgraph.New(msgraph.Config{TenantID: x.TenantID, ClientID: x.ClientID, ClientSecret: sec,
			GraphURL: c.URL, TokenURL: x.TokenURL, Timeout: timeout, Egress: pol, Logger: log})
	case config.ConnectorGoogle:
		cfg := google.Config{Subject: x.Subject, Customer: x.Customer, URL: c.URL, Timeout: timeout, Egress: pol, Logger: log}
		if x.CredentialsFile != "" {
			b, err := os.ReadFile(x.CredentialsFile)
			if err != nil {
				return nil, fmt.Errorf("credentials_file: %w", err)
			}
			cfg.CredentialsJSON = b
		} else {
			tok, err := readSecret("token", c.TokenEnv, c.TokenFile)
			if err != nil {
				return nil, err
			}
			cfg.Token = tok
		}
		return google.New(cfg)
	}
	return nil, fmt.Errorf("no adapter for connector type %q", c.Type)
}

// sessionRevokers builds an app's extra session revokers.
func (a *app) sessionRevokers(tenant string, app *config.App) ([]connector.SessionRevoker, error) {
	var out []connector.SessionRevoker
	for i, s := range app.Sessions {
		log := a.log.With("tenant", tenant, "app", app.ID, "sessions", i)
		var r connector.SessionRevoker
		var err error
		switch s.Type {
		case config.SessionsWebhook:
			var sec string
			if sec, err = readSecret("secret", s.SecretEnv, s.SecretFile); err == nil {
				r, err = webhook.New(webhook.Config{URL: s.URL, Secret: sec, Timeout: s.Timeout.Duration, Egress: egressPolicy(app), Logger: log})
			}
		case config.SessionsRevoke:
			var sec string
			if sec, err = readSecret("client_secret", s.ClientSecretEnv, s.ClientSecretFile); err == nil {
				r, err = revoke.New(revoke.Config{URL: s.URL, ClientID: s.ClientID, ClientSecret: sec, AuthMethod: s.AuthMethod,
					Param: s.Param, Subject: s.Subject, TokenTypeHint: s.TokenTypeHint, Timeout: s.Timeout.Duration,
					Egress: egressPolicy(app), Logger: log})
			}
		default:
			err = fmt.Errorf("unknown session revoker type %q", s.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("sessions[%d] (%s): %w", i, s.Type, err)
		}
		out = append(out, r)
	}
	return out, nil
}
