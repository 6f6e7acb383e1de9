ALTER TABLE credentials DROP COLUMN expires_at;
