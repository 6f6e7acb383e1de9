-- Signed webhooks (Standard Webhooks): endpoints an account registers, and the deliveries
-- queued for them in the transaction of the change that caused them (an outbox, like mail).
CREATE TABLE webhook_endpoints (
    id SERIAL PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- The event types it receives, space-separated.
    events TEXT NOT NULL,
    -- The signing secret is derived from this and the server's secret key: the database
    -- alone does not hold it.
    secret_salt TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    -- Set when Keyward turned it off after a day of failures.
    disabled_at TIMESTAMP,
    -- The first failure of the current run of failures (none: the last attempt worked).
    failing_since TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id);

CREATE TABLE webhook_deliveries (
    id SERIAL PRIMARY KEY,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    -- webhook-id: the same on every attempt, so a receiver can drop repeats.
    message_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    -- None: nothing more to do (delivered, or given up).
    next_attempt_at TIMESTAMP,
    delivered_at TIMESTAMP,
    last_attempt_at TIMESTAMP,
    last_status INTEGER,
    last_error TEXT,
    last_duration_ms INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

-- A key's expiry is an event too (credential.expired), told once per expiry; keys that
-- expired before this change are not told now.
ALTER TABLE credentials ADD COLUMN expired_noticed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE credentials SET expired_noticed = TRUE WHERE expires_at IS NOT NULL AND expires_at <= (now() AT TIME ZONE 'UTC');
