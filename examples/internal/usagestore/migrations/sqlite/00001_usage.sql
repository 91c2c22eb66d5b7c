-- The rate-limit state every process of the examples shares (package
-- usagestore, a metaads.SharedUsageStore). Times are Unix microseconds.

-- +goose Up
CREATE TABLE metaads_usage (
    scope            TEXT NOT NULL,              -- metaads.UsageKey.Scope
    object_id        TEXT NOT NULL,              -- metaads.UsageKey.ID ('' for the app)
    pct              REAL NOT NULL,              -- the newest response's figure
    observed_us      INTEGER NOT NULL,           -- when that response arrived
    blocked_until_us INTEGER NOT NULL DEFAULT 0, -- 0: not blocked
    cost_per_call    REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, object_id)
);

-- One row per budget and client: that client's requests in flight.
CREATE TABLE metaads_usage_inflight (
    scope      TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    owner      TEXT NOT NULL,
    n          INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    updated_us INTEGER NOT NULL,
    PRIMARY KEY (scope, object_id, owner)
);

-- +goose Down
DROP TABLE metaads_usage_inflight;
DROP TABLE metaads_usage;
