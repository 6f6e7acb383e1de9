-- A key's rate limit: at most `rate_limit` uses per `rate_window` seconds (1, 60 or 3600),
-- counted in fixed windows. Without one, the account's default applies; without that,
-- none.
ALTER TABLE credentials ADD COLUMN rate_limit INTEGER;
ALTER TABLE credentials ADD COLUMN rate_window INTEGER;
ALTER TABLE accounts ADD COLUMN default_rate_limit INTEGER;
ALTER TABLE accounts ADD COLUMN default_rate_window INTEGER;

-- Uses per key per window, shared by every process on PostgreSQL: each process takes a
-- lease of a few uses at a time, never past the limit (SQLite, one process, counts in
-- memory; the table stays empty there). Old windows are swept.
CREATE TABLE rate_counters (
    credential_id INTEGER NOT NULL,
    window_start BIGINT NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (credential_id, window_start)
);
-- The sweep of ended windows reads by time.
CREATE INDEX rate_counters_window ON rate_counters (window_start);
