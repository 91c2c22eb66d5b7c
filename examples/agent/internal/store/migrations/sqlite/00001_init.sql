-- +goose Up
-- Times are Unix milliseconds (INTEGER), the same on both engines.

-- rules.Ledger (examples/internal/sqldb.Ledger, scope column "scope"): every
-- attempt to carry out a rule decision, so --apply applies each once.
CREATE TABLE rule_ledger (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	scope       TEXT NOT NULL DEFAULT '',
	decision_id TEXT NOT NULL,
	rule_id     TEXT NOT NULL,
	entity_id   TEXT NOT NULL,
	account     TEXT NOT NULL DEFAULT '',
	level       TEXT NOT NULL,
	action      TEXT NOT NULL,
	budget      INTEGER NOT NULL DEFAULT 0,
	from_value  INTEGER NOT NULL DEFAULT 0,
	to_value    INTEGER NOT NULL DEFAULT 0,
	outcome     TEXT NOT NULL,
	error       TEXT NOT NULL DEFAULT '',
	at          INTEGER NOT NULL,
	attempt     INTEGER NOT NULL
);
CREATE INDEX rule_ledger_decision_idx ON rule_ledger (scope, decision_id, seq);
CREATE INDEX rule_ledger_at_idx ON rule_ledger (scope, at);
-- One claim per decision attempt: the unique key makes Claim atomic across processes.
CREATE TABLE rule_claims (
	scope       TEXT NOT NULL,
	decision_id TEXT NOT NULL,
	attempt     INTEGER NOT NULL,
	PRIMARY KEY (scope, decision_id, attempt)
);

-- The outcome of each account in each run (a run key is a schedule slot
-- or a one-shot run's id): one row, written with the job's completion.
CREATE TABLE account_runs (
	run_key     TEXT NOT NULL,
	account     TEXT NOT NULL,
	status      TEXT NOT NULL,
	attempt     INTEGER NOT NULL,
	worker      TEXT NOT NULL,
	started_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL,
	graph_calls INTEGER NOT NULL DEFAULT 0,
	outcome     TEXT NOT NULL,
	report      TEXT NOT NULL DEFAULT '',
	markdown    TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (run_key, account)
);

-- +goose Down
DROP TABLE account_runs;
DROP TABLE rule_claims;
DROP TABLE rule_ledger;
