package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"time"

	"github.com/pressly/goose/v3"
)

// migrations holds the schema versions, applied in order by Open. A released
// migration is never edited: a change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// provider returns a goose provider for db over the embedded migrations. The
// global registry is off so that Go migrations registered elsewhere in the
// binary (for another database) cannot leak into this one.
func provider(db *sql.DB) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
}

// migrate applies every pending migration on the write pool.
func migrate(ctx context.Context, db *sql.DB) error {
	p, err := provider(db)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
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
// process downgraded the file since.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	p, err := provider(s.write)
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: migration status: %w", err)
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
