-- Sub accounts: an account under a main account (one level), with its own operators,
-- groups, machines, keys, journal and settings. A main account has no parent.
-- (No REFERENCES here, unlike PostgreSQL: SQLite cannot drop a column that is in a foreign key,
-- and down.sql must undo this. Only sub accounts are ever deleted, never a parent.)
ALTER TABLE accounts ADD COLUMN parent_id INTEGER;
-- A deactivated sub account signs nobody in and its keys verify as invalid.
ALTER TABLE accounts ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX accounts_parent ON accounts (parent_id);
-- Settings each account makes for itself; NULL: the process's own setting
-- (KEYWARD_MAIL_MACHINE_KEY_CHANGES, KEYWARD_AUDIT_RETENTION_DAYS).
ALTER TABLE accounts ADD COLUMN machine_key_mail BOOLEAN;
ALTER TABLE accounts ADD COLUMN audit_retention_days INTEGER;
-- Rows Keyward's background jobs journalled without an account (notices, leaks, canaries)
-- belong to their key's account: a sub account must not read its siblings' rows.
UPDATE audit_events SET account_id = (
    SELECT c.account_id FROM credentials c WHERE c.public_id = audit_events.target_id
) WHERE account_id IS NULL AND target_kind = 'credential';
-- Two sub accounts of one main account never share a name, even made at the same moment
-- (the check in changes::sub_accounts also folds non-ASCII case).
CREATE UNIQUE INDEX accounts_sub_name ON accounts (parent_id, lower(name));
