package signal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/store"
)

// EventBackchannelLogout is the event member of a logout token.
const EventBackchannelLogout = "http://schemas.openid.net/event/backchannel-logout"

// LogoutType is the JOSE typ of a logout token (OIDC Back-Channel Logout
// 1.0 §2.4).
const LogoutType = "logout+jwt"

// LogoutLifetime is how long a logout token is valid: long enough for the
// relying party to receive it, short enough that a leaked one is useless.
const LogoutLifetime = 2 * 60

// LogoutClaims are a logout token's claims. It never has a nonce (that
// would make it usable as an ID token).
type LogoutClaims struct {
	Iss    string                    `json:"iss"`
	Aud    string                    `json:"aud"`
	Iat    int64                     `json:"iat"`
	Exp    int64                     `json:"exp"`
	Jti    string                    `json:"jti"`
	Sub    string                    `json:"sub"`
	Events map[string]map[string]any `json:"events"`
}

// LogoutError is a relying party's answer other than 200 or 204.
type LogoutError struct {
	Status int
	Body   string
}

func (e *LogoutError) Error() string {
	return fmt.Sprintf("back-channel logout answered %d: %s", e.Status, e.Body)
}

// Logout posts a logout token for the person to the app's
// backchannel_logout_uri. 200 and 204 are success (audited, the person's
// logout clock for the app stops); anything else is retryable, and the
// queue makes the last failure a task for the app's owner. Each attempt
// carries a fresh token, so a retry hours later is not expired.
func (s *Service) Logout(ctx context.Context, d Delivery) error {
	set, err := s.settings(d.Tenant)
	if err != nil {
		return connector.NewPermanent(err, "")
	}
	var app *LogoutApp
	for i := range set.LogoutApps {
		if set.LogoutApps[i].ID == d.App {
			app = &set.LogoutApps[i]
		}
	}
	if app == nil {
		return connector.NewPermanent(fmt.Errorf("app %q has no backchannel_logout_uri any more", d.App), "")
	}
	u, err := set.Egress.Check(app.URI)
	if err != nil {
		return connector.NewPermanent(err, "")
	}
	now := s.now()
	var tok string
	sign := func(tx store.Tx) error {
		p, err := tx.People().Get(ctx, d.Person)
		if err != nil {
			return err
		}
		sub := p.Email
		if app.Subject == "employee_id" || sub == "" {
			sub = p.ID
		}
		tok, err = s.Keys.Sign(ctx, tx, LogoutClaims{Iss: s.Issuer(d.Tenant), Aud: app.ClientID, Iat: now.Unix(),
			Exp: now.Unix() + LogoutLifetime, Jti: randomID(), Sub: sub,
			Events: map[string]map[string]any{EventBackchannelLogout: {}}}, LogoutType)
		return err
	}
	if err := s.Store.Read(ctx, d.Tenant, sign); err != nil {
		// The tenant's first key is made in a write transaction.
		if err := s.Store.Write(ctx, d.Tenant, sign); err != nil {
			if errors.Is(err, ErrNoKEK) {
				return connector.NewPermanent(err, "")
			}
			return connector.NewRetryable(err)
		}
	}
	form := url.Values{"logout_token": {tok}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form))
	if err != nil {
		return connector.NewPermanent(err, "")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client(set.Egress).Do(req)
	if err != nil {
		return connector.NewRetryable(fmt.Errorf("back-channel logout to %s: %w", app.ID, err))
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return connector.NewRetryable(&LogoutError{Status: resp.StatusCode, Body: strings.TrimSpace(string(body))})
	}
	return s.Store.Write(ctx, d.Tenant, func(tx store.Tx) error {
		at := s.now()
		if _, err := tx.Clocks().Stop(ctx, d.Person, LogoutClockApp(d.App), at, "verified:backchannel-logout"); err != nil {
			return err
		}
		_, err := tx.Audit().Append(ctx, auditEntry(at, "signal", "signal.logout.delivered", d.Person,
			map[string]any{"app": d.App, "status": resp.StatusCode, "txn": d.Txn, "at": at}))
		return err
	})
}
