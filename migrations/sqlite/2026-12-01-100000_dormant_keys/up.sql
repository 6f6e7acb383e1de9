-- Dormant keys: an account may have keys unused for this many days noticed to their owner,
-- then deactivated a week later (NULL: off).
ALTER TABLE accounts ADD COLUMN dormant_days INTEGER;
-- When the owner was told the key is unused and will be deactivated; cleared by a use or a
-- reactivation.
ALTER TABLE credentials ADD COLUMN dormant_noticed_at TIMESTAMP;
