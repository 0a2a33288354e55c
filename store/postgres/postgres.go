// Package postgres is Tenure's PostgreSQL store: every tenant in one
// database, through pgx and its connection pool.
//
// Writers of one tenant take turns. Write begins a READ COMMITTED
// transaction and first locks the tenant's row of audit_heads (SELECT … FOR
// UPDATE), so a Write sees everything the tenant's previous writers
// committed, nobody changes the tenant's rows under it, and the audit chain
// cannot fork. That is what the embedded SQLite store gives by having one
// writer; here writers of different tenants run in parallel. (Within one
// process, writers also queue for their tenant before they take a
// connection; see Store.turns.) Read is a REPEATABLE READ, READ ONLY
// transaction: one consistent snapshot.
//
// A statement that fails aborts a PostgreSQL transaction, but callers may
// go on after an expected failure (ErrConflict from a Create, say) and
// commit the rest. So the statements that can meet an expected conflict are
// written not to raise one (ON CONFLICT DO NOTHING, guarded updates) and
// report it from the rows they touched.
//
// The schema is versioned with goose; migrations are embedded and applied by
// Open under an advisory lock, so several processes may start at once. All
// SQL lives in this package: the SQLite store keeps its own.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenure-dev/tenure/store"
)

// Store is a PostgreSQL database of tenants. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	// turns holds a chan struct{} of capacity 1 per tenant written to: a
	// Write takes its tenant's turn here before it takes a connection, so
	// that the writers this process has queued for a busy tenant wait
	// without holding connections that other work (a Read inside that
	// tenant's Write, say) needs. The database lock still orders writers
	// across processes.
	turns sync.Map
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url ("postgres://user@host/db?…", or
// key=value pairs; see pgxpool.ParseConfig for pool settings such as
// pool_max_conns) and brings its schema up to date. Tables go in the first
// schema of the search_path, which a URL may set (…&search_path=tenure).
// Close it when done.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open for a parsed configuration, for callers that set
// fields a URL cannot (RuntimeParams, hooks, a tracer).
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool}, nil
}

// Close waits for connections in use to be released and closes them all.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Write runs fn in one read-write transaction, after waiting for the
// tenant's other writers to finish. If fn returns an error or panics,
// everything it did is rolled back (a panic then continues). A nested Write
// on the same tenant waits for ever: the outer one holds the tenant's lock.
func (s *Store) Write(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	turn, _ := s.turns.LoadOrStore(tenant, make(chan struct{}, 1))
	select {
	case turn.(chan struct{}) <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("postgres: wait to write tenant %q: %w", tenant, ctx.Err())
	}
	defer func() { <-turn.(chan struct{}) }()
	return s.run(ctx, tenant, false, fn)
}

// Read runs fn in a read-only snapshot that later commits do not change.
func (s *Store) Read(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	return s.run(ctx, tenant, true, fn)
}

// The options of Write's and Read's transactions, spelled out so that a
// server default (default_transaction_isolation) cannot change them.
var (
	writeOptions = pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite}
	readOptions  = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
)

// run is Write and Read: begin, find (and for a write, lock) the tenant,
// call fn, write what the Tx buffered, commit; roll back on any error or
// panic.
func (s *Store) run(ctx context.Context, tenant string, readOnly bool, fn func(store.Tx) error) error {
	opts := writeOptions
	if readOnly {
		opts = readOptions
	}
	ptx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	tx := &Tx{ctx: ctx, tx: &conn{tx: ptx}, tenant: tenant, readOnly: readOnly}
	done := false
	defer func() {
		if !done {
			// On an error or a panic from fn. The audit writer goes first:
			// nothing else may use the connection while it does. Rollback's
			// own error adds nothing: if it fails the pool discards the
			// connection, and the transaction is gone either way.
			tx.tx.abandon()
			_ = ptx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := tx.begin(ctx); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	if readOnly {
		done = true
		if err := ptx.Rollback(ctx); err != nil {
			return fmt.Errorf("postgres: end read: %w", err)
		}
		return nil
	}
	if err := tx.flush(ctx); err != nil {
		return err
	}
	done = true
	if err := ptx.Commit(ctx); err != nil {
		if errors.Is(err, pgx.ErrTxCommitRollback) {
			// A statement failed earlier and fn went on regardless.
			return fmt.Errorf("postgres: commit: a statement of the transaction failed, so it was rolled back: %w", err)
		}
		return translate(err, "postgres: commit")
	}
	return nil
}

// Pool is the connection pool. The queue (River's pgx driver) shares it,
// so that several replicas share one queue in the same database.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
