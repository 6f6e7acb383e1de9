-- What a group may do: one row per permission code (e.g. 'machines.write').
-- The built-in Administrators group may do everything without rows here.
CREATE TABLE group_permissions (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (group_id, permission)
);
