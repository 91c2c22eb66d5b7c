-- +goose Up
-- The advertiser's goals per connected ad account (analysis.Goals): money in
-- minor units of currency, the account's currency when they were saved.
CREATE TABLE account_goals (
	user_id          INTEGER NOT NULL,
	account_id       TEXT NOT NULL,
	currency         TEXT NOT NULL,
	target_cpa       INTEGER NOT NULL DEFAULT 0,
	target_roas      REAL NOT NULL DEFAULT 0,
	gross_margin     REAL NOT NULL DEFAULT 0,
	priority         TEXT NOT NULL DEFAULT '',
	conversion_event TEXT NOT NULL DEFAULT '',
	updated_at       INTEGER NOT NULL,
	PRIMARY KEY (user_id, account_id),
	FOREIGN KEY (user_id, account_id) REFERENCES ad_accounts (user_id, account_id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE account_goals;
