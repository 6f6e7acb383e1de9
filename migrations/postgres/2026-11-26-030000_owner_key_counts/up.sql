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
-- when a bulk statement writes a million of them, each update a new row version.) Static
-- SQL throughout, so PostgreSQL plans it once per connection: the UPDATE trigger also runs
-- for every "last used" write, and a query planned on each run doubled their cost.

-- Adds the changes (+1 per key as it is now, -1 per key as it was; `actives` the same for
-- active keys) to the owners' counts.
CREATE FUNCTION credentials_apply_counts(operator_ids INT[], machine_ids INT[], ns INT[], actives INT[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH changed AS (
        SELECT * FROM unnest(operator_ids, machine_ids, ns, actives) AS c(operator_id, machine_id, n, a)),
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
    FROM by_machine d WHERE m.id = d.id;
END $$;

-- Each operation reads only the transition tables it has (a branch not taken is never
-- planned).
CREATE FUNCTION credentials_count_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    operator_ids INT[];
    machine_ids INT[];
    ns INT[];
    actives INT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(operator_id), array_agg(machine_id), array_agg(1), array_agg(active::int)
            INTO operator_ids, machine_ids, ns, actives FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(operator_id), array_agg(machine_id), array_agg(-1), array_agg(-(active::int))
            INTO operator_ids, machine_ids, ns, actives FROM old_rows;
    ELSE
        -- Only rows whose owner or state changed: none for a "last used" write.
        SELECT array_agg(c.operator_id), array_agg(c.machine_id), array_agg(c.n), array_agg(c.a)
            INTO operator_ids, machine_ids, ns, actives
            FROM new_rows n JOIN old_rows o ON o.id = n.id,
            LATERAL (VALUES (n.operator_id, n.machine_id, 1, n.active::int),
                            (o.operator_id, o.machine_id, -1, -(o.active::int)))
                AS c(operator_id, machine_id, n, a)
            WHERE (n.operator_id, n.machine_id, n.active)
                IS DISTINCT FROM (o.operator_id, o.machine_id, o.active);
    END IF;
    IF ns IS NOT NULL THEN
        PERFORM credentials_apply_counts(operator_ids, machine_ids, ns, actives);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER credentials_count_insert AFTER INSERT ON credentials
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION credentials_count_keys();
CREATE TRIGGER credentials_count_delete AFTER DELETE ON credentials
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION credentials_count_keys();
-- PostgreSQL allows no column list with transition tables, so this one also runs for the
-- "last used" writes; they keep owner and state, so it writes nothing then.
CREATE TRIGGER credentials_count_update AFTER UPDATE ON credentials
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION credentials_count_keys();
