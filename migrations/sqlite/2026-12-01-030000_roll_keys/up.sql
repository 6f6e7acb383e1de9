-- Rolling a key: a new secret for the same credential, the old one still accepted until
-- `previous_until` (the grace window), so a forgotten job can be moved before it breaks.
-- Both digests on the row: verification stays one indexed read. When and from where the
-- old secret was last presented says when it is safe to retire.
ALTER TABLE credentials ADD COLUMN previous_secret_hash TEXT;
ALTER TABLE credentials ADD COLUMN previous_until TIMESTAMP;
ALTER TABLE credentials ADD COLUMN previous_last_used_at TIMESTAMP;
ALTER TABLE credentials ADD COLUMN previous_last_used_ip TEXT;
ALTER TABLE credentials ADD COLUMN rolled_at TIMESTAMP;
-- The background task that closes ended windows finds them without a scan.
CREATE INDEX credentials_previous_until ON credentials (previous_until)
    WHERE previous_secret_hash IS NOT NULL;
