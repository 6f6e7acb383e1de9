-- Dormant keys: when a person last (de)activated the key. The count of days unused starts
-- afresh there, so a key reactivated after a dormancy deactivation is not noticed again at
-- once for its old last use.
ALTER TABLE credentials ADD COLUMN dormant_from TIMESTAMP;
