package signal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

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

// Logout posts a logout token for the person to each app's
// backchannel_logout_uri, at once. 200 and 204 are success (audited, the
// person's logout clock for the app stops). Anything else is retryable:
// for a delivery to several apps each failed one is queued again on its
// own; for one app the error goes back to the queue, which retries and
// makes the last failure a task for the app's owner. Each attempt carries a
// fresh token, so a retry hours later is not expired.
func (s *Service) Logout(ctx context.Context, d Delivery) error {
	set, err := s.settings(d.Tenant)
	if err != nil {
		return connector.NewPermanent(err, "")
	}
	ids := d.Apps
	if d.App != "" {
		ids = []string{d.App}
	}
	if d.Email == "" {
		if err := s.Store.Read(ctx, d.Tenant, func(tx store.Tx) error {
			p, err := tx.People().Get(ctx, d.Person)
			d.Email = p.Email
			return err
		}); err != nil {
			return connector.NewRetryable(err)
		}
	}
	type result struct {
		app    string
		status int
		err    error
	}
	results := make([]result, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			status, err := s.logoutOne(ctx, set, d, id)
			results[i] = result{app: id, status: status, err: err}
		})
	}
	wg.Wait()
	var failed []result
	err = s.Store.Write(ctx, d.Tenant, func(tx store.Tx) error {
		at := s.now()
		var again []Delivery
		for _, r := range results {
			if r.err != nil {
				failed = append(failed, r)
				if len(ids) > 1 {
					again = append(again, Delivery{Kind: DeliverLogout, Tenant: d.Tenant, App: r.app, Person: d.Person,
						Email: d.Email, Txn: d.Txn, Since: d.Since})
				}
				continue
			}
			if _, err := tx.Clocks().Stop(ctx, d.Person, LogoutClockApp(r.app), at, "verified:backchannel-logout"); err != nil {
				return err
			}
			if _, err := tx.Audit().Append(ctx, auditEntry(at, "signal", "signal.logout.delivered", d.Person,
				map[string]any{"app": r.app, "status": r.status, "txn": d.Txn, "at": at})); err != nil {
				return err
			}
		}
		return s.enqueue(ctx, tx, again)
	})
	switch {
	case err != nil:
		return connector.NewRetryable(err)
	case len(ids) == 1 && len(failed) == 1:
		return failed[0].err
	}
	return nil
}

// logoutOne posts one app's logout token and returns the answer's status.
func (s *Service) logoutOne(ctx context.Context, set Settings, d Delivery, appID string) (int, error) {
	var app *LogoutApp
	for i := range set.LogoutApps {
		if set.LogoutApps[i].ID == appID {
			app = &set.LogoutApps[i]
		}
	}
	if app == nil {
		return 0, connector.NewPermanent(fmt.Errorf("app %q has no backchannel_logout_uri any more", appID), "")
	}
	u, err := set.Egress.Check(app.URI)
	if err != nil {
		return 0, connector.NewPermanent(err, "")
	}
	sub := d.Email
	if app.Subject == "employee_id" || sub == "" {
		sub = d.Person
	}
	now := s.now()
	tok, err := s.Keys.SignNow(ctx, d.Tenant, LogoutClaims{Iss: s.Issuer(d.Tenant), Aud: app.ClientID, Iat: now.Unix(),
		Exp: now.Unix() + LogoutLifetime, Jti: randomID(), Sub: sub,
		Events: map[string]map[string]any{EventBackchannelLogout: {}}}, LogoutType)
	if err != nil {
		if errors.Is(err, ErrNoKEK) {
			return 0, connector.NewPermanent(err, "")
		}
		return 0, connector.NewRetryable(err)
	}
	form := url.Values{"logout_token": {tok}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form))
	if err != nil {
		return 0, connector.NewPermanent(err, "")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client(set.Egress).Do(req)
	if err != nil {
		return 0, connector.NewRetryable(fmt.Errorf("back-channel logout to %s: %w", app.ID, withoutURL(err)))
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return resp.StatusCode, connector.NewRetryable(&LogoutError{Status: resp.StatusCode, Body: strings.TrimSpace(string(body))})
	}
	return resp.StatusCode, nil
}
