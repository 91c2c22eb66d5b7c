-- +goose Up
-- Times are Unix milliseconds (BIGINT), the same on both engines.
CREATE TABLE users (
	id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	created_at    BIGINT NOT NULL
);

-- alexedwards/scs postgresstore.
CREATE TABLE sessions (
	token  TEXT PRIMARY KEY,
	data   BYTEA NOT NULL,
	expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- oauth.Store rows: the token only as AES-GCM ciphertext (oauth.EncryptedStore).
CREATE TABLE oauth_tokens (
	user_key           TEXT NOT NULL,
	account            TEXT NOT NULL DEFAULT '',
	meta_user_id       TEXT NOT NULL DEFAULT '',
	key_id             TEXT NOT NULL DEFAULT '',
	ciphertext         BYTEA,
	expiry             BIGINT NOT NULL DEFAULT 0,
	data_access_expiry BIGINT NOT NULL DEFAULT 0,
	scopes             TEXT NOT NULL DEFAULT '',
	status             TEXT NOT NULL,
	updated_at         BIGINT NOT NULL,
	PRIMARY KEY (user_key, account)
);
CREATE INDEX oauth_tokens_account_idx ON oauth_tokens (account);

-- oauth.ReplayStore: each OAuth state nonce once, across replicas.
CREATE TABLE oauth_replay (
	id         TEXT PRIMARY KEY,
	expires_at BIGINT NOT NULL
);

CREATE TABLE ad_accounts (
	user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	account_id       TEXT NOT NULL,
	name             TEXT NOT NULL,
	currency         TEXT NOT NULL,
	timezone         TEXT NOT NULL,
	account_status   BIGINT NOT NULL,
	connected_at     BIGINT NOT NULL,
	last_verified_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, account_id)
);

CREATE TABLE rule_sets (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	spec       TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (user_id, name)
);

-- rules.Ledger entries, append-only, per user.
CREATE TABLE rule_ledger (
	seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id     BIGINT NOT NULL,
	decision_id TEXT NOT NULL,
	rule_id     TEXT NOT NULL,
	entity_id   TEXT NOT NULL,
	account     TEXT NOT NULL DEFAULT '',
	level       TEXT NOT NULL,
	action      TEXT NOT NULL,
	budget      BIGINT NOT NULL DEFAULT 0,
	from_value  BIGINT NOT NULL DEFAULT 0,
	to_value    BIGINT NOT NULL DEFAULT 0,
	outcome     TEXT NOT NULL,
	error       TEXT NOT NULL DEFAULT '',
	at          BIGINT NOT NULL,
	attempt     BIGINT NOT NULL
);
CREATE INDEX rule_ledger_decision_idx ON rule_ledger (user_id, decision_id, seq);
CREATE INDEX rule_ledger_at_idx ON rule_ledger (user_id, at);
-- One claim per decision attempt: the unique key makes Claim atomic across replicas.
CREATE TABLE rule_claims (
	user_id     BIGINT NOT NULL,
	decision_id TEXT NOT NULL,
	attempt     BIGINT NOT NULL,
	PRIMARY KEY (user_id, decision_id, attempt)
);

CREATE TABLE reports (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	account_id TEXT NOT NULL,
	period     TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	summary    TEXT NOT NULL,
	markdown   TEXT NOT NULL,
	body       TEXT NOT NULL,
	UNIQUE (user_id, account_id, period)
);
CREATE INDEX reports_latest_idx ON reports (user_id, account_id, created_at);

-- Service tokens for the agent: only a SHA-256 of the secret is stored.
CREATE TABLE service_tokens (
	id           TEXT PRIMARY KEY,
	user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	secret_hash  BYTEA NOT NULL,
	created_at   BIGINT NOT NULL,
	revoked_at   BIGINT NOT NULL DEFAULT 0,
	last_used_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE service_token_accounts (
	token_id   TEXT NOT NULL REFERENCES service_tokens (id) ON DELETE CASCADE,
	account_id TEXT NOT NULL,
	PRIMARY KEY (token_id, account_id)
);

CREATE TABLE audit_log (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at         BIGINT NOT NULL,
	user_id    BIGINT NOT NULL,
	token_id   TEXT NOT NULL DEFAULT '',
	action     TEXT NOT NULL,
	account_id TEXT NOT NULL DEFAULT '',
	outcome    TEXT NOT NULL,
	detail     TEXT NOT NULL DEFAULT '',
	remote     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, id);

CREATE TABLE login_failures (
	id    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email TEXT NOT NULL,
	ip    TEXT NOT NULL,
	at    BIGINT NOT NULL
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
