-- Keys imported from another system keep their tokens: such a token is not Keyward's
-- (`kwd_…`), so it is found by this instead of the public id — `sha256:<hex of the token>`,
-- or `prefix:<the part before the first dot>` for tokens that carry their id that way
-- (djangorestframework-api-key's `prefix.secret`).
ALTER TABLE credentials ADD COLUMN import_lookup TEXT;
CREATE UNIQUE INDEX credentials_import_lookup ON credentials (import_lookup);
