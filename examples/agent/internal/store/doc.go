// Package store is the agent's database: SQLite (one machine; the default
// file agent-data/agent.db) or PostgreSQL (several agent processes), through
// examples/internal/sqldb. It holds River's tables (the job queue), the
// rules ledger that makes --apply apply each decision once, the outcome
// of every account in every run, and for the MCP server (agent mcp) the
// changes assistants proposed and the audit log of its change tools.
//
// Migrations are goose SQL files, one folder per engine with the same
// versions (migrations/sqlite, migrations/postgres), in the version table
// agent_goose_db_version. A new table (such as the database-backed
// metaads.UsageStore of issue 18) comes as a new numbered file in both
// folders plus its queries here.
package store
