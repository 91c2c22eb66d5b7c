package sqldb

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/rivermigrate"
)

// Migrations are a program's embedded goose migrations: FS holds one
// folder per engine ("sqlite" and "postgres") with the same versions.
type Migrations struct {
	// FS holds the folders sqlite/ and postgres/.
	FS fs.FS
	// Table is goose's version table (default goose_db_version). Give each
	// program its own when programs may share a database.
	Table string
}

// MigrationsIn returns the Migrations in the folder dir of fsys (usually
// an embed.FS) with the version table table ("" for goose's default). It
// panics when dir is not a valid path, a mistake in the program: an
// embedded folder is part of the build.
func MigrationsIn(fsys fs.FS, dir, table string) Migrations {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(fmt.Sprintf("sqldb: migrations folder %q: %v", dir, err))
	}
	return Migrations{FS: sub, Table: table}
}

func (m Migrations) provider(db *DB, log *slog.Logger) (*goose.Provider, error) {
	dir, err := fs.Sub(m.FS, string(db.Dialect))
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrations: %w", err)
	}
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if log != nil {
		opts = append(opts, goose.WithSlog(log))
	}
	if m.Table != "" {
		opts = append(opts, goose.WithTableName(m.Table))
	}
	p, err := goose.NewProvider(dialect, db.SQL, dir, opts...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrations: %w", err)
	}
	return p, nil
}

// Migrate brings the schema up to date: the program's tables with goose,
// then the tables it shares with other programs (more, such as
// usagestore.Migrations, each with its own version table), then River's
// tables with rivermigrate. Processes starting together take turns: every
// step runs under one lock (a PostgreSQL advisory lock), since
// rivermigrate takes none.
func (db *DB) Migrate(ctx context.Context, m Migrations, log *slog.Logger, more ...Migrations) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	unlock, err := db.Lock(ctx, "migrate")
	if err != nil {
		return err
	}
	defer unlock()
	for _, m := range append([]Migrations{m}, more...) {
		p, err := m.provider(db, log)
		if err != nil {
			return err
		}
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("sqldb: applying migrations: %w", err)
		}
	}
	rm, err := rivermigrate.New(db.RiverDriver(), &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("sqldb: River migrations: %w", err)
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("sqldb: applying River migrations: %w", err)
	}
	return nil
}

// SchemaVersion returns the goose version of the program's schema (0
// before the first migration).
func (db *DB) SchemaVersion(ctx context.Context, m Migrations) (int64, error) {
	p, err := m.provider(db, nil)
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}
