-- The instance database (webmail.sqlite3 in the instance folder): server-side sessions,
-- sign-in attempts counted by the login limiter, and each reader's preferences.
-- Applied on every start (webmail.sessions.database.init_database); every statement is
-- idempotent.

CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    created REAL NOT NULL,
    last_seen REAL NOT NULL
);
-- Sign-in attempts (webmail.sessions.limits): one row per counter, keyed by an HMAC with the
-- secret key, so no username or address is kept in clear.
CREATE TABLE IF NOT EXISTS login_counters (
    key TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    last REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_counters_last ON login_counters (last);
-- Failed sign-ins as older versions kept them: with the username in clear.
DROP TABLE IF EXISTS login_failures;
CREATE TABLE IF NOT EXISTS preferences (
    username TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
-- Compose forms that were sent (webmail.outbox.ledger): a form's token is claimed once, so a
-- message is never sent twice; token is the SHA-256 of the user and the form's token.
CREATE TABLE IF NOT EXISTS sent_forms (
    token TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT NOT NULL,
    at REAL NOT NULL
);
