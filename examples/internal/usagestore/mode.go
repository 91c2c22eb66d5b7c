package usagestore

import (
	"fmt"

	"github.com/adpilot/adpilot/examples/internal/sqldb"
	"github.com/adpilot/adpilot/metaads"
)

// Mode is where a program keeps Meta's rate-limit state: the values of
// the agent's and the CRM's -usage-store flag.
type Mode string

// The modes.
const (
	// ModeAuto is ModeDatabase on PostgreSQL (which several processes
	// share) and ModeMemory on SQLite (which one process owns).
	ModeAuto Mode = "auto"
	// ModeDatabase shares the state through the database: every agent
	// process and CRM replica on it paces its calls with the others.
	ModeDatabase Mode = "database"
	// ModeMemory keeps it in the process: its clients pace together, other
	// processes are not seen.
	ModeMemory Mode = "memory"
)

// ModeHelp describes the modes for a flag's usage text.
const ModeHelp = "where Meta's rate-limit usage is kept: database (shared by every agent process and CRM replica on the database, so together they keep to Meta's budgets), memory (this process's clients only), or auto: database on PostgreSQL, memory on SQLite"

// ForMode returns the usage store of mode for a program on db, one for
// all the program's Graph clients, and the mode it resolved to (auto
// becomes database or memory). opts configure a database store.
func ForMode(db *sqldb.DB, mode Mode, opts ...Option) (metaads.UsageStore, Mode, error) {
	if mode == ModeAuto || mode == "" {
		mode = ModeMemory
		if db != nil && db.Dialect == sqldb.Postgres {
			mode = ModeDatabase
		}
	}
	switch mode {
	case ModeDatabase:
		s, err := New(db, opts...)
		if err != nil {
			return nil, "", err
		}
		return s, mode, nil
	case ModeMemory:
		return metaads.NewMemoryUsageStore(), mode, nil
	}
	return nil, "", fmt.Errorf("usage store %q: want auto, database or memory", string(mode))
}
