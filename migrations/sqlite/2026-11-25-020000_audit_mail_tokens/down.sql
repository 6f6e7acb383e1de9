DROP TABLE operator_tokens;
DROP TABLE outbox;
DROP TABLE audit_events;
ALTER TABLE operators DROP COLUMN session_epoch;
