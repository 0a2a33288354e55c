package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
	"strings"
)

// cachingConnector opens connections that keep their own prepared
// statements for the SQL run on them without a Prepare. The store prepares
// its own statements (stmtCache), but River's SQLite driver, which shares
// the write pool, sends every query as text, and SQLite parses the text on
// every call: completing 1,000 leavers' 20,000 jobs parsed River's
// completion statement 20,000 times, a tenth of the CPU of the whole run,
// all of it while holding the one write connection. database/sql gives a
// connection to one goroutine at a time, so a connection's cache needs no
// lock.
type cachingConnector struct{ driver.Connector }

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: conn, stmts: map[string]*connStmt{}}, nil
}

// maxConnStmts bounds one connection's cache: SQL built with a variable
// number of placeholders has many texts, and past the bound a text is
// parsed per call as before.
const maxConnStmts = 256

// cachingConn is a connection with its statement cache. It forwards every
// optional interface of the driver's connection that database/sql uses.
type cachingConn struct {
	driver.Conn
	stmts map[string]*connStmt
}

// connStmt is a cached statement; busy while rows read from it are open
// (a second use of the same text meanwhile is parsed afresh).
type connStmt struct {
	s    driver.Stmt
	busy bool
}

var (
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
)

// errNoCapability means the wrapped driver lacks an interface; the
// modernc.org/sqlite connection has all of them.
var errNoCapability = errors.New("sqlite: the driver connection lacks a capability the store needs")

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	b, ok := c.Conn.(driver.ConnBeginTx)
	if !ok {
		return nil, errNoCapability
	}
	return b.BeginTx(ctx, opts)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	p, ok := c.Conn.(driver.ConnPrepareContext)
	if !ok {
		return c.Conn.Prepare(query)
	}
	return p.PrepareContext(ctx, query)
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for q, cs := range c.stmts {
		errs = append(errs, cs.s.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.Conn.Close())...)
}

// cached returns the connection's idle statement for query, preparing it
// on first use; nil when the query is a script of several statements, is
// in use already, or the cache is full.
func (c *cachingConn) cached(ctx context.Context, query string) *connStmt {
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil
		}
		return cs
	}
	if len(c.stmts) >= maxConnStmts || strings.Contains(strings.TrimRight(strings.TrimSpace(query), ";"), ";") {
		return nil // a script (migrations) runs statement by statement
	}
	s, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil // the uncached call reports the error
	}
	_, okExec := s.(driver.StmtExecContext)
	_, okQuery := s.(driver.StmtQueryContext)
	if !okExec || !okQuery {
		_ = s.Close()
		return nil
	}
	cs := &connStmt{s: s}
	c.stmts[query] = cs
	return cs
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if cs := c.cached(ctx, query); cs != nil {
		return cs.s.(driver.StmtExecContext).ExecContext(ctx, args)
	}
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip // database/sql prepares instead
	}
	return e.ExecContext(ctx, query, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if cs := c.cached(ctx, query); cs != nil {
		rows, err := cs.s.(driver.StmtQueryContext).QueryContext(ctx, args)
		if err != nil {
			return nil, err
		}
		cs.busy = true
		return &connRows{Rows: rows, stmt: cs}, nil
	}
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return q.QueryContext(ctx, query, args)
}

// connRows frees its statement for reuse when closed, and forwards the
// column type interfaces of the driver's rows.
type connRows struct {
	driver.Rows
	stmt *connStmt
}

func (r *connRows) Close() error {
	err := r.Rows.Close() // resets the statement, keeping it prepared
	r.stmt.busy = false
	return err
}

func (r *connRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *connRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *connRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *connRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *connRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
