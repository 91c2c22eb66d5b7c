// Package testdb opens fresh CRM databases for tests: a SQLite file in a
// temporary directory, or a new schema in the PostgreSQL named by
// CRM_TEST_POSTGRES (which .ci/run starts and exports).
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/adpilot/adpilot/examples/crm/store"
)

// EnvPostgres names the environment variable with the PostgreSQL URL tests use.
const EnvPostgres = "CRM_TEST_POSTGRES"

// Engines lists the engines a suite runs on.
var Engines = []store.Dialect{store.SQLite, store.Postgres}

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
func DSN(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return filepath.Join(t.TempDir(), "crm.db")
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

// Open opens and migrates a fresh database of the engine, closed when t ends.
func Open(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := store.Open(ctx, DSN(t, d))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, nil); err != nil {
		t.Fatal(fmt.Errorf("migrating %s: %w", d, err))
	}
	return db
}

// Each runs f as a subtest per engine.
func Each(t *testing.T, f func(t *testing.T, d store.Dialect)) {
	for _, d := range Engines {
		t.Run(string(d), func(t *testing.T) { f(t, d) })
	}
}
