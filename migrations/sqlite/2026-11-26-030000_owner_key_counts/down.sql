DROP TRIGGER credentials_count_update;
DROP TRIGGER credentials_count_delete;
DROP TRIGGER credentials_count_insert;
ALTER TABLE machines DROP COLUMN active_key_count;
ALTER TABLE machines DROP COLUMN key_count;
ALTER TABLE operators DROP COLUMN active_key_count;
ALTER TABLE operators DROP COLUMN key_count;
