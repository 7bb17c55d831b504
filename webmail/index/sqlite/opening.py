"""Opening the SQLite index: its file (mode 0600), the schema of ``schema.sql`` beside this
module and its version, one connection's settings (WAL, busy timeout) and write transactions.

A file written with another :data:`SCHEMA_VERSION` is emptied on open, and one whose rows
were analysed with another late threshold loses its rows (the index is a cache).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from importlib import resources
from pathlib import Path

#: Bump when ``schema.sql`` changes: a file with another ``user_version`` is emptied on open.
SCHEMA_VERSION = 7  # 7: search columns and index; 6: the delays index; 5: holds
BUSY_TIMEOUT_MS = 10_000
# How long BEGIN IMMEDIATE waits at a time for another connection's write to end before it
# tries again: SQLite's own busy handler sleeps 1, 2, 5, 10 ... up to 100 ms at a time, so a
# page's write behind a fill's chunk could sleep tens of ms past the moment the lock was free.
_WRITE_POLL_SECONDS = 0.001
FILE_NAME = "index.sqlite3"


def statements(script: str) -> list[str]:
    """Split a script into complete statements (triggers keep their inner ``;``); comment
    lines between statements are left out."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out


def create_file(path: Path) -> None:
    """Create the database file (and its folder) readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def migrate(conn: sqlite3.Connection, threshold: timedelta) -> None:
    """In one write transaction: drop every table when the file's ``user_version`` is not
    :data:`SCHEMA_VERSION`, create what ``schema.sql`` declares, and drop the rows and folder
    states when they were analysed with another ``threshold``."""
    schema = resources.files("webmail.index.sqlite").joinpath("schema.sql").read_text("utf-8")
    script = statements(schema)
    with transaction(conn) as c:
        version = c.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            for (name,) in c.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall():
                c.execute(f'DROP TABLE "{name}"')
            c.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        for statement in script:
            c.execute(statement)
        seconds = str(int(threshold.total_seconds()))
        row = c.execute("SELECT value FROM meta WHERE key = 'threshold'").fetchone()
        if row is None or row[0] != seconds:
            c.execute("DELETE FROM messages")
            c.execute("DELETE FROM folders")
            c.execute("INSERT OR REPLACE INTO meta VALUES ('threshold', ?)", (seconds,))


def connect(path: Path) -> sqlite3.Connection:
    """A new connection to ``path``: autocommit (transactions are explicit), WAL, the busy
    timeout, ``synchronous = NORMAL``."""
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=True
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (``BEGIN IMMEDIATE``) on ``conn``, committed on success, rolled
    back on error."""
    begin_immediate(conn)
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def begin_immediate(conn: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE``, waiting up to ``BUSY_TIMEOUT_MS`` for another writer in steps
    of ``_WRITE_POLL_SECONDS`` (not SQLite's growing sleeps); then ``database is locked``."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(_WRITE_POLL_SECONDS)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
