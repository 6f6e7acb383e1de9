-- Set once the owner was told the key expires soon (cleared when the expiry moves), so each
-- reminder goes once; the partial index keeps the background scan to keys that do expire.
ALTER TABLE credentials ADD COLUMN expiry_reminded BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX credentials_expiry ON credentials(expires_at) WHERE expires_at IS NOT NULL;
