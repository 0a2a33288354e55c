package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenure-dev/tenure/store"
)

// receipts implements store.Receipts.
type receipts struct{ tx *Tx }

func (r receipts) Seen(ctx context.Context, ids []string) (map[string]bool, error) {
	seen := map[string]bool{}
	if len(ids) == 0 {
		return seen, nil
	}
	rows, err := r.tx.tx.Query(ctx, `SELECT id FROM receipts WHERE tenant = $1 AND id = ANY($2)`, r.tx.key, ids)
	if err != nil {
		return nil, fmt.Errorf("receipts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("receipts: %w", err)
		}
		seen[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("receipts: %w", err)
	}
	return seen, nil
}

// Record stores all of ids or, when one is already recorded (or repeated
// in ids), none, and reports store.ErrConflict naming it. The check and the
// insert are one statement, which raises no error in the database, so the
// transaction can go on.
func (r receipts) Record(ctx context.Context, ids []string, at time.Time) error {
	if err := r.tx.writable("record receipts"); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		if set[id] {
			return conflict("record receipt %q", id)
		}
		set[id] = true
	}
	tag, err := r.tx.tx.Exec(ctx, `INSERT INTO receipts (tenant, id, received_at)
		SELECT $1, id, $3 FROM unnest($2::text[]) AS id
		WHERE NOT EXISTS (SELECT FROM receipts WHERE tenant = $1 AND id = ANY($2))`, r.tx.key, ids, at)
	if err != nil {
		return translate(err, "record receipts")
	}
	if tag.RowsAffected() == int64(len(ids)) {
		return nil
	}
	var id string
	err = r.tx.tx.QueryRow(ctx, `SELECT id FROM receipts WHERE tenant = $1 AND id = ANY($2) LIMIT 1`,
		r.tx.key, ids).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("record receipts: stored %d of %d ids", tag.RowsAffected(), len(ids))
	}
	if err != nil {
		return fmt.Errorf("record receipts: %w", err)
	}
	return conflict("record receipt %q", id)
}

var _ store.Receipts = receipts{}
