-- The rate-limit state every process of the examples shares (package
-- usagestore, a metaads.SharedUsageStore). Times are Unix microseconds.
-- UNLOGGED: no write-ahead log, so no disk flush per request; a server
-- crash empties the tables, and the next responses' headers refill them.

-- +goose Up
CREATE UNLOGGED TABLE metaads_usage (
    scope            TEXT NOT NULL,             -- metaads.UsageKey.Scope
    object_id        TEXT NOT NULL,             -- metaads.UsageKey.ID ('' for the app)
    pct              DOUBLE PRECISION NOT NULL, -- the newest response's figure
    observed_us      BIGINT NOT NULL,           -- when that response arrived
    blocked_until_us BIGINT NOT NULL DEFAULT 0, -- 0: not blocked
    cost_per_call    DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, object_id)
);

-- One row per budget and client: that client's requests in flight.
CREATE UNLOGGED TABLE metaads_usage_inflight (
    scope      TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    owner      TEXT NOT NULL,
    n          INTEGER NOT NULL,
    seq        BIGINT NOT NULL,
    updated_us BIGINT NOT NULL,
    PRIMARY KEY (scope, object_id, owner)
);

-- +goose Down
DROP TABLE metaads_usage_inflight;
DROP TABLE metaads_usage;
