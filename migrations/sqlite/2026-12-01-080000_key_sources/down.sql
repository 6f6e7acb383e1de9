ALTER TABLE credentials DROP COLUMN new_source_noticed_at;
DROP TABLE key_sources;
