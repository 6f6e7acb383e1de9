DROP INDEX credentials_previous_until;
ALTER TABLE credentials DROP COLUMN rolled_at;
ALTER TABLE credentials DROP COLUMN previous_last_used_ip;
ALTER TABLE credentials DROP COLUMN previous_last_used_at;
ALTER TABLE credentials DROP COLUMN previous_until;
ALTER TABLE credentials DROP COLUMN previous_secret_hash;
