-- Sub accounts: an account under a main account (one level), with its own operators,
-- groups, machines, keys, journal and settings. A main account has no parent.
ALTER TABLE accounts ADD COLUMN parent_id INTEGER REFERENCES accounts(id);
-- A deactivated sub account signs nobody in and its keys verify as invalid.
ALTER TABLE accounts ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX accounts_parent ON accounts (parent_id);
