package postgres

import (
	"context"
	"fmt"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/store"
)

// CreateTenant records a new tenant and the empty head of its audit chain,
// in one statement; store.ErrConflict if the tenant exists.
func (s *Store) CreateTenant(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `WITH t AS (
			INSERT INTO tenants (id, created_at) VALUES ($1, now())
			ON CONFLICT DO NOTHING RETURNING key)
		INSERT INTO audit_heads (tenant, seq, hash) SELECT key, 0, $2 FROM t`, id, audit.Genesis)
	switch {
	case err != nil:
		return translate(err, "create tenant %q", id)
	case tag.RowsAffected() == 0:
		return conflict("create tenant %q", id)
	}
	return nil
}

// Tenants lists every tenant, ordered by id.
func (s *Store) Tenants(ctx context.Context) ([]store.Tenant, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, created_at FROM tenants ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	defer rows.Close()
	var ts []store.Tenant
	for rows.Next() {
		var t store.Tenant
		if err := rows.Scan(&t.ID, &t.CreatedAt); err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		t.CreatedAt = t.CreatedAt.UTC()
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return ts, nil
}
