// Package testdb opens fresh CRM databases for tests: a SQLite file in a
// temporary directory, or a new schema in the PostgreSQL named by
// CRM_TEST_POSTGRES (which .ci/run starts and exports); see the shared
// examples/internal/testdb.
package testdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/examples/internal/testdb"
)

// EnvPostgres names the environment variable with the PostgreSQL URL tests use.
const EnvPostgres = testdb.EnvPostgres

// Engines lists the engines a suite runs on.
var Engines = testdb.Engines

// PostgresURL returns the server URL for tests, or skips t loudly when none
// is configured outside CI; in CI (CI=true) a missing URL fails the test.
func PostgresURL(t testing.TB) string { t.Helper(); return testdb.PostgresURL(t) }

// DSN returns a fresh database DSN for the engine: a new SQLite file, or a
// new PostgreSQL schema (dropped when t ends) selected through search_path.
// A SQLite file starts as a copy of a template migrated once per test binary
// (migrating River's tables each time would cost a second or more a test).
func DSN(t testing.TB, d store.Dialect) string {
	t.Helper()
	dsn := testdb.DSN(t, d)
	if d != store.SQLite {
		return dsn
	}
	tmpl, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("migrating the SQLite template: %v", err)
	}
	if err := os.WriteFile(dsn, tmpl, 0o600); err != nil {
		t.Fatal(err)
	}
	return dsn
}

// sqliteTemplate is a migrated empty CRM database in SQLite.
var sqliteTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "crm-testdb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	path := filepath.Join(dir, "template.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, nil); err != nil {
		db.Close()
		return nil, err
	}
	// Closing the last connection checkpoints the WAL into the file.
	if err := db.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
})

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
