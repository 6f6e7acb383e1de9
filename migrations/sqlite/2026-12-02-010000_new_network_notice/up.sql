-- Whether the owner is told when the key is used from a network it was never used from: on
-- for operators' keys, off for machines' (a fleet moves between networks by design).
ALTER TABLE credentials ADD COLUMN notify_new_network BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE credentials SET notify_new_network = FALSE WHERE machine_id IS NOT NULL;
