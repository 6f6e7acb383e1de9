-- How each key was used, per hour: successful uses and refusals by reason. Gathered in
-- memory and added in batches (never one row per request), kept `KEYWARD_USAGE_RETENTION_DAYS`.
-- `hour` is the start of the hour, in seconds since 1970 (UTC).
CREATE TABLE key_usage (
    credential_id INTEGER NOT NULL,
    hour BIGINT NOT NULL,
    ok INTEGER NOT NULL DEFAULT 0,
    wrong_secret INTEGER NOT NULL DEFAULT 0,
    inactive INTEGER NOT NULL DEFAULT 0,
    expired INTEGER NOT NULL DEFAULT 0,
    scope INTEGER NOT NULL DEFAULT 0,
    rate_limited INTEGER NOT NULL DEFAULT 0,
    address INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (credential_id, hour)
);
CREATE INDEX key_usage_hour ON key_usage (hour);
