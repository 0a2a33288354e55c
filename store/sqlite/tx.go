package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tenure-dev/tenure/audit"
	"github.com/tenure-dev/tenure/store"
)

// Tx is one transaction on one tenant's data. Every statement its ports run
// on the tenant's rows carries "tenant = ?" bound to that tenant. It is for
// the goroutine running the function given to Write or Read (it keeps
// unsynchronised caches), and not for use after that function returns.
type Tx struct {
	// ctx is the context Write or Read was called with, for work the Tx
	// does on its own goroutines.
	ctx    context.Context
	tx     *sql.Tx
	tenant string
	// key is the tenant's row id, which the other tables store: a small
	// integer keeps every key and index entry short and quick to compare.
	key      int64
	readOnly bool

	// stmts caches prepared statements by SQL text for the life of the
	// transaction (database/sql closes them at commit or rollback), so that
	// a 100,000-row import prepares each statement once.
	stmts map[string]*sql.Stmt
	// cache is the pool's statement cache (nil: prepare per transaction);
	// missed lists the queries this transaction prepared for itself.
	cache  *stmtCache
	missed []string

	// lastEventID is the largest event id in the database, read on the
	// first Events.Append; 0 until then.
	lastEventID int64

	// The audit chain's head, read on first use and then kept here: inside
	// a write transaction nobody else can move it. headDirty says the
	// stored head is behind.
	headKnown bool
	headDirty bool
	headSeq   int64
	headHash  string
	// pending holds sealed audit entries not yet inserted. Each full chunk
	// goes to aw, the writer goroutine (started on the first); the rest are
	// written before anything reads the audit table and before commit.
	pending []audit.Entry
	aw      *auditWriter
}

var _ store.Tx = (*Tx)(nil)

func newTx(ctx context.Context, tx *sql.Tx, tenant string, readOnly bool) *Tx {
	return &Tx{ctx: ctx, tx: tx, tenant: tenant, readOnly: readOnly, stmts: map[string]*sql.Stmt{}}
}

// Tenant is the tenant this transaction is scoped to.
func (tx *Tx) Tenant() string { return tx.tenant }

// People is the tenant's roster.
func (tx *Tx) People() store.People { return people{tx} }

// Events is the tenant's lifecycle event history.
func (tx *Tx) Events() store.Events { return events{tx} }

// Requests holds the tenant's requested access.
func (tx *Tx) Requests() store.Requests { return requests{tx} }

// Accounts is what the tenant's apps really hold.
func (tx *Tx) Accounts() store.Accounts { return accounts{tx} }

// Batches holds the tenant's held changes.
func (tx *Tx) Batches() store.Batches { return batches{tx} }

// Tokens holds the tenant's API tokens.
func (tx *Tx) Tokens() store.Tokens { return tokens{tx} }

// Audit is the tenant's hash-chained log.
func (tx *Tx) Audit() store.AuditLog { return auditLog{tx} }

// Policy holds the tenant's accepted policy.
func (tx *Tx) Policy() store.PolicyRecords { return policyRecords{tx} }

// Receipts remembers the HR event ids already applied.
func (tx *Tx) Receipts() store.Receipts { return receipts{tx} }

// Tasks holds the tenant's work for humans.
func (tx *Tx) Tasks() store.Tasks { return tasks{tx} }

// Clocks holds the tenant's leaver clocks.
func (tx *Tx) Clocks() store.Clocks { return clocks{tx} }

// SCIM holds the SCIM resources source pushed to the tenant.
func (tx *Tx) SCIM(source string) store.SCIMResources { return scimResources{tx, source} }

// checkTenant looks up the tenant's key; it fails with an error matching
// store.ErrNoTenant and store.ErrNotFound when the tenant was never created.
func (tx *Tx) checkTenant(ctx context.Context) error {
	// Every transaction runs this first: through the statement cache, so
	// that it is not parsed again each time.
	err := tx.queryRow(ctx, `SELECT key FROM tenants WHERE id = ?`, tx.tenant).Scan(&tx.key)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return noTenant(tx.tenant)
	case err != nil:
		return fmt.Errorf("tenant %q: %w", tx.tenant, err)
	}
	return nil
}

// writable is called first by every write method.
func (tx *Tx) writable(what string) error {
	if tx.readOnly {
		return fmt.Errorf("%s: %w", what, errReadOnly)
	}
	return nil
}

// stmt returns the transaction's prepared statement for query, preparing it
// on first use.
func (tx *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := tx.stmts[query]; ok {
		return s, nil
	}
	var s *sql.Stmt
	if tx.cache != nil {
		if ps := tx.cache.lookup(query); ps != nil {
			// Reuses the statement already prepared on this connection.
			s = tx.tx.StmtContext(ctx, ps)
		}
	}
	if s == nil {
		var err error
		if s, err = tx.tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		tx.missed = append(tx.missed, query)
	}
	tx.stmts[query] = s
	return s, nil
}

// exec runs a cached statement.
func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// query runs a cached statement that returns rows.
func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// queryRow runs a cached statement that returns one row.
func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := tx.stmt(ctx, query)
	if err != nil {
		// Let Scan report it: QueryRow has no error return.
		return tx.tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// execAffected runs a cached UPDATE or DELETE and reports whether it
// touched a row.
func (tx *Tx) execAffected(ctx context.Context, query string, args ...any) (bool, error) {
	res, err := tx.exec(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// flush writes what the Tx buffered; run calls it before commit.
func (tx *Tx) flush(ctx context.Context) error {
	return auditLog{tx}.flush(ctx)
}

// abandon stops the Tx's goroutines without finishing their work, before a
// rollback: none may use the connection once it goes back to the pool.
func (tx *Tx) abandon() {
	if tx.aw != nil {
		_ = tx.aw.stop() // what it failed to write is rolled back anyway
		tx.aw = nil
	}
}

// run is Write and Read: begin, check the tenant, call fn, flush what the
// Tx buffered, commit; roll back on any error or panic.
func run(ctx context.Context, db *sql.DB, cache *stmtCache, tenant string, readOnly bool, fn func(store.Tx) error) error {
	stx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	tx := newTx(ctx, stx, tenant, readOnly)
	tx.cache = cache
	done := false
	defer func() {
		// After the transaction has let go of its connection.
		if cache != nil && len(tx.missed) > 0 {
			cache.learn(context.WithoutCancel(ctx), tx.missed)
		}
	}()
	defer func() {
		if !done {
			// On an error or a panic from fn. Rollback's own error adds
			// nothing: the transaction is gone either way.
			tx.abandon()
			_ = stx.Rollback()
		}
	}()
	if err := tx.checkTenant(ctx); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	if readOnly {
		done = true
		if err := stx.Rollback(); err != nil {
			return fmt.Errorf("sqlite: end read: %w", err)
		}
		return nil
	}
	if err := tx.flush(ctx); err != nil {
		return err
	}
	done = true
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// SQLTx is the database transaction under tx, for the queue to insert jobs
// in it (River's InsertManyTx). Code above the store reaches it only by a
// type assertion in the queue adapter.
func (tx *Tx) SQLTx() *sql.Tx { return tx.tx }
