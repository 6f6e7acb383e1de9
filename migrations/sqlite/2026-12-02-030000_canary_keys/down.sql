ALTER TABLE credentials DROP COLUMN canary;
