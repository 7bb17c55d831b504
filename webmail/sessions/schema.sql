-- The instance database (webmail.sqlite3 in the instance folder): server-side sessions,
-- failed logins counted by the login limiter, and each reader's preferences.
-- Applied on every start (webmail.sessions.database.init_database); every statement is
-- idempotent.

CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    created REAL NOT NULL,
    last_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures (key, at);
CREATE TABLE IF NOT EXISTS preferences (
    username TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
