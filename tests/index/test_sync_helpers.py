"""A big fill's rows built in helper processes (webmail.mailbox.analysis), written newest first
in short transactions, and a page's write waiting for the fill's: against a real Dovecot."""

from __future__ import annotations

import contextvars
import dataclasses
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.syncdata import User
from webmail.index.rows import DB_ORDER
from webmail.index.sqlite import Index
from webmail.mailbox import analysis, jobs, wire
from webmail.mailbox import sync as sync_module
from webmail.mailbox.jobs import SyncJobs
from webmail.mailbox.rawimap import imaplib_of, uid_command
from webmail.mailbox.sync import analysis_workers, sync_folder


def stored_rows(index: Index) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(index.path)
    try:
        return conn.execute(f"SELECT {', '.join(DB_ORDER)} FROM messages ORDER BY uid").fetchall()
    finally:
        conn.close()


def fill(user: User, index: Index, workers: int, chunk_size: int = 20) -> int:
    with user.client() as c:
        return sync_folder(
            c, index, user.account, "INBOX", chunk_size=chunk_size, workers=workers
        ).added


def test_rows_built_by_helper_processes_are_the_rows_built_in_the_sync(
    user: User, tmp_path: Path
) -> None:
    user.deliver(130)
    here, helped = Index(tmp_path / "here.sqlite3"), Index(tmp_path / "helped.sqlite3")
    assert fill(user, here, workers=0) == 130
    assert fill(user, helped, workers=2) == 130
    rows = stored_rows(here)
    assert len(rows) == 130
    assert stored_rows(helped) == rows
    states = [i.state(user.account, "INBOX") for i in (here, helped)]
    assert states[0] is not None and states[1] is not None
    assert dataclasses.replace(states[0], synced_at=None) == dataclasses.replace(
        states[1], synced_at=None
    )


def test_a_helper_that_dies_leaves_the_rows_to_the_sync(
    user: User, index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user.deliver(60)
    # An interpreter that exits at once: every helper dies before it answers.
    monkeypatch.setattr(analysis.sys, "executable", "/bin/false")
    assert fill(user, index, workers=2, chunk_size=10) == 60
    reference = Index(tmp_path / "reference.sqlite3")
    monkeypatch.setattr(analysis.sys, "executable", sys.executable)
    fill(user, reference, workers=0, chunk_size=10)
    assert stored_rows(index) == stored_rows(reference)


def test_big_fills_use_helpers_and_small_ones_do_not() -> None:
    assert analysis_workers(sync_module.PARALLEL_MIN - 1) == 0
    assert analysis_workers(sync_module.PARALLEL_MIN) >= 1
    assert analysis_workers(10 * sync_module.PARALLEL_MIN) <= sync_module.ANALYSIS_WORKERS


class RecordingIndex(Index):
    """The SQLite index, noting the UIDs of each write of rows."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.writes: list[list[int]] = []

    def put_rows(
        self, conn: sqlite3.Connection, folder_id: int, uidvalidity: int,
        rows: Iterable[Sequence[object]],
    ) -> None:
        rows = list(rows)
        self.writes.append([int(row[0]) for row in rows])  # type: ignore[call-overload]
        super().put_rows(conn, folder_id, uidvalidity, rows)


@pytest.mark.parametrize("workers", [0, 1])
def test_a_fill_writes_the_newest_rows_first_in_short_transactions(
    user: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    user.deliver(47)
    monkeypatch.setattr(sync_module, "COMMIT_ROWS", 4)
    index = RecordingIndex(tmp_path / "index.sqlite3")
    assert fill(user, index, workers=workers, chunk_size=10) == 47
    assert all(1 <= len(write) <= 4 for write in index.writes)
    written = [uid for write in index.writes for uid in write]
    assert written == sorted(written, reverse=True)  # each write: the newest not yet written
    assert sorted(written) == [row[0] for row in stored_rows(index)]


def test_a_write_waits_for_another_writer_and_goes_in_once_it_commits(tmp_path: Path) -> None:
    index = Index(tmp_path / "index.sqlite3")
    other = sqlite3.connect(index.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO meta VALUES ('held', 'by another writer')")
    released = threading.Event()

    def release() -> None:
        time.sleep(0.3)
        other.execute("COMMIT")
        released.set()

    threading.Thread(target=release).start()
    with index.transaction() as conn:
        assert released.is_set()  # the lock was held until then
        conn.execute("INSERT INTO meta VALUES ('mine', 'after it')")
    assert dict(other.execute("SELECT key, value FROM meta").fetchall())["mine"] == "after it"
    other.close()


def test_a_write_behind_a_writer_that_never_ends_gives_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = Index(tmp_path / "index.sqlite3")
    other = sqlite3.connect(index.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr("webmail.index.sqlite.opening.BUSY_TIMEOUT_MS", 200)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        with index.transaction():
            pass
    other.execute("ROLLBACK")
    other.close()
    with index.transaction() as conn:  # and the connection is usable afterwards
        conn.execute("INSERT INTO meta VALUES ('after', 'ok')")


def test_threads_switch_more_often_while_a_background_sync_runs() -> None:
    before = sys.getswitchinterval()
    seen: list[float] = []
    go = threading.Event()
    background = SyncJobs()

    def job() -> None:
        go.wait(10)
        seen.append(sys.getswitchinterval())
        seen.append(analysis.HELPER_NICE.get())

    assert background.start("acct", "INBOX", job)
    go.set()
    background.wait(10)
    assert seen == [min(before, jobs.SWITCH_INTERVAL), analysis.BACKGROUND_NICE]
    assert sys.getswitchinterval() == before
    assert analysis.HELPER_NICE.get() == 0  # not here: a sync this thread waits for


def test_the_helpers_of_a_background_sync_run_at_a_lower_priority(user: User) -> None:
    user.deliver(3)
    with user.client() as c:
        c.select_folder("INBOX", readonly=True)
        data = uid_command(imaplib_of(c), "FETCH", "1:*", wire.fetch_items())
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    for nice in (0, analysis.BACKGROUND_NICE):
        context = contextvars.copy_context()
        context.run(analysis.HELPER_NICE.set, nice)
        helpers = context.run(analysis.Helpers, 1, "INBOX", timedelta(hours=1))
        try:
            helpers.submit(data)
            assert len(helpers.take()) == 3  # answered: its nice() is done
            assert [os.getpriority(os.PRIO_PROCESS, pid) for pid in helpers.pids] == [
                min(19, mine + nice)
            ]
        finally:
            helpers.close()
