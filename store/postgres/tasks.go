package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/task"
)

// tasks implements store.Tasks.
type tasks struct{ tx *Tx }

const taskCols = `id, person_id, app, action, entitlement, key, assignee, instruction, reason,
	due, due_ns, status, created_at, created_at_ns, done_at, done_at_ns, done_by, note`

// taskArgs are $1 (the tenant) to $19, in the order of taskCols.
func taskArgs(key int32, t task.Task) []any {
	return []any{key, t.ID, t.PersonID, t.App, t.Action, t.Entitlement, t.Key, t.Assignee,
		t.Instruction, t.Reason, t.Due, nanos(t.Due), string(t.Status), t.CreatedAt, nanos(t.CreatedAt),
		nullTime(t.DoneAt), nanos(t.DoneAt), t.DoneBy, t.Note}
}

// Create reports a taken id, or an open task with the same key, as
// store.ErrConflict without raising an error in the database: ON CONFLICT
// DO NOTHING covers the primary key and the partial index tasks_open_key.
func (k tasks) Create(ctx context.Context, t task.Task) error {
	if err := k.tx.writable("create task"); err != nil {
		return err
	}
	tag, err := k.tx.tx.Exec(ctx, `INSERT INTO tasks (tenant, `+taskCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT DO NOTHING`, taskArgs(k.tx.key, t)...)
	switch {
	case err != nil:
		return translate(err, "create task %q", t.ID)
	case tag.RowsAffected() == 0:
		return conflict("create task %q (its id, or an open task for key %q)", t.ID, t.Key)
	}
	return nil
}

func (k tasks) Get(ctx context.Context, id string) (task.Task, error) {
	rows, err := k.tx.tx.Query(ctx, `SELECT `+taskCols+` FROM tasks WHERE tenant = $1 AND id = $2`, k.tx.key, id)
	if err != nil {
		return task.Task{}, fmt.Errorf("task %q: %w", id, err)
	}
	ts, err := scanTasks(rows)
	if err != nil {
		return task.Task{}, fmt.Errorf("task %q: %w", id, err)
	}
	if len(ts) == 0 {
		return task.Task{}, notFound("task %q", id)
	}
	return ts[0], nil
}

func (k tasks) List(ctx context.Context, f store.TaskFilter) ([]task.Task, error) {
	var where strings.Builder
	args := []any{k.tx.key}
	for _, c := range []struct{ col, v string }{{"status", string(f.Status)}, {"person_id", f.PersonID}, {"app", f.App}} {
		if c.v != "" {
			args = append(args, c.v)
			where.WriteString(" AND " + c.col + " = $" + strconv.Itoa(len(args)))
		}
	}
	rows, err := k.tx.tx.Query(ctx, `SELECT `+taskCols+` FROM tasks WHERE tenant = $1`+where.String()+
		` ORDER BY due, due_ns, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	ts, err := scanTasks(rows)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	return ts, nil
}

// Update replaces a task. Reopening a task while another is open for its
// key would break "one open task per operation": the statement declines
// (rather than fail the transaction on tasks_open_key) and Update reports
// store.ErrConflict.
func (k tasks) Update(ctx context.Context, t task.Task) error {
	if err := k.tx.writable("update task"); err != nil {
		return err
	}
	ok, err := k.tx.execAffected(ctx, `UPDATE tasks SET person_id = $3, app = $4, action = $5,
		entitlement = $6, key = $7, assignee = $8, instruction = $9, reason = $10, due = $11, due_ns = $12,
		status = $13, created_at = $14, created_at_ns = $15, done_at = $16, done_at_ns = $17,
		done_by = $18, note = $19
		WHERE tenant = $1 AND id = $2 AND ($13 <> 'open' OR NOT EXISTS (
			SELECT FROM tasks o WHERE o.tenant = $1 AND o.key = $7 AND o.status = 'open' AND o.id <> $2))`,
		taskArgs(k.tx.key, t)...)
	if err != nil {
		return translate(err, "update task %q", t.ID)
	}
	if ok {
		return nil
	}
	var exists bool
	if err := k.tx.tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM tasks WHERE tenant = $1 AND id = $2)`,
		k.tx.key, t.ID).Scan(&exists); err != nil {
		return fmt.Errorf("update task %q: %w", t.ID, err)
	}
	if exists {
		return conflict("update task %q: another task is open for key %q", t.ID, t.Key)
	}
	return notFound("task %q", t.ID)
}

func scanTasks(rows pgx.Rows) ([]task.Task, error) {
	defer rows.Close()
	var out []task.Task
	for rows.Next() {
		var (
			t                    task.Task
			status               string
			due, created, doneAt pgtype.Timestamptz
			dueNs, creatNs, dNs  int16
		)
		if err := rows.Scan(&t.ID, &t.PersonID, &t.App, &t.Action, &t.Entitlement, &t.Key, &t.Assignee,
			&t.Instruction, &t.Reason, &due, &dueNs, &status, &created, &creatNs, &doneAt, &dNs,
			&t.DoneBy, &t.Note); err != nil {
			return nil, err
		}
		t.Status = task.Status(status)
		t.Due, t.CreatedAt, t.DoneAt = joinTime(due, dueNs), joinTime(created, creatNs), joinTime(doneAt, dNs)
		out = append(out, t)
	}
	return out, rows.Err()
}

var _ store.Tasks = tasks{}
