ALTER TABLE credentials DROP COLUMN dormant_noticed_at;
ALTER TABLE accounts DROP COLUMN dormant_days;
