"""The instance database: one SQLite file shared by sessions, the login limiter and preferences.

Its one schema is ``schema.sql`` beside this module (read with :mod:`importlib.resources`, so
it travels with the package). :func:`init_database` applies it; :func:`database` is how every
user of the file opens a short-lived connection (:func:`reading`: the reads made on every
request, on a connection kept per thread): :class:`webmail.sessions.SessionStore`,
:class:`webmail.sessions.limits.LoginLimiter`, :class:`webmail.sessions.prefs.Preferences`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
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


_KEPT = threading.local()


@contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection for the reads (and single autocommitted statements) made on every request,
    the session's and the preferences': this thread's, kept open (opening one and setting WAL
    costs ~0.2 ms); made anew in a forked process, when the file at ``path`` is another file
    now, and after an error."""
    try:
        stat = os.stat(path)
    except OSError:  # no file yet: nothing to keep a connection to
        with database(path) as conn:
            yield conn
        return
    mark = (os.getpid(), stat.st_dev, stat.st_ino)
    kept: dict[str, tuple[tuple[int, int, int], sqlite3.Connection]] = _KEPT.__dict__
    key = str(path)
    found = kept.get(key)
    if found is not None and found[0] != mark:
        del kept[key]
        if found[0][0] == mark[0]:  # never close a connection the parent process opened
            found[1].close()
        found = None
    if found is None:
        found = kept[key] = (mark, connect(path))
    try:
        yield found[1]
    except BaseException:
        kept.pop(key, None)
        found[1].close()
        raise


def init_database(path: Path) -> None:
    """Create the tables of ``schema.sql`` that ``path`` lacks (existing rows are kept). The
    file is made 0600 first; SQLite gives its ``-wal`` and ``-shm`` files the same mode."""
    private_file(path)
    schema = resources.files("webmail.sessions").joinpath("schema.sql").read_text("utf-8")
    with database(path) as conn:
        conn.executescript(schema)


__all__ = ["connect", "database", "init_database", "reading"]
