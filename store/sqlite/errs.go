package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tenure-dev/tenure/store"
)

// errReadOnly is returned by every write method of a Tx opened by Read.
var errReadOnly = errors.New("sqlite: write in a read-only transaction (use Store.Write)")

// noTenant is the error of Read and Write for a tenant never created: it
// matches both store.ErrNoTenant and store.ErrNotFound.
func noTenant(id string) error {
	return fmt.Errorf("tenant %q: %w (%w)", id, store.ErrNoTenant, store.ErrNotFound)
}

// translate turns driver errors into the store's sentinels at the boundary:
// sql.ErrNoRows becomes store.ErrNotFound and a primary-key or unique
// violation becomes store.ErrConflict, each wrapped with what was looked for.
// Other errors are wrapped unchanged.
func translate(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	case isConflict(err):
		return fmt.Errorf("%s: %w", what, store.ErrConflict)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isConflict reports a primary-key or unique constraint violation.
func isConflict(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return true
	}
	return false
}

// notFound is the error for a row that an update or delete did not find.
func notFound(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrNotFound)
}
