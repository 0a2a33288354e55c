package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenure-dev/tenure/sla"
	"github.com/tenure-dev/tenure/store"
)

// clocks implements store.Clocks.
type clocks struct{ tx *Tx }

// Start inserts a clock unless one is open for (person, app): ON CONFLICT
// DO NOTHING meets the partial index clocks_open without raising an error.
func (c clocks) Start(ctx context.Context, k sla.Clock) (bool, error) {
	if err := c.tx.writable("start clock"); err != nil {
		return false, err
	}
	ok, err := c.tx.execAffected(ctx, `INSERT INTO clocks (tenant, person_id, app, tier,
		started_at, started_at_ns, deadline, deadline_ns, stopped_at_ns, stopped_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, '') ON CONFLICT DO NOTHING`,
		c.tx.key, k.PersonID, k.App, k.Tier, k.StartedAt, nanos(k.StartedAt), k.Deadline, nanos(k.Deadline))
	if err != nil {
		return false, translate(err, "start clock %s/%s", k.PersonID, k.App)
	}
	return ok, nil
}

// Stop stops the open clock of (person, app). at is stored as given, so
// even the zero time stops it.
func (c clocks) Stop(ctx context.Context, personID, app string, at time.Time, by string) (bool, error) {
	if err := c.tx.writable("stop clock"); err != nil {
		return false, err
	}
	ok, err := c.tx.execAffected(ctx, `UPDATE clocks SET stopped_at = $1, stopped_at_ns = $2, stopped_by = $3
		WHERE tenant = $4 AND person_id = $5 AND app = $6 AND stopped_at IS NULL`,
		at, nanos(at), by, c.tx.key, personID, app)
	if err != nil {
		return false, translate(err, "stop clock %s/%s", personID, app)
	}
	return ok, nil
}

func (c clocks) List(ctx context.Context, open bool) ([]sla.Clock, error) {
	q := `SELECT person_id, app, tier, started_at, started_at_ns, deadline, deadline_ns,
		stopped_at, stopped_at_ns, stopped_by FROM clocks WHERE tenant = $1`
	if open {
		q += ` AND stopped_at IS NULL`
	}
	rows, err := c.tx.tx.Query(ctx, q+` ORDER BY started_at, started_at_ns, seq`, c.tx.key)
	if err != nil {
		return nil, fmt.Errorf("list clocks: %w", err)
	}
	defer rows.Close()
	var out []sla.Clock
	for rows.Next() {
		var (
			k                            sla.Clock
			started, deadline, stopped   pgtype.Timestamptz
			startedNs, deadlineNs, stpNs int16
		)
		if err := rows.Scan(&k.PersonID, &k.App, &k.Tier, &started, &startedNs, &deadline, &deadlineNs,
			&stopped, &stpNs, &k.StoppedBy); err != nil {
			return nil, fmt.Errorf("list clocks: %w", err)
		}
		k.StartedAt, k.Deadline = joinTime(started, startedNs), joinTime(deadline, deadlineNs)
		k.StoppedAt = joinTime(stopped, stpNs)
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list clocks: %w", err)
	}
	return out, nil
}

var _ store.Clocks = clocks{}
