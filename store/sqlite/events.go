package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/internal/codec"
)

// events implements store.Events.
type events struct{ tx *Tx }

const eventCols = `id, person_id, kind, effective_at, state, changes, source, created_at`

var appendEvents = newInsert(`INSERT INTO events (tenant, `+eventCols+`) VALUES `, 9, "")

// Append numbers the events itself rather than reading back what SQLite
// chose: a multi-row INSERT reports only its last rowid, and RETURNING does
// not promise row order. In a write transaction nobody else inserts, so the
// ids after the current largest are ours; the explicit ids also advance
// AUTOINCREMENT's counter, so none is ever reused.
func (e events) Append(ctx context.Context, evs []person.Event) error {
	if err := e.tx.writable("append events"); err != nil {
		return err
	}
	if len(evs) == 0 {
		return nil
	}
	if e.tx.lastEventID == 0 {
		// Ids are global, not per tenant, so this is the one query without
		// "tenant = ?": it reads the counter, not any tenant's rows.
		err := e.tx.queryRow(ctx, `SELECT max(
			coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),
			coalesce((SELECT max(id) FROM events), 0))`).Scan(&e.tx.lastEventID)
		if err != nil {
			return fmt.Errorf("append events: %w", err)
		}
	}
	first := e.tx.lastEventID + 1
	err := appendEvents.run(ctx, e.tx, len(evs), func(dst []any, i int) ([]any, error) {
		ev := &evs[i]
		changes, err := valueJSON(ev.Changes, ev.Changes == nil)
		if err != nil {
			return nil, fmt.Errorf("event of %q changes: %w", ev.PersonID, err)
		}
		return append(dst, e.tx.key, first+int64(i), ev.PersonID, string(ev.Kind),
			fmtTime(ev.EffectiveAt), string(ev.State), changes, ev.Source, nullTime(ev.CreatedAt)), nil
	})
	if err != nil {
		// Some chunks may be in; read the counter afresh next time.
		e.tx.lastEventID = 0
		return translate(err, "append events")
	}
	for i := range evs {
		evs[i].ID = first + int64(i)
	}
	e.tx.lastEventID += int64(len(evs))
	return nil
}

// List reads the events the filter selects, in id order.
func (e events) List(ctx context.Context, f store.EventFilter) ([]person.Event, error) {
	query, args := eventQuery(e.tx.key, f)
	rows, err := e.tx.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var evs codec.Blocks[person.Event]
	for rows.Next() {
		var (
			ev                 = evs.Next()
			kind, state        string
			eff, created, chgs sql.NullString
		)
		if err := rows.Scan(&ev.ID, &ev.PersonID, &kind, &eff, &state, &chgs, &ev.Source, &created); err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		ev.Kind, ev.State = person.Kind(kind), person.EventState(state)
		if ev.EffectiveAt, err = parseTime(eff); err != nil {
			return nil, fmt.Errorf("event %d: %w", ev.ID, err)
		}
		if ev.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("event %d: %w", ev.ID, err)
		}
		if err := fromJSON(chgs, &ev.Changes); err != nil {
			return nil, fmt.Errorf("event %d changes: %w", ev.ID, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return evs.All(), nil
}

func (e events) SetState(ctx context.Context, id int64, s person.EventState) error {
	if err := e.tx.writable("set event state"); err != nil {
		return err
	}
	ok, err := e.tx.execAffected(ctx, `UPDATE events SET state = ? WHERE tenant = ? AND id = ?`,
		string(s), e.tx.key, id)
	switch {
	case err != nil:
		return fmt.Errorf("event %d: %w", id, err)
	case !ok:
		return notFound("event %d", id)
	}
	return nil
}

// eventQuery builds the WHERE clause from the filter's non-zero fields. The
// few distinct texts it yields are each prepared once per transaction.
func eventQuery(tenant int64, f store.EventFilter) (string, []any) {
	var q strings.Builder
	q.WriteString(`SELECT ` + eventCols + ` FROM events WHERE tenant = ?`)
	args := []any{tenant}
	if f.PersonID != "" {
		q.WriteString(` AND person_id = ?`)
		args = append(args, f.PersonID)
	}
	switch f.State {
	case "":
	case person.Scheduled:
		// Literal, so that SQLite sees it may use the partial index events_due.
		q.WriteString(` AND state = 'scheduled'`)
	default:
		q.WriteString(` AND state = ?`)
		args = append(args, string(f.State))
	}
	if !f.DueBy.IsZero() {
		q.WriteString(` AND effective_at <= ?`)
		args = append(args, fmtTime(f.DueBy))
	}
	// LIMIT -1 is SQLite for "no limit".
	q.WriteString(` ORDER BY id LIMIT ?`)
	args = append(args, cmpLimit(f.Limit))
	return q.String(), args
}

// cmpLimit turns a "0 means no cap" limit into SQLite's LIMIT operand.
func cmpLimit(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

var _ store.Events = events{}
