package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store"
)

// requests implements store.Requests.
type requests struct{ tx *Tx }

func (r requests) Put(ctx context.Context, q policy.Request) error {
	if err := r.tx.writable("put request"); err != nil {
		return err
	}
	_, err := r.tx.exec(ctx, `INSERT INTO requests
		(tenant, id, person_id, app, entitlement, approver, reason, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, id) DO UPDATE SET
		person_id = excluded.person_id, app = excluded.app, entitlement = excluded.entitlement,
		approver = excluded.approver, reason = excluded.reason,
		expires_at = excluded.expires_at, created_at = excluded.created_at`,
		r.tx.key, q.ID, q.PersonID, q.App, q.Entitlement, q.Approver, q.Reason,
		fmtTime(q.ExpiresAt), nullTime(q.CreatedAt))
	return translate(err, "put request %q", q.ID)
}

func (r requests) List(ctx context.Context) ([]policy.Request, error) {
	rows, err := r.tx.query(ctx, `SELECT id, person_id, app, entitlement, approver, reason,
		expires_at, created_at FROM requests WHERE tenant = ? ORDER BY id`, r.tx.key)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	defer rows.Close()
	var out []policy.Request
	for rows.Next() {
		var (
			q                policy.Request
			expires, created sql.NullString
		)
		if err := rows.Scan(&q.ID, &q.PersonID, &q.App, &q.Entitlement, &q.Approver, &q.Reason,
			&expires, &created); err != nil {
			return nil, fmt.Errorf("list requests: %w", err)
		}
		if q.ExpiresAt, err = parseTime(expires); err != nil {
			return nil, fmt.Errorf("request %q: %w", q.ID, err)
		}
		if q.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("request %q: %w", q.ID, err)
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return out, nil
}

func (r requests) Delete(ctx context.Context, id string) error {
	if err := r.tx.writable("delete request"); err != nil {
		return err
	}
	ok, err := r.tx.execAffected(ctx, `DELETE FROM requests WHERE tenant = ? AND id = ?`, r.tx.key, id)
	switch {
	case err != nil:
		return fmt.Errorf("request %q: %w", id, err)
	case !ok:
		return notFound("request %q", id)
	}
	return nil
}

var _ store.Requests = requests{}
