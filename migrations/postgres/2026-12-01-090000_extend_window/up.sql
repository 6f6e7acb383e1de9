-- A roll's grace window can be extended once: set when it was, cleared by the next roll.
ALTER TABLE credentials ADD COLUMN window_extended BOOLEAN NOT NULL DEFAULT FALSE;
