-- How many keys each owner has, and how many of them are active, kept by triggers so every
-- way a key is written (console, API, /register, hand-over, cascades) keeps them true. Lists
-- and pagers read them instead of counting an owner's keys on every page view, which grew
-- with the owner's keys (10,000 for a busy operator, far more for a machine).
ALTER TABLE operators ADD COLUMN key_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE operators ADD COLUMN active_key_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE machines ADD COLUMN key_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE machines ADD COLUMN active_key_count INTEGER NOT NULL DEFAULT 0;

UPDATE operators o SET key_count = c.n, active_key_count = c.a
    FROM (SELECT operator_id, COUNT(*) AS n, COUNT(*) FILTER (WHERE active) AS a
          FROM credentials WHERE operator_id IS NOT NULL GROUP BY operator_id) c
    WHERE o.id = c.operator_id;
UPDATE machines m SET key_count = c.n, active_key_count = c.a
    FROM (SELECT machine_id, COUNT(*) AS n, COUNT(*) FILTER (WHERE active) AS a
          FROM credentials WHERE machine_id IS NOT NULL GROUP BY machine_id) c
    WHERE m.id = c.machine_id;

-- Statement-level, over the rows the statement changed: one update per owner however many
-- keys a statement writes. (Row-level triggers would update a machine's row once per key
-- when a bulk statement writes a million of them, each update a new row version.)
-- `changed` is +1 for each row as it is now and -1 for each row as it was; the transition
-- tables exist only for the operations that have them, hence the query built per operation.
CREATE FUNCTION credentials_count_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    now_rows CONSTANT TEXT := 'SELECT operator_id, machine_id, 1 AS n, active::int AS a FROM new_rows';
    was_rows CONSTANT TEXT := 'SELECT operator_id, machine_id, -1 AS n, -(active::int) AS a FROM old_rows';
BEGIN
    EXECUTE format($q$
        WITH changed AS (%s),
        by_operator AS (
            SELECT operator_id AS id, SUM(n) AS n, SUM(a) AS a FROM changed
            WHERE operator_id IS NOT NULL GROUP BY operator_id
            HAVING SUM(n) <> 0 OR SUM(a) <> 0),
        operators_done AS (
            UPDATE operators o SET key_count = o.key_count + d.n, active_key_count = o.active_key_count + d.a
            FROM by_operator d WHERE o.id = d.id RETURNING 1),
        by_machine AS (
            SELECT machine_id AS id, SUM(n) AS n, SUM(a) AS a FROM changed
            WHERE machine_id IS NOT NULL GROUP BY machine_id
            HAVING SUM(n) <> 0 OR SUM(a) <> 0)
        UPDATE machines m SET key_count = m.key_count + d.n, active_key_count = m.active_key_count + d.a
        FROM by_machine d WHERE m.id = d.id
    $q$, CASE TG_OP
        WHEN 'INSERT' THEN now_rows
        WHEN 'DELETE' THEN was_rows
        ELSE now_rows || ' UNION ALL ' || was_rows
    END);
    RETURN NULL;
END $$;

CREATE TRIGGER credentials_count_insert AFTER INSERT ON credentials
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION credentials_count_keys();
CREATE TRIGGER credentials_count_delete AFTER DELETE ON credentials
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION credentials_count_keys();
-- PostgreSQL allows no column list with transition tables, so this one also sees the
-- "last used" writes; their rows keep owner and state, so the sums are zero and no owner
-- row is written.
CREATE TRIGGER credentials_count_update AFTER UPDATE ON credentials
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION credentials_count_keys();
