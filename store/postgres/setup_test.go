package postgres

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

// urlVar names the database the tests use. Each test works in a schema of
// its own, created and dropped by the test, so any database will do.
const urlVar = "TENURE_TEST_POSTGRES_URL"

// testURL is the database URL, or skips t without one; in CI (CI=true) a
// missing URL fails t instead, so that these tests cannot quietly stop
// running there.
func testURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(urlVar)
	if url == "" {
		const how = urlVar + " is not set; set it to run the PostgreSQL tests, e.g. " +
			urlVar + "='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'"
		if os.Getenv("CI") == "true" {
			t.Fatal(how + " (CI=true: these tests are required)")
		}
		t.Skip(how)
	}
	return url
}

// newSchema creates an empty schema, tenure_test_<random>, and drops it
// with everything in it when t ends.
func newSchema(t testing.TB) string {
	t.Helper()
	url := testURL(t)
	name := "tenure_test_" + strings.ToLower(rand.Text())
	conn, err := pgx.Connect(t.Context(), url)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(t.Context(), "CREATE SCHEMA "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		// t.Context() is done by now.
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		require.NoError(t, err)
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "DROP SCHEMA "+name+" CASCADE")
		require.NoError(t, err)
	})
	return name
}

// schemaConfig is the pool configuration of a store working in schema.
func schemaConfig(t testing.TB, schema string) *pgxpool.Config {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(testURL(t))
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	return cfg
}

// openIn opens a store working in schema and closes it when t ends.
func openIn(t testing.TB, schema string) *Store {
	t.Helper()
	s, err := OpenConfig(t.Context(), schemaConfig(t, schema))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}
