"""The SQLite index's schema, its account keys and the folder state both backends report.

Split from :mod:`webmail.index.sqlite` (which re-exports every name here): the table and index
definitions, :func:`account_key` (the only way rows are tied to a person), and
:class:`FolderState`, which the SQLite and Redis backends both return.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

Order = Literal["sent", "arrival"]

SCHEMA = """
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
    PRIMARY KEY (folder_id, uidvalidity, uid)
);
CREATE INDEX IF NOT EXISTS messages_sent ON messages (folder_id, uidvalidity, sent, uid);
CREATE INDEX IF NOT EXISTS messages_arrival ON messages (folder_id, uidvalidity, arrival, uid);
CREATE INDEX IF NOT EXISTS messages_late_sent ON messages (folder_id, uidvalidity, sent, uid)
    WHERE delayed = 1;
CREATE INDEX IF NOT EXISTS messages_late_arrival ON messages (folder_id, uidvalidity, arrival, uid)
    WHERE delayed = 1;
CREATE TRIGGER IF NOT EXISTS messages_count_insert AFTER INSERT ON messages BEGIN
    UPDATE folders SET total = total + 1, late = late + NEW.delayed WHERE id = NEW.folder_id;
END;
CREATE TRIGGER IF NOT EXISTS messages_count_delete AFTER DELETE ON messages BEGIN
    UPDATE folders SET total = total - 1, late = late - OLD.delayed WHERE id = OLD.folder_id;
END;
CREATE TRIGGER IF NOT EXISTS messages_count_update AFTER UPDATE OF delayed ON messages BEGIN
    UPDATE folders SET late = late - OLD.delayed + NEW.delayed WHERE id = NEW.folder_id;
END;
"""

# The folder id of (account, folder): every row statement goes through it, so through the account.
_FOLDER = "(SELECT id FROM folders WHERE account = ? AND name = ?)"
_CURRENT = "(SELECT uidvalidity FROM folders WHERE account = ? AND name = ?)"


def _statements(script: str) -> list[str]:
    """Split a script into complete statements (triggers keep their inner ``;``)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out


def account_key(server: str, user: str) -> str:
    """The account key of ``user`` on ``server`` ("host:port"): 32 hex digits of SHA-256.

    Different (server, user) pairs give different keys; the key reveals neither.
    """
    digest = hashlib.sha256(f"webmail-index\0{server.strip().lower()}\0{user.strip()}".encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class FolderState:
    """What the index knows about one folder.

    :ivar uidvalidity: the folder's UIDVALIDITY when its rows were written.
    :ivar uidnext: the server's UIDNEXT at the last sync, or ``None``.
    :ivar highestmodseq: flags of every row are current as of this MODSEQ (``None``
        without CONDSTORE, or before the first chunk).
    :ivar last_uid: every message with a UID up to this one is indexed (0: none yet).
    :ivar server_count: the folder's message count on the server at the last sync start.
    :ivar total: rows indexed now.
    :ivar late: rows indexed now that arrived late.
    :ivar complete: the last sync finished (no backlog).
    :ivar settled_since: while a first sync is running newest-first, rows sent at or after
        this instant are already in their final order (assuming arrival grows with UID).
    :ivar synced_at: when the last sync finished (epoch seconds), or ``None``.
    """

    uidvalidity: int
    uidnext: int | None
    highestmodseq: int | None
    last_uid: int
    server_count: int | None
    total: int
    late: int
    complete: bool
    settled_since: datetime | None
    synced_at: float | None

    @property
    def progress(self) -> tuple[int, int]:
        """(indexed, to index) for "indexing 34,000 of 100,000"."""
        return self.total, max(self.total, self.server_count or 0)


def _utc(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


__all__ = ["SCHEMA", "FolderState", "Order", "account_key"]
