package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// pgURL returns a URL to a fresh schema, dropped when t ends; it skips
// without TENURE_TEST_POSTGRES_URL (and fails under CI, which sets it).
func pgURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("TENURE_TEST_POSTGRES_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but TENURE_TEST_POSTGRES_URL is unset")
		}
		t.Skip("set TENURE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "tenure_cli_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = conn.Close(context.Background())
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestCLIOnPostgres(t *testing.T) {
	t.Parallel()
	b := setup(t)
	db := pgURL(t)
	with := func(args ...string) []string { return append([]string{"--database", db}, args...) }
	b.must(t, with("tenant", "create", "acme")...)
	b.must(t, with("hr", "import", "--tenant", "acme", b.path("roster-day1.csv"))...)
	b.must(t, with("hr", "import", "--tenant", "acme", b.path("roster-day2.csv"))...)
	plan := b.must(t, with("plan", "--tenant", "acme", "--person", "E1004")...)
	require.Contains(t, plan, "grant engineering", "the mover's plan, computed on PostgreSQL")
	require.Contains(t, b.must(t, with("audit", "verify", "--tenant", "acme")...), "entries intact")
	require.Contains(t, b.must(t, with("db", "status")...), "00001_init.sql")
	out := b.must(t, with("apply", "--tenant", "acme")...)
	require.Contains(t, out, "open tasks for humans", "the queue runs on PostgreSQL too")
	require.Contains(t, b.must(t, with("task", "list", "--tenant", "acme", "--person", "E1004")...), "Dev Patel")
	_, _, err := b.run(t, "--database", "mysql://x", "tenant", "list")
	require.ErrorContains(t, err, "postgres://")
}
