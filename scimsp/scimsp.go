// Package scimsp makes Tenure a SCIM 2.0 service provider: it implements
// the storage port of scim/server on Tenure's store, one tenant and one
// source at a time.
//
// A source is an identity provider pushing to the tenant, named by its
// token (`tenure token create --scope scim --source okta`). Each source has
// its own namespace of Users and Groups — two providers can both have a
// group "Engineering" or a user "ann@acme" — and never sees or changes
// another's. People stay one roster per tenant: a User of any source maps
// to the person by employee id (see source.go for how sources share one).
//
// Resources are kept whole, so a provider reads back exactly what it wrote.
// A User is also a person: every write derives the person's record and
// applies it through the same lifecycle path as an HR feed — diff, guard,
// events, audit, queued operations — in the same transaction as the
// resource. `active: false` or DELETE is a leave; re-activation a rehire.
package scimsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/lifecycle"
	"github.com/tenure-dev/tenure/scim"
	"github.com/tenure-dev/tenure/scim/server"
	"github.com/tenure-dev/tenure/store"
)

// Store is one source's SCIM resources in one tenant.
type Store struct {
	svc     *lifecycle.Service
	tenant  *lifecycle.Tenant
	source  string
	mapping Mapping
}

// New returns the store of source in tenant t (token.DefaultSource for a
// token that names none); m maps SCIM attributes to roster fields over
// DefaultMapping (nil: the defaults).
func New(svc *lifecycle.Service, t *lifecycle.Tenant, source string, m Mapping) *Store {
	return &Store{svc: svc, tenant: t, source: source, mapping: withDefaults(m)}
}

// scim is this source's resources in tx.
func (s *Store) scim(tx store.Tx) store.SCIMResources { return tx.SCIM(s.source) }

var _ server.Store = (*Store)(nil)

// uniqueAttr is each type's unique attribute.
var uniqueAttr = map[string]string{"User": "userName", "Group": "displayName"}

func fold(s string) string { return strings.ToLower(s) }

func record(rt string, res scim.Resource) (store.SCIMResource, error) {
	data, err := json.Marshal(res)
	if err != nil {
		return store.SCIMResource{}, err
	}
	name, _ := res[uniqueAttr[rt]].(string)
	ext, _ := res["externalId"].(string)
	return store.SCIMResource{Type: rt, ID: res.ID(), Name: fold(name), ExternalID: ext, Data: data}, nil
}

func decode(r store.SCIMResource) (scim.Resource, error) {
	dec := json.NewDecoder(bytes.NewReader(r.Data))
	dec.UseNumber()
	var res scim.Resource
	if err := dec.Decode(&res); err != nil {
		return nil, fmt.Errorf("stored scim %s %s: %w", r.Type, r.ID, err)
	}
	return res, nil
}

func (s *Store) write(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.svc.Store.Write(ctx, s.tenant.ID(), fn)
}

// put stores res after checking its unique name, syncs the person of a
// User and audits the change.
func (s *Store) put(ctx context.Context, tx store.Tx, rt string, before, res scim.Resource, action string) error {
	rec, err := record(rt, res)
	if err != nil {
		return err
	}
	if rec.Name != "" {
		other, err := s.scim(tx).ByName(ctx, rt, rec.Name)
		switch {
		case err == nil && other.ID != rec.ID:
			return &server.UniquenessError{Attribute: uniqueAttr[rt]}
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	if err := s.scim(tx).Put(ctx, rec); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return &server.UniquenessError{Attribute: uniqueAttr[rt]}
		}
		return err
	}
	switch rt {
	case "User":
		if err := s.syncPerson(ctx, tx, res, false); err != nil {
			return err
		}
	case "Group":
		if err := s.syncMembers(ctx, tx, before, res); err != nil {
			return err
		}
	}
	return s.audit(ctx, tx, action, rt, rec.ID, rec.Name)
}

func (s *Store) audit(ctx context.Context, tx store.Tx, action, rt, id, name string) error {
	_, err := tx.Audit().Append(ctx, audit.Entry{At: s.svc.Time(), Actor: "scim", Action: "scim." + strings.ToLower(rt) + "." + action,
		Subject: id, Data: audit.Data(map[string]string{"name": name, "source": s.source})})
	return err
}

