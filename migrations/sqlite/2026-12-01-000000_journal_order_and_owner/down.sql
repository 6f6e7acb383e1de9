DROP INDEX audit_events_owner;
DROP INDEX audit_events_time;
ALTER TABLE audit_events DROP COLUMN owner;
