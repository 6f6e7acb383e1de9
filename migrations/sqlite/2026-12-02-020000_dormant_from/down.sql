ALTER TABLE credentials DROP COLUMN dormant_from;
