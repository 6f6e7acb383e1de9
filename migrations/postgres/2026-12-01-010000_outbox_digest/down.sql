DROP INDEX outbox_digest;
ALTER TABLE outbox DROP COLUMN digest_items;
ALTER TABLE outbox DROP COLUMN digest_key;
