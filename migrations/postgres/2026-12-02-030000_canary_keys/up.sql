-- Canary keys: a tripwire. It never works (always refused like an invalid key), and every
-- use is journalled and told to its owner at once.
ALTER TABLE credentials ADD COLUMN canary BOOLEAN NOT NULL DEFAULT FALSE;
