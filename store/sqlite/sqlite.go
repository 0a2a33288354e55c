// Package sqlite is Tenure's embedded store: one SQLite file holding every
// tenant, through the pure-Go modernc.org/sqlite driver so that the binary
// needs no cgo.
//
// SQLite allows one writer at a time, so the Store keeps two pools: a write
// pool of exactly one connection, whose transactions begin IMMEDIATE (they
// take the write lock up front rather than failing to upgrade a read lock
// halfway through), and a pool of query-only connections for Read, which in
// WAL mode each see a consistent snapshot while the writer works. A third
// connection checkpoints the write-ahead log in the background (see
// checkpointer).
//
// The schema is versioned with goose; migrations are embedded and applied by
// Open. All SQL lives in this package: a PostgreSQL adapter keeps its own.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"

	msqlite "modernc.org/sqlite"

	"github.com/tenure-dev/tenure/store"
)

// Store is a SQLite database of tenants. It is safe for concurrent use;
// writes are serialised, reads run in parallel with them.
type Store struct {
	write *sql.DB
	read  *sql.DB
	// wstmts and rstmts are the pools' prepared statements.
	wstmts, rstmts *stmtCache
	ckpt           *checkpointer
}

var _ store.Store = (*Store)(nil)

// pragmas every connection runs when it opens. busy_timeout comes first so
// that the others wait for a lock instead of failing with SQLITE_BUSY.
var pragmas = []string{
	"busy_timeout(10000)",
	"foreign_keys(ON)",
	"synchronous(NORMAL)",
}

// Open opens the database at path, creating it if needed, and brings its
// schema up to date. Close it when done.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// The writer switches the file to WAL (a persistent setting) before any
	// reader opens it, and takes its write lock at BEGIN. Its 64 MiB page
	// cache keeps most of a large import in memory until commit rather than
	// spilling it to the log early, and the statement journals of its
	// multi-row INSERTs stay in memory.
	write, err := openPool(ctx, abs, 1, url.Values{
		"_pragma": slices.Concat(pragmas, []string{
			"journal_mode(WAL)", "wal_autocheckpoint(0)", "cache_size(-65536)", "temp_store(MEMORY)",
		}),
		"_txlock": {"immediate"},
	})
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, write); err != nil {
		return nil, errors.Join(err, write.Close())
	}
	// query_only makes a stray write on a read connection fail in SQLite
	// too, not only in this package's own checks.
	read, err := openPool(ctx, abs, max(4, runtime.NumCPU()), url.Values{
		"_pragma": slices.Concat(pragmas, []string{"query_only(1)"}),
	})
	if err != nil {
		return nil, errors.Join(err, write.Close())
	}
	ckpt, err := openPool(ctx, abs, 1, url.Values{"_pragma": pragmas})
	if err != nil {
		return nil, errors.Join(err, read.Close(), write.Close())
	}
	return &Store{write: write, read: read, wstmts: newStmtCache(write), rstmts: newStmtCache(read),
		ckpt: startCheckpointer(ckpt)}, nil
}

// openPool opens a pool of n connections to the file at abs with the given
// driver parameters, and checks that one connection can be made.
func openPool(ctx context.Context, abs string, n int, params url.Values) (*sql.DB, error) {
	// A file: URI escapes any '?' or '#' in the path; the driver reads the
	// underscore parameters and SQLite ignores them.
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(abs), RawQuery: params.Encode()}).String()
	conn, err := msqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	db := sql.OpenDB(cachingConnector{conn})
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	// Connections are cheap to keep and costly to reopen (each runs its
	// pragmas again), so they live as long as the pool.
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open %s: %w", abs, err), db.Close())
	}
	return db, nil
}

// Close closes the Store. The writer goes last: as the last connection to
// the file it checkpoints what is left of the log and removes it.
func (s *Store) Close() error {
	return errors.Join(s.ckpt.close(), s.wstmts.close(), s.rstmts.close(), s.read.Close(), s.write.Close())
}

// Write runs fn in one IMMEDIATE transaction on the single write connection.
// If fn returns an error or panics, everything it did is rolled back (a
// panic then continues). fn must not call Write itself: the one connection
// is already taken, so a nested Write waits for ever.
func (s *Store) Write(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	if err := run(ctx, s.write, s.wstmts, tenant, false, fn); err != nil {
		return err
	}
	s.ckpt.nudge()
	return nil
}

// Read runs fn in a read transaction, a consistent snapshot that later
// commits do not change, on one of the query-only connections.
func (s *Store) Read(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	return run(ctx, s.read, s.rstmts, tenant, true, fn)
}

// DB is the write pool. The queue (River's SQLite driver) shares it: SQLite
// has one writer, and sharing lets jobs be inserted in the same transaction
// as the change that causes them.
func (s *Store) DB() *sql.DB { return s.write }
