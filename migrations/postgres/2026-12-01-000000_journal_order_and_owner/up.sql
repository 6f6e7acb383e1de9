-- The journal reads newest first by time (rows journalled at the end of a window, such as
-- failed API authentications, carry the window's start), and an operator's or a machine's
-- page shows the events of their keys too: each credential row names its owner.
ALTER TABLE audit_events ADD COLUMN owner TEXT;
UPDATE audit_events a SET owner = CASE WHEN c.operator_id IS NOT NULL
        THEN 'operator:' || c.operator_id ELSE 'machine:' || c.machine_id END
    FROM credentials c WHERE a.target_kind = 'credential' AND c.public_id = a.target_id;
CREATE INDEX audit_events_time ON audit_events(at, id);
CREATE INDEX audit_events_owner ON audit_events(owner, id);
