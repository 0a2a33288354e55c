package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tenure-dev/tenure/store"
)

// CreateTenant records a new tenant; store.ErrConflict if it exists.
func (s *Store) CreateTenant(ctx context.Context, id string) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO tenants (id, created_at) VALUES (?, ?)`,
		id, fmtTime(time.Now()))
	if err != nil {
		return translate(err, "create tenant %q", id)
	}
	s.ckpt.nudge()
	return nil
}

// Tenants lists every tenant, ordered by id.
func (s *Store) Tenants(ctx context.Context) ([]store.Tenant, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, created_at FROM tenants ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	defer rows.Close()
	var ts []store.Tenant
	for rows.Next() {
		var (
			t  store.Tenant
			at sql.NullString
		)
		if err := rows.Scan(&t.ID, &at); err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		if t.CreatedAt, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("tenant %q: %w", t.ID, err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return ts, nil
}
