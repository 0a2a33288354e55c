package sqlite

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConnStatementCache runs unprepared SQL the way River's driver does
// (text on the write pool, inside a transaction) through the cases the
// per-connection statement cache must get right: one text with different
// arguments, the same query again while its rows are still open, a script
// of several statements, and a statement that failed being run again.
func TestConnStatementCache(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	ctx := t.Context()
	tx, err := s.write.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()

	// A script: both statements run.
	_, err = tx.ExecContext(ctx, `CREATE TEMP TABLE cc (x INTEGER PRIMARY KEY); INSERT INTO cc (x) VALUES (100);`)
	require.NoError(t, err)
	for _, x := range []int{3, 1, 2} {
		_, err := tx.ExecContext(ctx, `INSERT INTO cc (x) VALUES (?)`, x)
		require.NoError(t, err)
	}
	// A failed run leaves the statement usable.
	_, err = tx.ExecContext(ctx, `INSERT INTO cc (x) VALUES (?)`, 2)
	require.Error(t, err, "duplicate primary key")
	_, err = tx.ExecContext(ctx, `INSERT INTO cc (x) VALUES (?)`, 4)
	require.NoError(t, err)

	const q = `SELECT x FROM cc WHERE x < ? ORDER BY x`
	list := func(below int) []int {
		rows, err := tx.QueryContext(ctx, q, below)
		require.NoError(t, err)
		defer rows.Close()
		var out []int
		for rows.Next() {
			var x int
			require.NoError(t, rows.Scan(&x))
			out = append(out, x)
		}
		require.NoError(t, rows.Err())
		return out
	}
	// The same text while its rows are open: each reads its own result.
	outer, err := tx.QueryContext(ctx, q, 10)
	require.NoError(t, err)
	var got [][]int
	for outer.Next() {
		var x int
		require.NoError(t, outer.Scan(&x))
		got = append(got, append([]int{x}, list(x)...))
	}
	require.NoError(t, outer.Err())
	require.NoError(t, outer.Close())
	require.Equal(t, [][]int{{1}, {2, 1}, {3, 1, 2}, {4, 1, 2, 3}}, got)
	// And again once they are closed, with other arguments.
	require.Equal(t, []int{1, 2}, list(3))
	require.Equal(t, []int{1, 2, 3, 4, 100}, list(1000))
	var n int
	require.NoError(t, tx.QueryRowContext(ctx, `SELECT count(*) FROM cc`).Scan(&n))
	require.Equal(t, 5, n)
}