// Create implements server.Store.
func (s *Store) Create(ctx context.Context, rt string, res scim.Resource) (scim.Resource, error) {
	err := s.write(ctx, func(tx store.Tx) error {
		if _, err := s.scim(tx).Get(ctx, rt, res.ID()); err == nil {
			return fmt.Errorf("scim %s %s: id already used", rt, res.ID())
		}
		return s.put(ctx, tx, rt, nil, res, "created")
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Get implements server.Store.
func (s *Store) Get(ctx context.Context, rt, id string) (scim.Resource, error) {
	var res scim.Resource
	err := s.svc.Store.Read(ctx, s.tenant.ID(), func(tx store.Tx) error {
		r, err := s.scim(tx).Get(ctx, rt, id)
		if err != nil {
			return notFound(err)
		}
		res, err = decode(r)
		return err
	})
	return res, err
}

// Replace implements server.Store: read, fn, write, in one transaction.
func (s *Store) Replace(ctx context.Context, rt, id string, fn func(old scim.Resource) (scim.Resource, error)) (scim.Resource, error) {
	var out scim.Resource
	err := s.write(ctx, func(tx store.Tx) error {
		r, err := s.scim(tx).Get(ctx, rt, id)
		if err != nil {
			return notFound(err)
		}
		old, err := decode(r)
		if err != nil {
			return err
		}
		keep, err := decode(r)
		if err != nil {
			return err
		}
		if out, err = fn(old); err != nil {
			return err
		}
		if scim.Equal(keep, out) {
			return nil
		}
		return s.put(ctx, tx, rt, keep, out, "replaced")
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete implements server.Store. Deleting a User is its person's leave.
func (s *Store) Delete(ctx context.Context, rt, id string, check func(old scim.Resource) error) error {
	return s.write(ctx, func(tx store.Tx) error {
		r, err := s.scim(tx).Get(ctx, rt, id)
		if err != nil {
			return notFound(err)
		}
		old, err := decode(r)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(old); err != nil {
				return err
			}
		}
		if err := s.scim(tx).Delete(ctx, rt, id); err != nil {
			return notFound(err)
		}
		switch rt {
		case "User":
			if err := s.syncPerson(ctx, tx, old, true); err != nil {
				return err
			}
		case "Group":
			if err := s.syncMembers(ctx, tx, old, nil); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, "deleted", rt, id, r.Name)
	})
}

// List implements server.Store. `userName eq`, `displayName eq`, `id eq`
// and `externalId eq` are answered from indexes; other filters scan.
func (s *Store) List(ctx context.Context, rt string, q server.Query) ([]scim.Resource, int, error) {
	var matches []scim.Resource
	err := s.svc.Store.Read(ctx, s.tenant.ID(), func(tx store.Tx) error {
		recs, err := candidates(ctx, s.scim(tx), rt, q.Filter)
		if err != nil {
			return err
		}
		for _, r := range recs {
			res, err := decode(r)
			if err != nil {
				return err
			}
			if q.Filter == nil || q.Filter.Match(res) {
				matches = append(matches, res)
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if q.Sort != nil {
		q.Sort.Sort(matches)
	}
	lo, hi := q.Page.Bounds(len(matches))
	return matches[lo:hi], len(matches), nil
}

func candidates(ctx context.Context, sr store.SCIMResources, rt string, f *scim.Filter) ([]store.SCIMResource, error) {
	if f != nil {
		if eq, ok := f.Equality(); ok && !eq.MultiValued {
			var (
				r   store.SCIMResource
				err error
			)
			switch {
			case eq.Attr == "id":
				r, err = sr.Get(ctx, rt, eq.Value)
			case eq.Attr == uniqueAttr[rt]:
				r, err = sr.ByName(ctx, rt, fold(eq.Value))
			case eq.Attr == "externalId" && eq.CaseExact:
				return sr.ByExternalID(ctx, rt, eq.Value)
			default:
				return sr.List(ctx, rt)
			}
			if errors.Is(err, store.ErrNotFound) {
				return nil, nil
			}
			return []store.SCIMResource{r}, err
		}
	}
	return sr.List(ctx, rt)
}

func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %v", server.ErrNotFound, err)
	}
	return err
}

// syncMembers re-derives the groups of every user a group write added or
// removed: birthright rules read them as person.groups, so joining
// "Engineering" in the IdP can grant the engineer role, and leaving it
// takes the role away.
func (s *Store) syncMembers(ctx context.Context, tx store.Tx, before, after scim.Resource) error {
	affected := map[string]bool{}
	for _, g := range []scim.Resource{before, after} {
		for _, id := range memberIDs(g) {
			affected[id] = true
		}
	}
	ids := make([]string, 0, len(affected))
	for id := range affected {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		r, err := s.scim(tx).Get(ctx, "User", id)
		if errors.Is(err, store.ErrNotFound) {
			continue // a member that is a group, or not (yet) a user of this source
		}
		if err != nil {
			return err
		}
		u, err := decode(r)
		if err != nil {
			return err
		}
		if err := s.syncPerson(ctx, tx, u, false); err != nil {
			return err
		}
	}
	return nil
}

func memberIDs(g scim.Resource) []string {
	ms, _ := g["members"].([]any)
	var out []string
	for _, m := range ms {
		if mm, ok := m.(map[string]any); ok {
			if v, _ := mm["value"].(string); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}
