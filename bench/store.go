package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/store/postgres"
	"github.com/tenure-dev/tenure/store/sqlite"
)

// DatabaseURL, when set, runs the store-backed benchmarks on PostgreSQL
// (each in a schema of its own, dropped afterwards) instead of SQLite.
var DatabaseURL string

// openStore opens a fresh store for one benchmark run.
func openStore(ctx context.Context, dir string) (store.Store, func(), error) {
	if DatabaseURL == "" {
		st, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"))
		if err != nil {
			return nil, nil, err
		}
		return st, func() { _ = st.Close() }, nil
	}
	u, drop, err := FreshSchema(ctx, DatabaseURL, "tenure_bench_")
	if err != nil {
		return nil, nil, err
	}
	st, err := postgres.Open(ctx, u)
	if err != nil {
		drop()
		return nil, nil, err
	}
	return st, func() { _ = st.Close(); drop() }, nil
}

// FreshSchema creates a uniquely named schema on base's database and returns
// a URL whose connections use it, and a function that drops it.
func FreshSchema(ctx context.Context, base, prefix string) (string, func(), error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := prefix + hex.EncodeToString(b)
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	// The pool settings (pool_max_conns, …) are pgxpool's, not the
	// server's: one plain connection creates and drops the schema.
	plain, q := *u, u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	plain.RawQuery = q.Encode()
	conn, err := pgx.Connect(ctx, plain.String())
	if err != nil {
		return "", nil, err
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = conn.Close(ctx)
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = conn.Close(context.Background())
	}
	q = u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
