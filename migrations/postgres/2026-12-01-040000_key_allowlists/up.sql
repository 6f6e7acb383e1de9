-- Where a key may be used from: addresses and CIDR ranges (IPv4 and IPv6), space-separated,
-- normalised; empty, the default, is anywhere. From elsewhere the key is refused like an
-- invalid one.
ALTER TABLE credentials ADD COLUMN allowed_from TEXT NOT NULL DEFAULT '';
