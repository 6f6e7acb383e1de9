-- Every row belongs to an account, so sub accounts can come later without a migration of meaning.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE operators (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    language TEXT NOT NULL DEFAULT 'en',
    -- bumped by every change to this operator's credentials; staged Save compares it
    api_version INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    builtin_admin BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, operator_id)
);

CREATE TABLE machines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE credentials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    public_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    label TEXT NOT NULL,
    operator_id INTEGER REFERENCES operators(id) ON DELETE CASCADE,
    machine_id INTEGER REFERENCES machines(id) ON DELETE CASCADE,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    created_by INTEGER REFERENCES operators(id) ON DELETE SET NULL,
    -- false for rows that predate usage tracking (imports): "Last used" shows Unknown
    usage_tracked BOOLEAN NOT NULL DEFAULT 1,
    last_used_at TIMESTAMP,
    last_used_ip TEXT,
    CHECK ((operator_id IS NULL) <> (machine_id IS NULL))
);
CREATE INDEX credentials_operator ON credentials(operator_id);
CREATE INDEX credentials_machine ON credentials(machine_id);

-- Server-side sessions: the cookie holds a random key, the row is found by its SHA-256.
CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);
