package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations
var migrations embed.FS

// Migrate brings the schema up to date: the CRM's tables with goose (one
// folder of versioned SQL per engine, same versions), then River's tables
// with rivermigrate. Replicas starting together take turns: both steps run
// under one lock (a PostgreSQL advisory lock), since rivermigrate takes none.
// New tables (for example a database-backed metaads.UsageStore) come as a
// new numbered file in both folders.
func (db *DB) Migrate(ctx context.Context, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	unlock, err := db.Lock(ctx, "migrate")
	if err != nil {
		return err
	}
	defer unlock()
	dir, err := fs.Sub(migrations, db.eng.migrationsDir())
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db.SQL, dir, goose.WithDisableGlobalRegistry(true), goose.WithSlog(log))
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: applying migrations: %w", err)
	}
	m, err := rivermigrate.New(db.RiverDriver(), &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("store: River migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("store: applying River migrations: %w", err)
	}
	return nil
}

// SchemaVersion returns the goose version of the CRM's schema (0 before
// the first migration).
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	dir, err := fs.Sub(migrations, db.eng.migrationsDir())
	if err != nil {
		return 0, err
	}
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db.SQL, dir, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}
