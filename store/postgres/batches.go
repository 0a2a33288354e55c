package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/store"
)

// batches implements store.Batches. The summary is stored as JSON (it is
// shown to a reviewer, never queried), so it round-trips as its JSON tags
// say: an empty Departments map reads back nil.
type batches struct{ tx *Tx }

const batchCols = `id, kind, status, summary, payload, created_at, created_at_ns,
	decided_at, decided_at_ns, decided_by`

// Create reports an existing id as store.ErrConflict without raising an
// error in the database, so that the transaction can go on.
func (b batches) Create(ctx context.Context, bt guard.Batch) error {
	if err := b.tx.writable("create batch"); err != nil {
		return err
	}
	sum, err := json.Marshal(bt.Summary)
	if err != nil {
		return fmt.Errorf("batch %q summary: %w", bt.ID, err)
	}
	tag, err := b.tx.tx.Exec(ctx, `INSERT INTO batches (tenant, `+batchCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
		b.tx.key, bt.ID, string(bt.Kind), string(bt.Status), string(sum), blob(bt.Payload),
		bt.CreatedAt, nanos(bt.CreatedAt), nullTime(bt.DecidedAt), nanos(bt.DecidedAt), bt.DecidedBy)
	switch {
	case err != nil:
		return translate(err, "create batch %q", bt.ID)
	case tag.RowsAffected() == 0:
		return conflict("create batch %q", bt.ID)
	}
	return nil
}

func (b batches) Get(ctx context.Context, id string) (guard.Batch, error) {
	rows, err := b.tx.tx.Query(ctx, `SELECT `+batchCols+` FROM batches WHERE tenant = $1 AND id = $2`, b.tx.key, id)
	if err != nil {
		return guard.Batch{}, fmt.Errorf("batch %q: %w", id, err)
	}
	bs, err := scanBatches(rows)
	if err != nil {
		return guard.Batch{}, fmt.Errorf("batch %q: %w", id, err)
	}
	if len(bs) == 0 {
		return guard.Batch{}, notFound("batch %q", id)
	}
	return bs[0], nil
}

func (b batches) List(ctx context.Context, s guard.BatchStatus) ([]guard.Batch, error) {
	var (
		rows pgx.Rows
		err  error
	)
	if s == "" {
		rows, err = b.tx.tx.Query(ctx, `SELECT `+batchCols+` FROM batches WHERE tenant = $1
			ORDER BY created_at, created_at_ns, id`, b.tx.key)
	} else {
		rows, err = b.tx.tx.Query(ctx, `SELECT `+batchCols+` FROM batches WHERE tenant = $1 AND status = $2
			ORDER BY created_at, created_at_ns, id`, b.tx.key, string(s))
	}
	if err != nil {
		return nil, fmt.Errorf("list batches: %w", err)
	}
	bs, err := scanBatches(rows)
	if err != nil {
		return nil, fmt.Errorf("list batches: %w", err)
	}
	return bs, nil
}

func (b batches) Update(ctx context.Context, bt guard.Batch) error {
	if err := b.tx.writable("update batch"); err != nil {
		return err
	}
	sum, err := json.Marshal(bt.Summary)
	if err != nil {
		return fmt.Errorf("batch %q summary: %w", bt.ID, err)
	}
	ok, err := b.tx.execAffected(ctx, `UPDATE batches SET kind = $3, status = $4, summary = $5, payload = $6,
		created_at = $7, created_at_ns = $8, decided_at = $9, decided_at_ns = $10, decided_by = $11
		WHERE tenant = $1 AND id = $2`,
		b.tx.key, bt.ID, string(bt.Kind), string(bt.Status), string(sum), blob(bt.Payload),
		bt.CreatedAt, nanos(bt.CreatedAt), nullTime(bt.DecidedAt), nanos(bt.DecidedAt), bt.DecidedBy)
	switch {
	case err != nil:
		return fmt.Errorf("batch %q: %w", bt.ID, err)
	case !ok:
		return notFound("batch %q", bt.ID)
	}
	return nil
}

// scanBatches reads rows of batchCols and closes them.
func scanBatches(rows pgx.Rows) ([]guard.Batch, error) {
	defer rows.Close()
	var out []guard.Batch
	for rows.Next() {
		var (
			bt               guard.Batch
			kind, status     string
			sum              jsonText
			created, decided pgtype.Timestamptz
			createdNs, decNs int16
			payload          []byte
		)
		if err := rows.Scan(&bt.ID, &kind, &status, &sum, &payload, &created, &createdNs,
			&decided, &decNs, &bt.DecidedBy); err != nil {
			return nil, err
		}
		bt.Payload = payload
		bt.Kind, bt.Status = guard.Kind(kind), guard.BatchStatus(status)
		if err := json.Unmarshal([]byte(sum), &bt.Summary); err != nil {
			return nil, fmt.Errorf("batch %q summary: %w", bt.ID, err)
		}
		bt.CreatedAt, bt.DecidedAt = joinTime(created, createdNs), joinTime(decided, decNs)
		out = append(out, bt)
	}
	return out, rows.Err()
}

var _ store.Batches = batches{}
