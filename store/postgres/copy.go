package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Bulk writes. Rows that are only ever inserted (events, audit entries,
// a tenant's first roster) go in with COPY, PostgreSQL's fastest way in.
// Rows that are upserted (people, accounts) cannot, as COPY has no ON
// CONFLICT; they go as one array per column, unnested by a single INSERT …
// ON CONFLICT per chunk.

// upsertChunk is how many rows one upsert statement sends. Larger chunks
// make fewer round trips; smaller ones bound the size of the message and
// of the sort that removes repeated keys.
const upsertChunk = 10_000

// copyRows copies n rows into table; row appends row i's values (one per
// column) to dst.
func (tx *Tx) copyRows(ctx context.Context, table string, cols []string, n int,
	row func(dst []any, i int) ([]any, error)) error {
	src := &copySource{n: n, row: row, buf: make([]any, 0, len(cols)), i: -1}
	_, err := tx.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src)
	return err
}

// copySource is a pgx.CopyFromSource that builds each row in one reused
// slice: pgx encodes a row before it asks for the next.
type copySource struct {
	n, i int
	row  func(dst []any, i int) ([]any, error)
	buf  []any
	err  error
}

func (s *copySource) Next() bool {
	s.i++
	if s.i >= s.n {
		return false
	}
	s.buf, s.err = s.row(s.buf[:0], s.i)
	return s.err == nil
}

func (s *copySource) Values() ([]any, error) { return s.buf, s.err }

func (s *copySource) Err() error { return s.err }
