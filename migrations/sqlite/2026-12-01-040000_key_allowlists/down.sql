ALTER TABLE credentials DROP COLUMN allowed_from;
