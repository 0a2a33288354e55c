package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenure-dev/tenure/store"
)

// errReadOnly is returned by every write method of a Tx opened by Read.
var errReadOnly = errors.New("postgres: write in a read-only transaction (use Store.Write)")

// uniqueViolation is PostgreSQL's SQLSTATE for a duplicate key.
const uniqueViolation = "23505"

// noTenant is the error of Read and Write for a tenant never created: it
// matches both store.ErrNoTenant and store.ErrNotFound.
func noTenant(id string) error {
	return fmt.Errorf("tenant %q: %w (%w)", id, store.ErrNoTenant, store.ErrNotFound)
}

// translate turns driver errors into the store's sentinels at the boundary:
// pgx.ErrNoRows becomes store.ErrNotFound and a unique violation
// store.ErrConflict, each wrapped with what was looked for. Other errors are
// wrapped unchanged.
func translate(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	case isConflict(err):
		return fmt.Errorf("%s: %w (%w)", what, store.ErrConflict, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isConflict reports a primary-key or unique constraint violation.
func isConflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == uniqueViolation
}

// notFound is the error for a row that a statement did not find.
func notFound(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrNotFound)
}

// conflict is the error for a row that a guarded statement found already
// there.
func conflict(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrConflict)
}
