package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tenure-dev/tenure/store"
)

// receipts implements store.Receipts.
type receipts struct{ tx *Tx }

func (r receipts) Seen(ctx context.Context, ids []string) (map[string]bool, error) {
	seen := map[string]bool{}
	const chunk = 500 // well under SQLite's bound-parameter limit
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, 0, len(part)+1)
		args = append(args, r.tx.key)
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := r.tx.query(ctx, `SELECT id FROM receipts WHERE tenant = ? AND id IN (?`+
			strings.Repeat(",?", len(part)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("receipts: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("receipts: %w", err)
			}
			seen[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("receipts: %w", err)
		}
	}
	return seen, nil
}

func (r receipts) Record(ctx context.Context, ids []string, at time.Time) error {
	if err := r.tx.writable("record receipts"); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := r.tx.exec(ctx, `INSERT INTO receipts (tenant, id, received_at) VALUES (?, ?, ?)`,
			r.tx.key, id, fmtTime(at)); err != nil {
			return translate(err, "record receipt %q", id)
		}
	}
	return nil
}

var _ store.Receipts = receipts{}
