DROP TRIGGER credentials_count_update ON credentials;
DROP TRIGGER credentials_count_delete ON credentials;
DROP TRIGGER credentials_count_insert ON credentials;
DROP FUNCTION credentials_count_keys();
DROP FUNCTION credentials_apply_counts(INT[], INT[], INT[], INT[]);
ALTER TABLE machines DROP COLUMN active_key_count;
ALTER TABLE machines DROP COLUMN key_count;
ALTER TABLE operators DROP COLUMN active_key_count;
ALTER TABLE operators DROP COLUMN key_count;
