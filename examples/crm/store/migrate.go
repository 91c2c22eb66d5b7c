package store

import (
	"context"
	"embed"
	"log/slog"

	"github.com/adpilot/adpilot/examples/internal/sqldb"
	"github.com/adpilot/adpilot/examples/internal/usagestore"
)

//go:embed migrations
var migrationFiles embed.FS

// migrations are the CRM's goose migrations, a folder per engine.
var migrations = sqldb.MigrationsIn(migrationFiles, "migrations", "")

// Migrate brings the schema up to date: the CRM's tables with goose (one
// folder of versioned SQL per engine, same versions), the Meta rate-limit
// state the CRM shares with the agent (usagestore.Migrations, its own
// version table), then River's tables with rivermigrate. Replicas starting
// together take turns: every step runs under one lock (a PostgreSQL
// advisory lock), since rivermigrate takes none. New tables of the CRM
// come as a new numbered file in both folders.
func (db *DB) Migrate(ctx context.Context, log *slog.Logger) error {
	return db.DB.Migrate(ctx, migrations, log, usagestore.Migrations)
}

// SchemaVersion returns the goose version of the CRM's schema (0 before
// the first migration).
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	return db.DB.SchemaVersion(ctx, migrations)
}
