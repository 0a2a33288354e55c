package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/tenure-dev/tenure/connector"
)

// Groups are entitlements: an entitlement is the name (profile.name) of an
// Okta group of type OKTA_GROUP. Built-in groups (Everyone) and groups
// mastered elsewhere (APP_GROUP, from AD or an app) are not Tenure's to
// change and are not reported.

type group struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
}

// userGroups lists the names of the user's Okta groups.
func (c *Conn) userGroups(ctx context.Context, id string) ([]string, error) {
	resp, err := c.do(ctx, call{method: http.MethodGet, path: userPath(id) + "/groups", op: "GET /api/v1/users/{id}/groups"})
	if err != nil {
		return nil, err
	}
	var gs []group
	if err := json.Unmarshal(resp.Body, &gs); err != nil {
		return nil, connector.NewRetryable(errors.New("okta GET /api/v1/users/{id}/groups: response is not a group list"))
	}
	var out []string
	for _, g := range gs {
		if g.Type == "OKTA_GROUP" {
			out = append(out, g.Profile.Name)
		}
	}
	return out, nil
}

// groupID finds the OKTA_GROUP named name.
func (c *Conn) groupID(ctx context.Context, name string) (string, error) {
	q := url.Values{"search": {`type eq "OKTA_GROUP" and profile.name eq "` + escapeFilter(name) + `"`}}
	resp, err := c.do(ctx, call{method: http.MethodGet, path: "/api/v1/groups", op: "GET /api/v1/groups?search", query: q})
	if err != nil {
		return "", err
	}
	var gs []group
	if err := json.Unmarshal(resp.Body, &gs); err != nil {
		return "", connector.NewRetryable(errors.New("okta GET /api/v1/groups: response is not a group list"))
	}
	if len(gs) != 1 {
		return "", connector.NewPermanent(fmt.Errorf("okta: %d groups named %q (want exactly one)", len(gs), name), "")
	}
	return gs[0].ID, nil
}

// membership adds (PUT) or removes (DELETE) the user in the group.
func (c *Conn) membership(ctx context.Context, method string, s connector.Subject, entitlement string) error {
	u, err := c.find(ctx, s)
	if err != nil {
		if errors.Is(err, connector.ErrNotFound) && method == http.MethodDelete {
			return nil
		}
		return err
	}
	gid, err := c.groupID(ctx, entitlement)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{method: method, path: "/api/v1/groups/" + url.PathEscape(gid) + "/users/" + url.PathEscape(u.ID),
		op: method + " /api/v1/groups/{groupId}/users/{userId}"})
	return err
}

// Grant implements connector.GroupManager.
func (c *Conn) Grant(ctx context.Context, s connector.Subject, entitlement string) error {
	return c.membership(ctx, http.MethodPut, s, entitlement)
}

// Revoke implements connector.GroupManager.
func (c *Conn) Revoke(ctx context.Context, s connector.Subject, entitlement string) error {
	return c.membership(ctx, http.MethodDelete, s, entitlement)
}
