-- Key lists page in creation order per owner: with these the page is read in index order
-- instead of sorting every key of an owner who has thousands.
CREATE INDEX credentials_operator_order ON credentials(operator_id, created_at, id);
CREATE INDEX credentials_machine_order ON credentials(machine_id, created_at, id);
DROP INDEX credentials_operator;
DROP INDEX credentials_machine;
