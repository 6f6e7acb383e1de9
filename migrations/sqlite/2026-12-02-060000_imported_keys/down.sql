DROP INDEX credentials_import_lookup;
ALTER TABLE credentials DROP COLUMN import_lookup;
