DROP INDEX credentials_expiry;
ALTER TABLE credentials DROP COLUMN expiry_reminded;
