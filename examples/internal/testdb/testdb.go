// Package testdb gives the example programs' tests fresh databases: a
// SQLite file in a temporary directory, or a new schema in the PostgreSQL
// named by CRM_TEST_POSTGRES (which .ci/run starts and exports; the name is
// the CRM's, which came first).
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/adpilot/adpilot/examples/internal/sqldb"
)

// EnvPostgres names the environment variable with the PostgreSQL URL tests use.
const EnvPostgres = "CRM_TEST_POSTGRES"

// Engines lists the engines a suite runs on.
var Engines = []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres}

// PostgresURL returns the server URL for tests, or skips t loudly when none
// is configured outside CI; in CI (CI=true) a missing URL fails the test.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvPostgres)
	if u != "" {
		return u
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set in CI: .ci/run must start PostgreSQL and export it", EnvPostgres)
	}
	t.Skipf("SKIPPING the PostgreSQL half of this test: set %s=postgres://user:pass@127.0.0.1:5432/db to run it (CI always does)", EnvPostgres)
	return ""
}

// DSN returns a fresh database DSN for the engine: a new SQLite file, or a
// new PostgreSQL schema (dropped when t ends) selected through search_path.
func DSN(t testing.TB, d sqldb.Dialect) string {
	t.Helper()
	if d == sqldb.SQLite {
		return filepath.Join(t.TempDir(), "test.db")
	}
	base := PostgresURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connecting to %s: %v", EnvPostgres, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s does not parse", EnvPostgres)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
