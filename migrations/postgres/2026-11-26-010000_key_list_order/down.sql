CREATE INDEX credentials_operator ON credentials(operator_id);
CREATE INDEX credentials_machine ON credentials(machine_id);
DROP INDEX credentials_operator_order;
DROP INDEX credentials_machine_order;
