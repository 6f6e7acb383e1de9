DROP TABLE web_sessions;
DROP TABLE credentials;
DROP TABLE machines;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE operators;
DROP TABLE accounts;
