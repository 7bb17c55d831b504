"""The instance database: one SQLite file shared by sessions, the login limiter and preferences.

Its one schema is ``schema.sql`` beside this module (read with :mod:`importlib.resources`, so
it travels with the package). :func:`init_database` applies it; :func:`database` is how every
user of the file opens a short-lived connection: :class:`webmail.sessions.SessionStore`,
:class:`webmail.sessions.limits.LoginLimiter`, :class:`webmail.sessions.prefs.Preferences`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from webmail.instance import private_file


def connect(path: Path) -> sqlite3.Connection:
    """A short-lived connection to the instance database (autocommit, 5 s busy timeout)."""
    conn = sqlite3.connect(path, timeout=5, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


@contextmanager
def database(path: Path) -> Iterator[sqlite3.Connection]:
    """Open, yield and always close a connection to the instance database."""
    conn = connect(path)
    try:
        yield conn
    finally:
        conn.close()


def init_database(path: Path) -> None:
    """Create the tables of ``schema.sql`` that ``path`` lacks (existing rows are kept). The
    file is made 0600 first; SQLite gives its ``-wal`` and ``-shm`` files the same mode."""
    private_file(path)
    schema = resources.files("webmail.sessions").joinpath("schema.sql").read_text("utf-8")
    with database(path) as conn:
        conn.executescript(schema)


__all__ = ["connect", "database", "init_database"]
