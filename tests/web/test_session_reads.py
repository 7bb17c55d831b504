"""The reads every request makes of the instance database (the session, the preferences) go
through one connection kept per thread (``webmail.sessions.database.reading``): they see every
write made meanwhile, the file that is at the path now, and a fresh connection after an error."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from webmail.sessions.database import database, init_database, reading
from webmail.sessions.store import SessionStore

SECRET = "test-secret-key-" + "x" * 32


def test_reads_on_one_thread_share_a_connection_and_see_every_write(tmp_path: Path) -> None:
    path = tmp_path / "webmail.sqlite3"
    store = SessionStore(path, SECRET)
    store.save("one", {"username": "ana"})
    with reading(path) as first:
        pass
    store.save("one", {"username": "bea"})  # another connection writes meanwhile
    store.save("two", {"username": "cy"})
    with reading(path) as again:
        assert again is first
    loaded = store.load("one", 60)
    assert loaded is not None and loaded[0] == {"username": "bea"}
    assert store.load("two", 60) is not None
    store.delete("two")
    assert store.load("two", 60) is None


def test_another_thread_reads_on_a_connection_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "webmail.sqlite3"
    init_database(path)
    with reading(path) as mine:
        pass
    theirs: list[sqlite3.Connection] = []

    def read() -> None:
        with reading(path) as conn:
            theirs.append(conn)
            conn.execute("SELECT count(*) FROM sessions").fetchone()

    t = threading.Thread(target=read)
    t.start()
    t.join()
    assert theirs and theirs[0] is not mine


def test_a_file_put_in_place_of_the_database_is_read_afresh(tmp_path: Path) -> None:
    path = tmp_path / "webmail.sqlite3"
    store = SessionStore(path, SECRET)
    store.save("one", {"username": "ana"})
    assert store.load("one", 60) is not None
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    fresh = SessionStore(path, SECRET)  # a new, empty database at the same path
    assert fresh.load("one", 60) is None
    fresh.save("one", {"username": "new"})
    loaded = store.load("one", 60)
    assert loaded is not None and loaded[0] == {"username": "new"}


def test_after_an_error_the_next_read_gets_a_new_connection(tmp_path: Path) -> None:
    path = tmp_path / "webmail.sqlite3"
    init_database(path)
    with reading(path) as before:
        pass
    with pytest.raises(sqlite3.OperationalError), reading(path) as conn:
        conn.execute("SELECT * FROM no_such_table")
    with reading(path) as after:
        assert after is not before
        assert after.execute("SELECT count(*) FROM sessions").fetchone() == (0,)
    with database(path) as other:  # the short-lived connections are as they were
        assert other is not after
