package sqlite

import (
	"context"
	"strings"
)

// insert is an INSERT statement that can take many rows at once:
// head + "(?, …), (?, …)" + tail.
type insert struct {
	head string // "INSERT INTO t (a, b) VALUES "
	tail string // "" or " ON CONFLICT … DO UPDATE SET …"
	cols int

	one  string // the statement for one row
	many string // the statement for chunk rows
}

// chunk is how many rows one multi-row statement inserts. Much of the cost
// of a row through database/sql and the driver is per statement (locking,
// argument conversion, a step and a reset), which a chunk of rows shares.
// Measured on a 100,000-person import, 50 rows per statement was clearly
// slower and 200 or 400 no faster; 128 rows of the widest table (17
// columns) stay far below SQLite's limit of 32,766 parameters.
const chunk = 128

func newInsert(head string, cols int, tail string) *insert {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return &insert{
		head: head, tail: tail, cols: cols,
		one:  head + row + tail,
		many: head + strings.TrimSuffix(strings.Repeat(row+", ", chunk), ", ") + tail,
	}
}

// run inserts n rows; args appends row i's values (ins.cols of them) to
// dst. Whole chunks go through the multi-row statement and the remainder
// row by row, so only two statements are ever prepared per table.
func (ins *insert) run(ctx context.Context, tx *Tx, n int, args func(dst []any, i int) ([]any, error)) error {
	buf := make([]any, 0, min(n, chunk)*ins.cols)
	i := 0
	if n >= chunk {
		many, err := tx.stmt(ctx, ins.many)
		if err != nil {
			return err
		}
		for ; i+chunk <= n; i += chunk {
			buf = buf[:0]
			for j := i; j < i+chunk; j++ {
				if buf, err = args(buf, j); err != nil {
					return err
				}
			}
			if _, err := many.ExecContext(ctx, buf...); err != nil {
				return err
			}
		}
	}
	if i == n {
		return nil
	}
	one, err := tx.stmt(ctx, ins.one)
	if err != nil {
		return err
	}
	for ; i < n; i++ {
		if buf, err = args(buf[:0], i); err != nil {
			return err
		}
		if _, err := one.ExecContext(ctx, buf...); err != nil {
			return err
		}
	}
	return nil
}
