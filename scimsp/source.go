package scimsp

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/token"
)

// How sources share one roster. Each source's Users map to people by
// employee id, so the same person can be pushed by several providers.
// person.SourceGroups has a key for every source that holds the person
// active (its User exists and is not `active: false`), with that source's
// groups; person.Groups is the union of them.
//
//   - A source that holds the person active writes as it always did: the
//     fields its User carries replace the person's (the later writer
//     wins), and its groups replace its own entry.
//   - A source that stops holding the person (deactivation or DELETE)
//     loses its entry at once, so the access its groups gave goes with it.
//     That is a leave only if no other source still holds the person
//     active; until then the deactivated User changes nothing else of the
//     person — a stale or secondary provider can neither offboard someone
//     another provider still manages nor overwrite their attributes.
//   - Any source re-activating the person is a rehire.

// syncPerson applies the person a User of this source describes (or its
// deletion), in tx.
func (s *Store) syncPerson(ctx context.Context, tx store.Tx, res scim.Resource, deleted bool) error {
	p, fields, err := personOf(ctx, s.scim(tx), s.mapping, res)
	if err != nil {
		return err
	}
	holds := !deleted && !p.Terminated
	cur, err := tx.People().Get(ctx, p.ID)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	sg := map[string][]string{} // non-nil even when empty: the diff keeps a nil one
	if exists {
		maps.Copy(sg, cur.SourceGroups)
	}
	if holds {
		if sg[s.source], err = groupsOf(ctx, s.scim(tx), res.ID()); err != nil {
			return err
		}
	} else {
		delete(sg, s.source)
	}
	p.SourceGroups, p.Groups = sg, union(sg)
	switch {
	case holds:
	case len(sg) > 0:
		fields = nil // another source still holds the person active: not a leave
	default:
		p.Terminated = true
		if !slices.Contains(fields, "status") {
			fields = append(fields, "status")
		}
	}
	fields = append(fields, "groups", "sourceGroups")
	if exists {
		merged := cur
		for _, f := range fields {
			merged.CopyField(&p, f)
		}
		p = merged
	}
	_, err = s.tenant.ApplyTx(ctx, tx, []person.Person{p}, s.feed())
	return err
}

// feed is the source recorded on the lifecycle events this store causes.
func (s *Store) feed() string {
	if s.source == token.DefaultSource {
		return "scim"
	}
	return "scim:" + s.source
}

// union is every group name of gs, sorted and distinct; never nil, since a
// nil Groups means "not carried" to the diff.
func union(gs map[string][]string) []string {
	out := []string{}
	for _, names := range gs {
		out = append(out, names...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// groupsOf is the sorted display names of the groups of this source that
// userID is a member of.
func groupsOf(ctx context.Context, sr store.SCIMResources, userID string) ([]string, error) {
	gs, err := sr.List(ctx, "Group")
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, g := range gs {
		res, err := decode(g)
		if err != nil {
			return nil, err
		}
		if slices.Contains(memberIDs(res), userID) {
			name, _ := res["displayName"].(string)
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}
