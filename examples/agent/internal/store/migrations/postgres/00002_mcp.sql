-- +goose Up
-- The agent's MCP server (agent mcp). Times are Unix milliseconds.

-- A change an assistant proposed: its decision id (the ledger's), the
-- account, when it was made and until when it may be applied, and the
-- proposal itself as JSON (the one-rule document, the entity as the rules
-- saw it, the decision with its safeguards, the tool call).
CREATE TABLE mcp_proposals (
	id          TEXT PRIMARY KEY,
	account     TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT NOT NULL,
	body        TEXT NOT NULL
);
CREATE INDEX mcp_proposals_account_idx ON mcp_proposals (account, created_at);

-- One row per tool call that proposes or applies a change (and every
-- refusal): which tool, from which session and client, with which
-- arguments, and what came of it.
CREATE TABLE mcp_audit (
	seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at          BIGINT NOT NULL,
	tool        TEXT NOT NULL,
	session     TEXT NOT NULL DEFAULT '',
	client      TEXT NOT NULL DEFAULT '',
	transport   TEXT NOT NULL DEFAULT '',
	account     TEXT NOT NULL DEFAULT '',
	proposal_id TEXT NOT NULL DEFAULT '',
	arguments   TEXT NOT NULL DEFAULT '',
	outcome     TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mcp_audit_at_idx ON mcp_audit (at);

-- +goose Down
DROP TABLE mcp_audit;
DROP TABLE mcp_proposals;
