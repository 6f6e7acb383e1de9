DROP TABLE scopes;
ALTER TABLE credentials DROP COLUMN scopes;
