-- What a key is for: scopes, space-separated and sorted. Keyward's own API is governed by
-- the built-in `keyward:*` scopes; the services behind Keyward read the others (the
-- account's catalog, below) from /api/v1/verify and /auth/forward.
ALTER TABLE credentials ADD COLUMN scopes TEXT NOT NULL DEFAULT '';

-- Keys made before scopes existed keep what they could do: every Keyward scope their owner
-- holds (an operator: their own keys and verification always, machines and operators as
-- their groups allow; a machine: verification only — its keys never managed anything).
UPDATE credentials SET scopes = 'keyward:credentials:read keyward:credentials:write'
    || CASE WHEN EXISTS (
        SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id
        LEFT JOIN group_permissions gp ON gp.group_id = gm.group_id
        WHERE gm.operator_id = credentials.operator_id
          AND (g.builtin_admin OR gp.permission IN ('machines.read', 'machines.write')))
       THEN ' keyward:machines:read' ELSE '' END
    || CASE WHEN EXISTS (
        SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id
        LEFT JOIN group_permissions gp ON gp.group_id = gm.group_id
        WHERE gm.operator_id = credentials.operator_id
          AND (g.builtin_admin OR gp.permission = 'machines.write'))
       THEN ' keyward:machines:write' ELSE '' END
    || CASE WHEN EXISTS (
        SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id
        LEFT JOIN group_permissions gp ON gp.group_id = gm.group_id
        WHERE gm.operator_id = credentials.operator_id
          AND (g.builtin_admin OR gp.permission IN ('operators.read', 'operators.write')))
       THEN ' keyward:operators:read' ELSE '' END
    || ' keyward:verify'
WHERE operator_id IS NOT NULL;
UPDATE credentials SET scopes = 'keyward:verify' WHERE machine_id IS NOT NULL;

-- An account's scope catalog: the names its keys may carry besides Keyward's own. A scope
-- that is not open is given only by operators with Settings / Write.
CREATE TABLE scopes (
    id SERIAL PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    open BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, name)
);
