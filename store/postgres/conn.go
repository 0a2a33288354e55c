package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// conn is the transaction as the Tx's statements see it. The audit log may
// be copying entries in on a goroutine of its own (see auditWriter), and a
// connection serves one statement at a time, so every statement waits for
// that copy first. Once a copy has failed, the transaction is aborted and
// every statement fails with the copy's error.
type conn struct {
	tx pgx.Tx
	aw *auditWriter // the copy under way, if any
	// failed is the first copy's error; sticky.
	failed error
}

// wait waits for the copy under way, if any, and returns the error that
// has failed the transaction, if any.
func (c *conn) wait() error {
	if c.aw != nil {
		if err := c.aw.wait(); err != nil && c.failed == nil {
			c.failed = err
		}
		c.aw = nil
	}
	return c.failed
}

// abandon stops the copy under way without waiting for it to finish, before
// a rollback.
func (c *conn) abandon() {
	if c.aw != nil {
		c.aw.abandon()
		c.aw = nil
	}
}

func (c *conn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := c.wait(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return c.tx.Exec(ctx, sql, args...)
}

func (c *conn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := c.wait(); err != nil {
		return nil, err
	}
	return c.tx.Query(ctx, sql, args...)
}

func (c *conn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := c.wait(); err != nil {
		return errRow{err}
	}
	return c.tx.QueryRow(ctx, sql, args...)
}

func (c *conn) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if err := c.wait(); err != nil {
		return 0, err
	}
	return c.tx.CopyFrom(ctx, table, cols, src)
}

// errRow is a pgx.Row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
