package scimconn

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/tenure-dev/tenure/connector"
	"github.com/tenure-dev/tenure/scim"
)

const groupsEndpoint = "/Groups"

var displayNamePath = scim.AttrPath{Name: "displayName"}

var (
	// errNoGroup marks an entitlement with no group of that displayName.
	errNoGroup = errors.New("no group has this displayName")
	// errGroupGone marks a group id that no longer exists.
	errGroupGone = errors.New("group deleted")
	// errNoMemberFilter marks a server that cannot filter groups by member.
	errNoMemberFilter = errors.New("server cannot filter groups by member")
)

// Grant implements connector.GroupManager: the user joins the group whose
// displayName is entitlement. An account not found yet is Retryable (the
// create may not be visible); a group that does not exist is Permanent.
func (c *Conn) Grant(ctx context.Context, s connector.Subject, entitlement string) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	u, err := c.find(ctx, s)
	switch {
	case errors.Is(err, connector.ErrNotFound):
		return connector.NewRetryable(fmt.Errorf("scim: grant %q: %w", entitlement, err))
	case errors.Is(err, errTaken):
		return connector.NewPermanent(fmt.Errorf("scim: grant %q to %s: %w", entitlement, who(s), err), "")
	case err != nil:
		return err
	}
	return c.onGroup(ctx, entitlement, func(gid string) error { return c.addMember(ctx, gid, u.ID()) })
}

// Revoke implements connector.GroupManager: the user leaves the group. An
// absent account, an absent group and a user who is not a member are all
// success.
func (c *Conn) Revoke(ctx context.Context, s connector.Subject, entitlement string) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	u, err := c.find(ctx, s)
	if errors.Is(err, connector.ErrNotFound) || errors.Is(err, errTaken) {
		return nil
	}
	if err != nil {
		return err
	}
	err = c.onGroup(ctx, entitlement, func(gid string) error { return c.removeMember(ctx, gid, u.ID()) })
	if errors.Is(err, errNoGroup) {
		return nil
	}
	return err
}

// onGroup calls fn with the id of the group named name. When a cached id
// turns out to be gone, the name is resolved again and fn called once
// more.
func (c *Conn) onGroup(ctx context.Context, name string, fn func(gid string) error) error {
	gid, cached, err := c.resolveGroup(ctx, name)
	if err != nil {
		return err
	}
	err = fn(gid)
	if errors.Is(err, errGroupGone) && cached {
		c.forgetGroup(name)
		if gid, _, err = c.resolveGroup(ctx, name); err != nil {
			return err
		}
		err = fn(gid)
	}
	if errors.Is(err, errGroupGone) {
		return c.noGroup(name)
	}
	return err
}

func (c *Conn) noGroup(name string) error {
	return connector.NewPermanent(fmt.Errorf("scim: group %q: %w in %s", name, errNoGroup, c.base), "")
}

// resolveGroup returns the id of the group whose displayName is name, from
// the cache or the server; cached says which.
func (c *Conn) resolveGroup(ctx context.Context, name string) (id string, cached bool, err error) {
	c.groupMu.Lock()
	id, ok := c.groupID[name]
	c.groupMu.Unlock()
	if ok {
		return id, true, nil
	}
	groups, err := c.where(ctx, groupsEndpoint, displayNamePath, name, true, "displayName")
	if err != nil {
		return "", false, err
	}
	if i := slices.IndexFunc(groups, func(g scim.Resource) bool { return str(g, "displayName") == name }); i >= 0 {
		groups = groups[i : i+1]
	}
	switch len(groups) {
	case 0:
		return "", false, c.noGroup(name)
	case 1:
	default:
		return "", false, connector.NewPermanent(fmt.Errorf("scim: %d groups are named %q, differing only in case", len(groups), name), "")
	}
	id = groups[0].ID()
	c.rememberGroup(name, id)
	return id, false, nil
}

