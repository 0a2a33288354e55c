package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tenure-dev/tenure/sla"
	"github.com/tenure-dev/tenure/store"
)

// clocks implements store.Clocks.
type clocks struct{ tx *Tx }

func (c clocks) Start(ctx context.Context, k sla.Clock) (bool, error) {
	if err := c.tx.writable("start clock"); err != nil {
		return false, err
	}
	return c.tx.execAffected(ctx, `INSERT INTO clocks (tenant, seq, person_id, app, tier, started_at, deadline, stopped_by)
		SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, '' FROM clocks WHERE tenant = ?
		ON CONFLICT DO NOTHING`,
		c.tx.key, k.PersonID, k.App, k.Tier, fmtTime(k.StartedAt), fmtTime(k.Deadline), c.tx.key)
}

func (c clocks) Stop(ctx context.Context, personID, app string, at time.Time, by string) (bool, error) {
	if err := c.tx.writable("stop clock"); err != nil {
		return false, err
	}
	ok, err := c.tx.execAffected(ctx, `UPDATE clocks SET stopped_at = ?, stopped_by = ?
		WHERE tenant = ? AND person_id = ? AND app = ? AND stopped_at IS NULL`,
		fmtTime(at), by, c.tx.key, personID, app)
	return ok, translate(err, "stop clock %s/%s", personID, app)
}

func (c clocks) List(ctx context.Context, open bool) ([]sla.Clock, error) {
	q := `SELECT person_id, app, tier, started_at, deadline, stopped_at, stopped_by FROM clocks WHERE tenant = ?`
	if open {
		q += ` AND stopped_at IS NULL`
	}
	rows, err := c.tx.query(ctx, q+` ORDER BY started_at, seq`, c.tx.key)
	if err != nil {
		return nil, fmt.Errorf("list clocks: %w", err)
	}
	defer rows.Close()
	var out []sla.Clock
	for rows.Next() {
		var (
			k                        sla.Clock
			started, deadline, stopd sql.NullString
		)
		if err := rows.Scan(&k.PersonID, &k.App, &k.Tier, &started, &deadline, &stopd, &k.StoppedBy); err != nil {
			return nil, fmt.Errorf("list clocks: %w", err)
		}
		for _, f := range []struct {
			dst *time.Time
			src sql.NullString
		}{{&k.StartedAt, started}, {&k.Deadline, deadline}, {&k.StoppedAt, stopd}} {
			if *f.dst, err = parseTime(f.src); err != nil {
				return nil, fmt.Errorf("list clocks: %w", err)
			}
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

var _ store.Clocks = clocks{}
