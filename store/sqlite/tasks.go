package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/task"
)

// tasks implements store.Tasks.
type tasks struct{ tx *Tx }

const taskCols = `id, person_id, app, action, entitlement, key, assignee, instruction, reason, due,
	status, created_at, done_at, done_by, note`

func taskArgs(key int64, t task.Task) []any {
	return []any{key, t.ID, t.PersonID, t.App, t.Action, t.Entitlement, t.Key, t.Assignee, t.Instruction,
		t.Reason, fmtTime(t.Due), string(t.Status), fmtTime(t.CreatedAt), nullTime(t.DoneAt), t.DoneBy, t.Note}
}

func (k tasks) Create(ctx context.Context, t task.Task) error {
	if err := k.tx.writable("create task"); err != nil {
		return err
	}
	_, err := k.tx.exec(ctx, `INSERT INTO tasks (tenant, `+taskCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, taskArgs(k.tx.key, t)...)
	return translate(err, "create task %q", t.ID)
}

func (k tasks) Get(ctx context.Context, id string) (task.Task, error) {
	rows, err := k.tx.query(ctx, `SELECT `+taskCols+` FROM tasks WHERE tenant = ? AND id = ?`, k.tx.key, id)
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
	where := []string{"tenant = ?"}
	args := []any{k.tx.key}
	for _, c := range []struct{ col, v string }{{"status", string(f.Status)}, {"person_id", f.PersonID}, {"app", f.App}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	rows, err := k.tx.query(ctx, `SELECT `+taskCols+` FROM tasks WHERE `+strings.Join(where, " AND ")+
		` ORDER BY due, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	ts, err := scanTasks(rows)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	return ts, nil
}

func (k tasks) Update(ctx context.Context, t task.Task) error {
	if err := k.tx.writable("update task"); err != nil {
		return err
	}
	args := taskArgs(k.tx.key, t)
	ok, err := k.tx.execAffected(ctx, `UPDATE tasks SET person_id = ?, app = ?, action = ?, entitlement = ?,
		key = ?, assignee = ?, instruction = ?, reason = ?, due = ?, status = ?, created_at = ?, done_at = ?,
		done_by = ?, note = ? WHERE tenant = ? AND id = ?`, append(args[2:], args[0], args[1])...)
	if err != nil {
		return translate(err, "update task %q", t.ID)
	}
	if !ok {
		return notFound("task %q", t.ID)
	}
	return nil
}

func scanTasks(rows *sql.Rows) ([]task.Task, error) {
	defer rows.Close()
	var out []task.Task
	for rows.Next() {
		var (
			t                   task.Task
			status              string
			due, created, doneA sql.NullString
		)
		if err := rows.Scan(&t.ID, &t.PersonID, &t.App, &t.Action, &t.Entitlement, &t.Key, &t.Assignee,
			&t.Instruction, &t.Reason, &due, &status, &created, &doneA, &t.DoneBy, &t.Note); err != nil {
			return nil, err
		}
		t.Status = task.Status(status)
		var err error
		if t.Due, err = parseTime(due); err != nil {
			return nil, err
		}
		if t.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		if t.DoneAt, err = parseTime(doneA); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

var _ store.Tasks = tasks{}
