-- The SQLite index (index.sqlite3 in the instance folder): folders with their sync state and
-- counts, and one row per indexed message, keyed by (folder, UIDVALIDITY, UID).
-- webmail.index.sqlite.Index applies it on open, statement by statement, in one transaction,
-- after emptying a file whose PRAGMA user_version is not webmail.index.sqlite.SCHEMA_VERSION.
-- The triggers keep folders.total and folders.late equal to the counts of the folder's rows.

CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS folders (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uidnext INTEGER,
    highestmodseq INTEGER,
    last_uid INTEGER NOT NULL DEFAULT 0,
    server_count INTEGER,
    total INTEGER NOT NULL DEFAULT 0,
    late INTEGER NOT NULL DEFAULT 0,
    complete INTEGER NOT NULL DEFAULT 0,
    settled_since INTEGER,
    synced_at REAL,
    lease_owner TEXT,
    lease_until REAL,
    UNIQUE (account, name)
);
CREATE TABLE IF NOT EXISTS messages (
    folder_id INTEGER NOT NULL REFERENCES folders(id),
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    arrival INTEGER NOT NULL,
    sent INTEGER NOT NULL,
    delivered INTEGER,
    delay INTEGER,
    delayed INTEGER NOT NULL,
    flags TEXT NOT NULL,
    size INTEGER NOT NULL,
    attachments INTEGER NOT NULL,
    sender_name TEXT NOT NULL,
    sender_address TEXT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_id TEXT NOT NULL,
    bottleneck TEXT,
    analysis TEXT NOT NULL,
    hold_start INTEGER,
    hold_end INTEGER,
    search_subject TEXT NOT NULL,
    search_from TEXT NOT NULL,
    search_to TEXT NOT NULL,
    PRIMARY KEY (folder_id, uidvalidity, uid)
);
CREATE INDEX IF NOT EXISTS messages_sent ON messages (folder_id, uidvalidity, sent, uid);
CREATE INDEX IF NOT EXISTS messages_arrival ON messages (folder_id, uidvalidity, arrival, uid);
CREATE INDEX IF NOT EXISTS messages_late_sent ON messages (folder_id, uidvalidity, sent, uid)
    WHERE delayed = 1;
CREATE INDEX IF NOT EXISTS messages_late_arrival ON messages (folder_id, uidvalidity, arrival, uid)
    WHERE delayed = 1;
-- Covers Index.late_arrivals and Index.unread_late, the list banner's query on every list page:
-- the late rows newest arrival first, read without the table (whose rows carry the analysis).
-- New files and old ones alike get it on open (IF NOT EXISTS): no schema version of its own.
CREATE INDEX IF NOT EXISTS messages_late_news ON messages (folder_id, uidvalidity, arrival, uid,
    sent, bottleneck, flags, delayed) WHERE delayed = 1;
-- Covers Index.delay_buckets: the delays plot of 100,000 rows reads the on-time part of this
-- index, not the table.
CREATE INDEX IF NOT EXISTS messages_delays ON messages (folder_id, uidvalidity, delayed, sent, delay);
-- Covers Index.search: a search reads this index in sent order, never the table (whose rows
-- carry the analysis), then the table for the one page of rows it shows.
CREATE INDEX IF NOT EXISTS messages_search ON messages (folder_id, uidvalidity, sent, uid,
    arrival, delayed, attachments, flags, bottleneck, search_subject, search_from, search_to);
CREATE TRIGGER IF NOT EXISTS messages_count_insert AFTER INSERT ON messages BEGIN
    UPDATE folders SET total = total + 1, late = late + NEW.delayed WHERE id = NEW.folder_id;
END;
CREATE TRIGGER IF NOT EXISTS messages_count_delete AFTER DELETE ON messages BEGIN
    UPDATE folders SET total = total - 1, late = late - OLD.delayed WHERE id = OLD.folder_id;
END;
CREATE TRIGGER IF NOT EXISTS messages_count_update AFTER UPDATE OF delayed ON messages BEGIN
    UPDATE folders SET late = late - OLD.delayed + NEW.delayed WHERE id = NEW.folder_id;
END;
