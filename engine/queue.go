package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenure-dev/tenure/store"
)

// queue is River on one database engine: the embedded SQLite (one
// process) or PostgreSQL (several replicas sharing the work, with
// FOR UPDATE SKIP LOCKED fetching, LISTEN/NOTIFY and leader election for
// the scheduler).
type queue interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
	// InsertMany inserts inside the store transaction tx.
	InsertMany(ctx context.Context, tx store.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	// Pending counts unfinished jobs of a kind.
	Pending(ctx context.Context, kind string) (int, error)
}

// riverQueue is a River client with what it needs of the store adapter.
type riverQueue[TTx any] struct {
	*river.Client[TTx]
	// txOf finds the database transaction under a store transaction.
	txOf  func(store.Tx) (TTx, error)
	count func(ctx context.Context, kind string) (int, error)
}

func (q riverQueue[TTx]) InsertMany(ctx context.Context, tx store.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	t, err := q.txOf(tx)
	if err != nil {
		return nil, err
	}
	return q.InsertManyTx(ctx, t, params)
}

func (q riverQueue[TTx]) Pending(ctx context.Context, kind string) (int, error) {
	return q.count(ctx, kind)
}

// pendingSQL counts a kind's unfinished jobs on River's table (progress
// polling must not cost more than the work it watches): waiting, running,
// retrying, and scheduled — a rate-limited operation is snoozed into
// "scheduled" — but not operations delayed on purpose (a delete after the
// app's delay carries notBefore). %s is how the dialect reads args as text.
const pendingSQL = `SELECT count(*) FROM river_job WHERE kind = %s AND (
	state IN ('available', 'running', 'retryable', 'pending')
	OR (state = 'scheduled' AND %s NOT LIKE '%%"notBefore"%%'))`

func newRiver[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], cfg *river.Config) (*river.Client[TTx], error) {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("queue migrations: %w", err)
	}
	return river.NewClient(driver, cfg)
}

// sqliteQueue is River on the embedded database, sharing the store's write
// pool (SQLite has one writer).
func sqliteQueue(ctx context.Context, db *sql.DB, cfg *river.Config) (queue, error) {
	c, err := newRiver(ctx, riversqlite.New(db), cfg)
	if err != nil {
		return nil, err
	}
	type sqlTxer interface{ SQLTx() *sql.Tx }
	return riverQueue[*sql.Tx]{
		Client: c,
		txOf: func(tx store.Tx) (*sql.Tx, error) {
			st, ok := tx.(sqlTxer)
			if !ok {
				return nil, errors.New("queue: the SQLite queue needs the SQLite store's transaction")
			}
			return st.SQLTx(), nil
		},
		count: func(ctx context.Context, kind string) (n int, err error) {
			err = db.QueryRowContext(ctx, fmt.Sprintf(pendingSQL, "?", "json(args)"), kind).Scan(&n)
			return n, err
		},
	}, nil
}

// migrationLock serializes River's migrations across replicas starting at
// once (the store's own migrations take a lock of their own).
const migrationLock = 0x7e4e_0002

// postgresQueue is River on PostgreSQL, sharing the store's pool.
func postgresQueue(ctx context.Context, pool *pgxpool.Pool, cfg *river.Config) (queue, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return nil, fmt.Errorf("queue migration lock: %w", err)
	}
	c, err := newRiver(ctx, riverpgxv5.New(pool), cfg)
	if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock); uerr != nil && err == nil {
		err = fmt.Errorf("queue migration unlock: %w", uerr)
	}
	if err != nil {
		return nil, err
	}
	type pgxTxer interface{ PgxTx() (pgx.Tx, error) }
	return riverQueue[pgx.Tx]{
		Client: c,
		txOf: func(tx store.Tx) (pgx.Tx, error) {
			pt, ok := tx.(pgxTxer)
			if !ok {
				return nil, errors.New("queue: the PostgreSQL queue needs the PostgreSQL store's transaction")
			}
			return pt.PgxTx()
		},
		count: func(ctx context.Context, kind string) (n int, err error) {
			err = pool.QueryRow(ctx, fmt.Sprintf(pendingSQL, "$1", "args::text"), kind).Scan(&n)
			return n, err
		},
	}, nil
}
