DROP TABLE key_sources;
