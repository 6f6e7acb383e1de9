-- A credential may stop working at a set time (UTC); NULL: it does not expire.
ALTER TABLE credentials ADD COLUMN expires_at TIMESTAMP;
