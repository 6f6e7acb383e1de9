-- Notices by mail an operator has turned off in My profile (space-separated codes of
-- `domain::notices::Notice`); empty, the default, is every notice. Security notices are not
-- among the codes: they are always sent.
ALTER TABLE operators ADD COLUMN muted_notices TEXT NOT NULL DEFAULT '';
