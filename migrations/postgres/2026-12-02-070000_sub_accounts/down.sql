DROP INDEX accounts_sub_name;
ALTER TABLE accounts DROP COLUMN audit_retention_days;
ALTER TABLE accounts DROP COLUMN machine_key_mail;
DROP INDEX accounts_parent;
ALTER TABLE accounts DROP COLUMN active;
ALTER TABLE accounts DROP COLUMN parent_id;
