package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/tenure-dev/tenure/account"
	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/token"
)

// ImportAccounts replaces the known actual state of every app that appears
// in accts with accts: an account of such an app missing from the export
// is gone. Apps not in the export are untouched.
func (t *Tenant) ImportAccounts(ctx context.Context, accts []account.Account, source string) (map[string]int, error) {
	counts := map[string]int{}
	for _, a := range accts {
		if _, ok := t.set.Apps[a.App]; !ok {
			return nil, fmt.Errorf("%s: account %s: app %q is not configured for tenant %s", source, a.ExternalID, a.App, t.ID())
		}
		counts[a.App]++
	}
	now := t.svc.now()
	err := t.svc.Store.Write(ctx, t.ID(), func(tx store.Tx) error {
		for _, app := range slices.Sorted(maps.Keys(counts)) {
			old, err := tx.Accounts().List(ctx, app)
			if err != nil {
				return err
			}
			for _, a := range old {
				if err := tx.Accounts().Delete(ctx, a.App, a.ExternalID); err != nil {
					return err
				}
			}
		}
		for i := range accts {
			if accts[i].SeenAt.IsZero() {
				accts[i].SeenAt = now
			}
		}
		if err := tx.Accounts().Put(ctx, accts...); err != nil {
			return err
		}
		return t.svc.audit(ctx, tx, "accounts.imported", source, counts)
	})
	return counts, wrapNoTenant(t.ID(), err)
}

// AddRequest records approved, time-bound requested access. (The approval
// workflow itself is a later feature.)
func (t *Tenant) AddRequest(ctx context.Context, r policy.Request) (policy.Request, error) {
	now := t.svc.now()
	switch {
	case r.PersonID == "" || r.App == "" || r.Approver == "" || r.Reason == "":
		return r, errors.New("a request needs a person, an app, an approver and a reason")
	case !r.ExpiresAt.After(now):
		return r, fmt.Errorf("expiry %s is not in the future", r.ExpiresAt.Format(time.RFC3339))
	}
	if _, ok := t.set.Apps[r.App]; !ok {
		return r, fmt.Errorf("app %q is not configured for tenant %s", r.App, t.ID())
	}
	if r.ID == "" {
		r.ID = newID("r")
	}
	r.CreatedAt = now
	err := t.svc.Store.Write(ctx, t.ID(), func(tx store.Tx) error {
		if _, err := tx.People().Get(ctx, r.PersonID); err != nil {
			return fmt.Errorf("person %s: %w", r.PersonID, err)
		}
		if err := tx.Requests().Put(ctx, r); err != nil {
			return err
		}
		return t.svc.audit(ctx, tx, "request.approved", r.ID, r)
	})
	return r, wrapNoTenant(t.ID(), err)
}

// CreateToken issues a token for tenant bound to scopes and returns the
// secret, which is never stored and cannot be shown again. opts refine it
// (token.WithSource binds a SCIM token to its identity provider).
func (s *Service) CreateToken(ctx context.Context, tenant string, scopes []string, description string, opts ...token.Option) (string, token.Token, error) {
	secret, tok, err := token.New(tenant, scopes, description, s.now(), opts...)
	if err != nil {
		return "", tok, err
	}
	err = s.Store.Write(ctx, tenant, func(tx store.Tx) error {
		if err := tx.Tokens().Create(ctx, tok); err != nil {
			return err
		}
		data := map[string]any{"scopes": tok.Scopes, "description": description}
		if tok.Source != "" {
			data["source"] = tok.Source
		}
		return s.audit(ctx, tx, "token.created", tok.ID, data)
	})
	if err != nil {
		return "", tok, wrapNoTenant(tenant, err)
	}
	return secret, tok, nil
}

// Authenticate checks a presented token for a tenant and scope. Every
// failure but a missing scope is the same ErrInvalid.
func (s *Service) Authenticate(ctx context.Context, tenant, presented, scope string) (token.Token, error) {
	id, secret, err := token.Parse(presented)
	if err != nil {
		return token.Token{}, err
	}
	var tok token.Token
	err = s.Store.Read(ctx, tenant, func(tx store.Tx) (err error) {
		tok, err = tx.Tokens().Get(ctx, id)
		return err
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return token.Token{}, token.ErrInvalid
		}
		return token.Token{}, err
	}
	return tok, token.Check(tok, secret, tenant, scope)
}

// VerifyAudit recomputes a tenant's chain page by page and returns how
// many entries it checked, or a *audit.BrokenError naming the first bad one.
func (s *Service) VerifyAudit(ctx context.Context, tenant string) (int64, error) {
	v := audit.NewVerifier(tenant)
	err := s.Store.Read(ctx, tenant, func(tx store.Tx) error {
		if err := scanAudit(ctx, tx, v.Next); err != nil {
			return err
		}
		seq, hash, err := tx.Audit().Head(ctx)
		if err != nil {
			return err
		}
		return v.Finish(seq, hash)
	})
	return v.Count, wrapNoTenant(tenant, err)
}

// ExportAudit writes a tenant's chain as JSON Lines, one entry per line,
// with the hashes an auditor can re-verify independently.
func (s *Service) ExportAudit(ctx context.Context, tenant string, w io.Writer) (int64, error) {
	var n int64
	enc := json.NewEncoder(w)
	err := s.Store.Read(ctx, tenant, func(tx store.Tx) error {
		return scanAudit(ctx, tx, func(e audit.Entry) error {
			n++
			return enc.Encode(e)
		})
	})
	return n, wrapNoTenant(tenant, err)
}

// scanAudit calls fn for every entry in Seq order, a page at a time, so
// chains of any length use constant memory.
func scanAudit(ctx context.Context, tx store.Tx, fn func(audit.Entry) error) error {
	const page = 1000
	var after int64
	for {
		es, err := tx.Audit().Scan(ctx, after, page)
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := fn(e); err != nil {
				return err
			}
			after = e.Seq
		}
		if len(es) < page {
			return nil
		}
	}
}

// Tokens lists a tenant's tokens.
func (s *Service) Tokens(ctx context.Context, tenant string) ([]token.Token, error) {
	var out []token.Token
	err := s.Store.Read(ctx, tenant, func(tx store.Tx) (err error) {
		out, err = tx.Tokens().List(ctx)
		return err
	})
	return out, wrapNoTenant(tenant, err)
}

// RevokeToken revokes a token of tenant, audited.
func (s *Service) RevokeToken(ctx context.Context, tenant, id string) error {
	err := s.Store.Write(ctx, tenant, func(tx store.Tx) error {
		if err := tx.Tokens().Revoke(ctx, id, s.now()); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no token %q in tenant %s", id, tenant)
			}
			return err
		}
		return s.audit(ctx, tx, "token.revoked", id, nil)
	})
	return wrapNoTenant(tenant, err)
}
