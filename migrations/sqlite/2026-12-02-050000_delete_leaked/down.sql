ALTER TABLE accounts DROP COLUMN delete_leaked;