func (c *Conn) rememberGroup(name, id string) {
	c.groupMu.Lock()
	defer c.groupMu.Unlock()
	c.groupID[name], c.groupDN[id] = id, name
}

func (c *Conn) forgetGroup(name string) {
	c.groupMu.Lock()
	defer c.groupMu.Unlock()
	delete(c.groupDN, c.groupID[name])
	delete(c.groupID, name)
}

// addMember adds uid to group gid. A 409 (some servers' answer to a member
// already there) is success: the read-back verifies.
func (c *Conn) addMember(ctx context.Context, gid, uid string) error {
	if !c.capabilities().patch {
		return c.putMembers(ctx, gid, func(members []any) ([]any, bool) {
			if slices.ContainsFunc(members, isMember(uid)) {
				return members, false
			}
			return append(members, map[string]any{"value": uid}), true
		})
	}
	req := request{method: http.MethodPatch, path: resourcePath(groupsEndpoint, gid), minimal: true,
		body: patchOp(map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": uid}}})}
	resp, err := c.send(ctx, req, http.StatusNotFound, http.StatusConflict)
	if err == nil && resp.status == http.StatusNotFound {
		return errGroupGone
	}
	return err
}

// removeMember removes uid from group gid; a user who is not a member
// (noTarget) is success.
func (c *Conn) removeMember(ctx context.Context, gid, uid string) error {
	if !c.capabilities().patch {
		return c.putMembers(ctx, gid, func(members []any) ([]any, bool) {
			kept := slices.DeleteFunc(slices.Clone(members), isMember(uid))
			return kept, len(kept) != len(members)
		})
	}
	req := request{method: http.MethodPatch, path: resourcePath(groupsEndpoint, gid), minimal: true,
		body: patchOp(map[string]any{"op": "remove", "path": memberPath(uid)})}
	resp, err := c.send(ctx, req, http.StatusNotFound)
	if se, ok := errors.AsType[*statusErr](err); ok && se.status == http.StatusBadRequest && se.scimType == scim.ErrorNoTarget {
		return nil
	}
	if err == nil && resp.status == http.StatusNotFound {
		return errGroupGone
	}
	return err
}

// putMembers edits a group's members with GET and PUT, for servers
// without PATCH; with If-Match when they have ETags, so a concurrent
// change is a Retryable 412 rather than lost.
func (c *Conn) putMembers(ctx context.Context, gid string, edit func([]any) ([]any, bool)) error {
	path := resourcePath(groupsEndpoint, gid)
	get := request{method: http.MethodGet, path: path}
	resp, err := c.send(ctx, get, http.StatusNotFound)
	if err != nil {
		return err
	}
	if resp.status == http.StatusNotFound {
		return errGroupGone
	}
	g, err := c.decodeResource(get.op(), resp)
	if err != nil {
		return err
	}
	v, _ := lookup(g, "members")
	members, _ := v.([]any)
	members, changed := edit(members)
	if !changed {
		return nil
	}
	body := maps.Clone(g)
	maps.DeleteFunc(body, func(k string, _ any) bool { return strings.EqualFold(k, "meta") })
	setKey(body, "members", members)
	put := request{method: http.MethodPut, path: path, body: body, ifMatch: c.version(g), minimal: true}
	resp, err = c.send(ctx, put, http.StatusNotFound, http.StatusPreconditionFailed)
	switch {
	case err != nil:
		return err
	case resp.status == http.StatusNotFound:
		return errGroupGone
	case resp.status == http.StatusPreconditionFailed:
		return connector.NewRetryable(fmt.Errorf("%s: the group changed meanwhile (412)", put.op()))
	}
	return nil
}

func isMember(uid string) func(any) bool {
	return func(m any) bool {
		o, _ := m.(map[string]any)
		return str(o, "value") == uid
	}
}

func patchOp(ops ...any) map[string]any {
	return map[string]any{"schemas": []any{scim.PatchOpURN}, "Operations": ops}
}

// entitlements returns the displayNames of each user's groups, by user id:
// from the user's groups attribute when the server returns it, else by
// asking for the groups with the user as a member, else (when the server
// cannot filter on members) by listing every group once.
func (c *Conn) entitlements(ctx context.Context, users []scim.Resource) (map[string][]string, error) {
	out := make(map[string][]string, len(users))
	var ask []string
	for _, u := range users {
		if _, ok := lookup(u, "groups"); !ok {
			ask = append(ask, u.ID())
			continue
		}
		names, err := c.groupNames(ctx, objects(u, "groups"))
		if err != nil {
			return nil, err
		}
		out[u.ID()] = names
	}
	if len(ask) == 0 {
		return out, nil
	}
	var got map[string][]string
	err := errNoMemberFilter
	if c.capabilities().memberFilter {
		got, err = c.groupsByMember(ctx, ask)
	}
	if errors.Is(err, errNoMemberFilter) {
		c.withoutMemberFilter()
		got, err = c.groupsByScan(ctx, ask)
	}
	if err != nil {
		return nil, err
	}
	for id, names := range got {
		slices.Sort(names)
		out[id] = names
	}
	return out, nil
}

// groupNames returns the displayNames of a user's groups attribute,
// fetching those the server gave without a display.
func (c *Conn) groupNames(ctx context.Context, refs []map[string]any) ([]string, error) {
	var names []string
	for _, ref := range refs {
		name := str(ref, "display")
		if id := str(ref, "value"); name == "" && id != "" {
			var err error
			if name, err = c.groupName(ctx, id); err != nil {
				return nil, err
			}
		}
		if name != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// groupName returns the displayName of group id, "" if it is gone.
func (c *Conn) groupName(ctx context.Context, id string) (string, error) {
	c.groupMu.Lock()
	name, ok := c.groupDN[id]
	c.groupMu.Unlock()
	if ok {
		return name, nil
	}
	req := request{method: http.MethodGet, path: resourcePath(groupsEndpoint, id), query: url.Values{"attributes": {"displayName"}}}
	resp, err := c.send(ctx, req, http.StatusNotFound)
	if err != nil || resp.status == http.StatusNotFound {
		return "", err
	}
	g, err := c.decodeResource(req.op(), resp)
	if err != nil {
		return "", err
	}
	return str(g, "displayName"), nil
}

// groupsByMember asks, for each user, for the groups that have it as a
// member, in parallel (the connector's concurrency limit applies).
func (c *Conn) groupsByMember(ctx context.Context, ids []string) (map[string][]string, error) {
	names := make([][]string, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			q := url.Values{"filter": {memberPath(id)}, "attributes": {"displayName"}}
			groups, err := c.all(ctx, groupsEndpoint, q, func(scim.Resource) bool { return true })
			if se, ok := errors.AsType[*statusErr](err); ok &&
				(se.status == http.StatusBadRequest || se.status == http.StatusNotImplemented) {
				err = fmt.Errorf("%w: %v", errNoMemberFilter, err)
			}
			errs[i] = err
			for _, g := range groups {
				names[i] = append(names[i], str(g, "displayName"))
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if errors.Is(err, errNoMemberFilter) {
			return nil, err // fall back for all, not just this one
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	out := make(map[string][]string, len(ids))
	for i, id := range ids {
		out[id] = names[i]
	}
	return out, nil
}

// groupsByScan lists every group with its members once and picks out
// the users in ids.
func (c *Conn) groupsByScan(ctx context.Context, ids []string) (map[string][]string, error) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	out := make(map[string][]string, len(ids))
	q := url.Values{"attributes": {"displayName,members"}}
	_, err := c.all(ctx, groupsEndpoint, q, func(g scim.Resource) bool {
		for _, m := range objects(g, "members") {
			if id := str(m, "value"); want[id] {
				out[id] = append(out[id], str(g, "displayName"))
			}
		}
		return false
	})
	return out, err
}
