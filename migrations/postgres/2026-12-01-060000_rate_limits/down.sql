DROP TABLE rate_counters;
ALTER TABLE accounts DROP COLUMN default_rate_window;
ALTER TABLE accounts DROP COLUMN default_rate_limit;
ALTER TABLE credentials DROP COLUMN rate_window;
ALTER TABLE credentials DROP COLUMN rate_limit;
