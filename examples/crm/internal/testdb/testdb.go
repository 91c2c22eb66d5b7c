// Package testdb opens fresh CRM databases for tests: a SQLite file in a
// temporary directory, or a new schema in the PostgreSQL named by
// CRM_TEST_POSTGRES (which .ci/run starts and exports); see the shared
// examples/internal/testdb.
package testdb

import (
	"context"
	"fmt"
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
func DSN(t testing.TB, d store.Dialect) string { t.Helper(); return testdb.DSN(t, d) }

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
