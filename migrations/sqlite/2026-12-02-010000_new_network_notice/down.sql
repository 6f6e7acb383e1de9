ALTER TABLE credentials DROP COLUMN notify_new_network;
