package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/tenure-dev/tenure/guard"
	"github.com/tenure-dev/tenure/store"
)

// batches implements store.Batches. The summary is stored as JSON (it is
// shown to a reviewer, never queried), so it round-trips as its JSON tags
// say: an empty Departments map reads back nil.
type batches struct{ tx *Tx }

const batchCols = `id, kind, status, summary, payload, created_at, decided_at, decided_by`

func (b batches) Create(ctx context.Context, bt guard.Batch) error {
	if err := b.tx.writable("create batch"); err != nil {
		return err
	}
	sum, err := json.Marshal(bt.Summary)
	if err != nil {
		return fmt.Errorf("batch %q summary: %w", bt.ID, err)
	}
	_, err = b.tx.exec(ctx, `INSERT INTO batches (tenant, `+batchCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.tx.key, bt.ID, string(bt.Kind), string(bt.Status), string(sum), blob(bt.Payload),
		fmtTime(bt.CreatedAt), nullTime(bt.DecidedAt), bt.DecidedBy)
	return translate(err, "create batch %q", bt.ID)
}

func (b batches) Get(ctx context.Context, id string) (guard.Batch, error) {
	rows, err := b.tx.query(ctx, `SELECT `+batchCols+` FROM batches WHERE tenant = ? AND id = ?`, b.tx.key, id)
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
		rows *sql.Rows
		err  error
	)
	if s == "" {
		rows, err = b.tx.query(ctx, `SELECT `+batchCols+` FROM batches WHERE tenant = ?
			ORDER BY created_at, id`, b.tx.key)
	} else {
		rows, err = b.tx.query(ctx, `SELECT `+batchCols+` FROM batches WHERE tenant = ? AND status = ?
			ORDER BY created_at, id`, b.tx.key, string(s))
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
	ok, err := b.tx.execAffected(ctx, `UPDATE batches SET kind = ?, status = ?, summary = ?, payload = ?,
		created_at = ?, decided_at = ?, decided_by = ? WHERE tenant = ? AND id = ?`,
		string(bt.Kind), string(bt.Status), string(sum), blob(bt.Payload),
		fmtTime(bt.CreatedAt), nullTime(bt.DecidedAt), bt.DecidedBy, b.tx.key, bt.ID)
	switch {
	case err != nil:
		return fmt.Errorf("batch %q: %w", bt.ID, err)
	case !ok:
		return notFound("batch %q", bt.ID)
	}
	return nil
}

// scanBatches reads rows of batchCols and closes them.
func scanBatches(rows *sql.Rows) ([]guard.Batch, error) {
	defer rows.Close()
	var out []guard.Batch
	for rows.Next() {
		var (
			bt                guard.Batch
			kind, status, sum string
			created, decided  sql.NullString
			payload           []byte
		)
		if err := rows.Scan(&bt.ID, &kind, &status, &sum, &payload, &created, &decided, &bt.DecidedBy); err != nil {
			return nil, err
		}
		bt.Payload = payload
		bt.Kind, bt.Status = guard.Kind(kind), guard.BatchStatus(status)
		if err := json.Unmarshal([]byte(sum), &bt.Summary); err != nil {
			return nil, fmt.Errorf("batch %q summary: %w", bt.ID, err)
		}
		var err error
		if bt.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("batch %q: %w", bt.ID, err)
		}
		if bt.DecidedAt, err = parseTime(decided); err != nil {
			return nil, fmt.Errorf("batch %q: %w", bt.ID, err)
		}
		out = append(out, bt)
	}
	return out, rows.Err()
}

var _ store.Batches = batches{}
