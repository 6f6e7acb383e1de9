-- Owner notices (a key created, deleted, deactivated, registered, about to expire) are
-- coalesced: within KEYWARD_MAIL_DIGEST_SECONDS of the last one sent to a person, later ones
-- join a single mail. `digest_key` names whose notices a row gathers; `digest_items` holds
-- them (JSON, rendered in the recipient's language) until it is sent, then is blanked.
ALTER TABLE outbox ADD COLUMN digest_key TEXT;
ALTER TABLE outbox ADD COLUMN digest_items TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_digest ON outbox(digest_key, id);
