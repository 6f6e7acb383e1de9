ALTER TABLE credentials DROP COLUMN window_extended;
