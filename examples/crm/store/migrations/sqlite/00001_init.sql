-- +goose Up
-- Times are Unix milliseconds (INTEGER), the same on both engines.
CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	email         TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);

-- alexedwards/scs sqlite3store.
CREATE TABLE sessions (
	token  TEXT PRIMARY KEY,
	data   BLOB NOT NULL,
	expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- oauth.Store rows: the token only as AES-GCM ciphertext (oauth.EncryptedStore).
CREATE TABLE oauth_tokens (
	user_key           TEXT NOT NULL,
	account            TEXT NOT NULL DEFAULT '',
	meta_user_id       TEXT NOT NULL DEFAULT '',
	key_id             TEXT NOT NULL DEFAULT '',
	ciphertext         BLOB,
	expiry             INTEGER NOT NULL DEFAULT 0,
	data_access_expiry INTEGER NOT NULL DEFAULT 0,
	scopes             TEXT NOT NULL DEFAULT '',
	status             TEXT NOT NULL,
	updated_at         INTEGER NOT NULL,
	PRIMARY KEY (user_key, account)
);
CREATE INDEX oauth_tokens_account_idx ON oauth_tokens (account);

-- oauth.ReplayStore: each OAuth state nonce once, across replicas.
CREATE TABLE oauth_replay (
	id         TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL
);

CREATE TABLE ad_accounts (
	user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	account_id       TEXT NOT NULL,
	name             TEXT NOT NULL,
	currency         TEXT NOT NULL,
	timezone         TEXT NOT NULL,
	account_status   INTEGER NOT NULL,
	connected_at     INTEGER NOT NULL,
	last_verified_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, account_id)
);

CREATE TABLE rule_sets (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	spec       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (user_id, name)
);

-- rules.Ledger entries, append-only, per user.
CREATE TABLE rule_ledger (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id     INTEGER NOT NULL,
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
CREATE INDEX rule_ledger_decision_idx ON rule_ledger (user_id, decision_id, seq);
CREATE INDEX rule_ledger_at_idx ON rule_ledger (user_id, at);
-- One claim per decision attempt: the unique key makes Claim atomic across replicas.
CREATE TABLE rule_claims (
	user_id     INTEGER NOT NULL,
	decision_id TEXT NOT NULL,
	attempt     INTEGER NOT NULL,
	PRIMARY KEY (user_id, decision_id, attempt)
);

CREATE TABLE reports (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	account_id TEXT NOT NULL,
	period     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	summary    TEXT NOT NULL,
	markdown   TEXT NOT NULL,
	body       TEXT NOT NULL,
	UNIQUE (user_id, account_id, period)
);
CREATE INDEX reports_latest_idx ON reports (user_id, account_id, created_at);

-- Service tokens for the agent: only a SHA-256 of the secret is stored.
CREATE TABLE service_tokens (
	id           TEXT PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	secret_hash  BLOB NOT NULL,
	created_at   INTEGER NOT NULL,
	revoked_at   INTEGER NOT NULL DEFAULT 0,
	last_used_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE service_token_accounts (
	token_id   TEXT NOT NULL REFERENCES service_tokens (id) ON DELETE CASCADE,
	account_id TEXT NOT NULL,
	PRIMARY KEY (token_id, account_id)
);

CREATE TABLE audit_log (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	at         INTEGER NOT NULL,
	user_id    INTEGER NOT NULL,
	token_id   TEXT NOT NULL DEFAULT '',
	action     TEXT NOT NULL,
	account_id TEXT NOT NULL DEFAULT '',
	outcome    TEXT NOT NULL,
	detail     TEXT NOT NULL DEFAULT '',
	remote     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, id);

CREATE TABLE login_failures (
	id    INTEGER PRIMARY KEY AUTOINCREMENT,
	email TEXT NOT NULL,
	ip    TEXT NOT NULL,
	at    INTEGER NOT NULL
);
CREATE INDEX login_failures_email_idx ON login_failures (email, at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, at);

-- +goose Down
DROP TABLE login_failures;
DROP TABLE audit_log;
DROP TABLE service_token_accounts;
DROP TABLE service_tokens;
DROP TABLE reports;
DROP TABLE rule_claims;
DROP TABLE rule_ledger;
DROP TABLE rule_sets;
DROP TABLE ad_accounts;
DROP TABLE oauth_replay;
DROP TABLE oauth_tokens;
DROP TABLE sessions;
DROP TABLE users;
