-- The journal reads newest first by time (rows journalled at the end of a window, such as
-- failed API authentications, carry the window's start), and an operator's or a machine's
-- page shows the events of their keys too: each credential row names its owner.
ALTER TABLE audit_events ADD COLUMN owner TEXT;
UPDATE audit_events SET owner = (
    SELECT CASE WHEN c.operator_id IS NOT NULL THEN 'operator:' || c.operator_id
                ELSE 'machine:' || c.machine_id END
    FROM credentials c WHERE c.public_id = audit_events.target_id
) WHERE target_kind = 'credential';
CREATE INDEX audit_events_time ON audit_events(at, id);
CREATE INDEX audit_events_owner ON audit_events(owner, id);
