package store

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"

	"github.com/adpilot/adpilot/examples/internal/sqldb"
)

//go:embed migrations
var migrationFiles embed.FS

// migrations are the CRM's goose migrations, a folder per engine.
var migrations = func() sqldb.Migrations {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded folder is part of the build
	}
	return sqldb.Migrations{FS: sub}
}()

// Migrate brings the schema up to date: the CRM's tables with goose (one
// folder of versioned SQL per engine, same versions), then River's tables
// with rivermigrate. Replicas starting together take turns: both steps run
// under one lock (a PostgreSQL advisory lock), since rivermigrate takes none.
// New tables (for example a database-backed metaads.UsageStore) come as a
// new numbered file in both folders.
func (db *DB) Migrate(ctx context.Context, log *slog.Logger) error {
	return db.DB.Migrate(ctx, migrations, log)
}

// SchemaVersion returns the goose version of the CRM's schema (0 before
// the first migration).
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	return db.DB.SchemaVersion(ctx, migrations)
}
