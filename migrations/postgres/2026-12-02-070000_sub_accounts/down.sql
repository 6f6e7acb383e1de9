DROP INDEX accounts_parent;
ALTER TABLE accounts DROP COLUMN active;
ALTER TABLE accounts DROP COLUMN parent_id;
