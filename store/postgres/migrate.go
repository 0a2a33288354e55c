package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds the schema versions, applied in order by Open. A released
// migration is never edited: a change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLockID is the key of the session advisory lock held while
// migrating (crc32 of "tenure/store/postgres"), so that processes starting
// together migrate one at a time and the others then find nothing to do.
// It is Tenure's own rather than goose's default, which every goose user of
// the database shares. Advisory locks are per database, so two Tenure
// schemas in one database also take turns; they only wait.
const migrationLockID int64 = 2282050377

// provider returns a goose provider over the embedded migrations for db, a
// database/sql view of the pool. The global registry is off so that Go
// migrations registered elsewhere in the binary (for another database)
// cannot leak into this one.
func provider(db *sql.DB) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	// goose polls pg_try_advisory_lock: once a second here, for up to 15
	// minutes, so a long migration elsewhere is waited for, not failed.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 900))
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(locker))
}

// migrate applies every pending migration, holding the migration lock.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close() // leaves the pool open
	p, err := provider(db)
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// MigrationState is one schema version and whether this database has it,
// for `tenure db status`.
type MigrationState struct {
	Version int64
	// Name is the migration's file name, "00001_init.sql".
	Name    string
	Applied bool
	// AppliedAt is when it was applied; zero while pending.
	AppliedAt time.Time
}

// MigrationStatus lists every migration this binary knows, oldest first.
// Open applies them all, so on an open Store each is applied unless another
// process downgraded the schema since.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	p, err := provider(db)
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: migration status: %w", err)
	}
	out := make([]MigrationState, 0, len(st))
	for _, m := range st {
		out = append(out, MigrationState{
			Version:   m.Source.Version,
			Name:      path.Base(m.Source.Path),
			Applied:   m.State == goose.StateApplied,
			AppliedAt: m.AppliedAt,
		})
	}
	return out, nil
}
