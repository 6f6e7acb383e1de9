-- An account setting: a key reported leaked (a report, GitHub's secret scanning) is deleted
-- instead of deactivated.
ALTER TABLE accounts ADD COLUMN delete_leaked BOOLEAN NOT NULL DEFAULT FALSE;
