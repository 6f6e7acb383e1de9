DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
ALTER TABLE credentials DROP COLUMN expired_noticed;
