package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenure-dev/tenure/person"
	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/internal/codec"
)

// events implements store.Events.
type events struct{ tx *Tx }

const eventCols = `id, person_id, kind, effective_at, effective_at_ns, state, changes, source,
	created_at, created_at_ns`

var eventCopyCols = []string{"id", "tenant", "person_id", "kind", "effective_at", "effective_at_ns",
	"state", "changes", "source", "created_at", "created_at_ns"}

// Append takes the ids from the event_ids sequence first and then copies the
// events in with them: COPY cannot say which id each row got. A sequence
// hands each session increasing values, and writers of a tenant take turns,
// so a tenant's events are numbered in the order they were recorded.
func (e events) Append(ctx context.Context, evs []person.Event) error {
	if err := e.tx.writable("append events"); err != nil {
		return err
	}
	if len(evs) == 0 {
		return nil
	}
	ids, err := e.nextIDs(ctx, len(evs))
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	err = e.tx.copyRows(ctx, "events", eventCopyCols, len(evs), func(dst []any, i int) ([]any, error) {
		ev := &evs[i]
		changes, err := valueJSON(ev.Changes, ev.Changes == nil)
		if err != nil {
			return nil, fmt.Errorf("event of %q changes: %w", ev.PersonID, err)
		}
		return append(dst, ids[i], e.tx.key, ev.PersonID, string(ev.Kind),
			ev.EffectiveAt, nanos(ev.EffectiveAt), string(ev.State), changes, ev.Source,
			nullTime(ev.CreatedAt), nanos(ev.CreatedAt)), nil
	})
	if err != nil {
		return translate(err, "append events")
	}
	for i := range evs {
		evs[i].ID = ids[i]
	}
	return nil
}

// nextIDs draws n values from event_ids, in increasing order.
func (e events) nextIDs(ctx context.Context, n int) ([]int64, error) {
	rows, err := e.tx.tx.Query(ctx, `SELECT nextval('event_ids') FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) != n {
		return nil, fmt.Errorf("drew %d event ids, want %d", len(ids), n)
	}
	slices.Sort(ids) // the order rows come back in is not promised
	return ids, nil
}

// List reads the events the filter selects, in id order.
func (e events) List(ctx context.Context, f store.EventFilter) ([]person.Event, error) {
	query, args := eventQuery(e.tx.key, f)
	rows, err := e.tx.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var (
		evs            codec.Blocks[person.Event]
		kind, state    string
		chgs           jsonText
		eff, created   pgtype.Timestamptz
		effNs, creatNs int16
	)
	for rows.Next() {
		ev := evs.Next()
		if err := rows.Scan(&ev.ID, &ev.PersonID, &kind, &eff, &effNs, &state, &chgs, &ev.Source,
			&created, &creatNs); err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		ev.Kind, ev.State = person.Kind(kind), person.EventState(state)
		ev.EffectiveAt, ev.CreatedAt = joinTime(eff, effNs), joinTime(created, creatNs)
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
	ok, err := e.tx.execAffected(ctx, `UPDATE events SET state = $1 WHERE tenant = $2 AND id = $3`,
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
// few distinct texts it yields are each prepared once per connection.
func eventQuery(tenant int32, f store.EventFilter) (string, []any) {
	var q strings.Builder
	q.WriteString(`SELECT ` + eventCols + ` FROM events WHERE tenant = $1`)
	args := []any{tenant}
	param := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.PersonID != "" {
		q.WriteString(` AND person_id = ` + param(f.PersonID))
	}
	switch f.State {
	case "":
	case person.Scheduled:
		// Literal, so that the planner sees it may use the partial index
		// events_due.
		q.WriteString(` AND state = 'scheduled'`)
	default:
		q.WriteString(` AND state = ` + param(string(f.State)))
	}
	if !f.DueBy.IsZero() {
		// The pair compares as one time, and matches events_due's columns.
		at := param(f.DueBy)
		q.WriteString(` AND (effective_at, effective_at_ns) <= (` + at + `, ` + param(nanos(f.DueBy)) + `)`)
	}
	q.WriteString(` ORDER BY id`)
	if f.Limit > 0 {
		q.WriteString(` LIMIT ` + param(f.Limit))
	}
	return q.String(), args
}

var _ store.Events = events{}
