ALTER TABLE operators DROP COLUMN muted_notices;
