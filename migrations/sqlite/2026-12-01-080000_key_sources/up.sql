-- Where each key is used from: one row per secret, client address and user agent, with when
-- it was first and last seen and how many uses. Gathered in memory and written in batches
-- (never one row per request); at most the 50 most recent rows per key are kept.
-- `secret_fp` tells the key's secrets apart (a digest of the stored hash that matched, never
-- the secret); `previous` is true for uses of a rolled key's old secret in its window, so
-- those are counted from the roll on.
CREATE TABLE key_sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    credential_id INTEGER NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
    secret_fp TEXT NOT NULL,
    previous BOOLEAN NOT NULL,
    address TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    uses BIGINT NOT NULL,
    UNIQUE (credential_id, secret_fp, previous, address, user_agent)
);
CREATE INDEX key_sources_recent ON key_sources (credential_id, last_seen);
-- When the owner was last mailed that the key is used from a new network: at most one such
-- mail per key per hour.
ALTER TABLE credentials ADD COLUMN new_source_noticed_at TIMESTAMP;
