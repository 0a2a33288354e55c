package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenure-dev/tenure/policy"
	"github.com/tenure-dev/tenure/store"
)

// requests implements store.Requests.
type requests struct{ tx *Tx }

func (r requests) Put(ctx context.Context, q policy.Request) error {
	if err := r.tx.writable("put request"); err != nil {
		return err
	}
	_, err := r.tx.tx.Exec(ctx, `INSERT INTO requests (tenant, id, person_id, app, entitlement, approver,
		reason, expires_at, expires_at_ns, created_at, created_at_ns)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (tenant, id) DO UPDATE SET
		person_id = excluded.person_id, app = excluded.app, entitlement = excluded.entitlement,
		approver = excluded.approver, reason = excluded.reason,
		expires_at = excluded.expires_at, expires_at_ns = excluded.expires_at_ns,
		created_at = excluded.created_at, created_at_ns = excluded.created_at_ns`,
		r.tx.key, q.ID, q.PersonID, q.App, q.Entitlement, q.Approver, q.Reason,
		q.ExpiresAt, nanos(q.ExpiresAt), nullTime(q.CreatedAt), nanos(q.CreatedAt))
	return translate(err, "put request %q", q.ID)
}

func (r requests) List(ctx context.Context) ([]policy.Request, error) {
	rows, err := r.tx.tx.Query(ctx, `SELECT id, person_id, app, entitlement, approver, reason,
		expires_at, expires_at_ns, created_at, created_at_ns FROM requests WHERE tenant = $1 ORDER BY id`, r.tx.key)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	defer rows.Close()
	var out []policy.Request
	for rows.Next() {
		var (
			q                  policy.Request
			expires, created   pgtype.Timestamptz
			expiresNs, creatNs int16
		)
		if err := rows.Scan(&q.ID, &q.PersonID, &q.App, &q.Entitlement, &q.Approver, &q.Reason,
			&expires, &expiresNs, &created, &creatNs); err != nil {
			return nil, fmt.Errorf("list requests: %w", err)
		}
		q.ExpiresAt, q.CreatedAt = joinTime(expires, expiresNs), joinTime(created, creatNs)
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
	ok, err := r.tx.execAffected(ctx, `DELETE FROM requests WHERE tenant = $1 AND id = $2`, r.tx.key, id)
	switch {
	case err != nil:
		return fmt.Errorf("request %q: %w", id, err)
	case !ok:
		return notFound("request %q", id)
	}
	return nil
}

var _ store.Requests = requests{}
