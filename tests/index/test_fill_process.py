"""A background first sync in a fill process of its own (webmail.mailbox.jobs): it logs in,
fills the index exactly as a sync in the web worker's thread does, runs at a lower priority,
and ends when the worker is gone. Against a real Dovecot."""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from tests.support.syncdata import User
from webmail.config import Settings
from webmail.index.rows import DB_ORDER
from webmail.index.sqlite import Index
from webmail.mailbox import jobs
from webmail.mailbox.jobs import Fill, SyncJobs
from webmail.mailbox.sync import sync_folder

REPO = Path(__file__).resolve().parents[2]


def settings_for(user: User) -> Settings:
    return Settings(
        imap_host="127.0.0.1", imap_port=user.server.port, imap_security="plain",
        imap_connect_timeout=5.0, imap_timeout=30.0, secret_key="test-secret",
    )


def stored_rows(index: Index) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(index.path)
    try:
        return conn.execute(f"SELECT {', '.join(DB_ORDER)} FROM messages ORDER BY uid").fetchall()
    finally:
        conn.close()


def fill_processes() -> dict[int, int]:
    """This process's children that are fill processes: pid -> niceness."""
    found: dict[int, int] = {}
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"_fill_main" in cmdline:
                    found[int(pid)] = os.getpriority(os.PRIO_PROCESS, int(pid))
            except (OSError, ProcessLookupError):
                pass
    return found


def gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status or "\nState:\tX" in status


def test_a_background_first_sync_with_a_login_fills_the_index_from_a_process_of_its_own(
    user: User, tmp_path: Path
) -> None:
    user.deliver(150)
    here = Index(tmp_path / "here.sqlite3")
    with user.client() as c:
        assert sync_folder(c, here, user.account, "INBOX").added == 150
    index = Index(tmp_path / "index.sqlite3")
    background = SyncJobs()
    in_thread: list[int] = []
    seen: dict[int, int] = {}
    login = background.login(settings_for(user), user.name, user.password)
    assert background.start(
        user.account, "INBOX", lambda: in_thread.append(1), reconnect=login, index=index
    )
    while background.running(user.account, "INBOX"):
        seen.update(fill_processes())
        time.sleep(0.005)
    background.wait(60)
    assert in_thread == []  # the web worker's thread did not sync
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert list(seen.values()) == [min(19, mine + jobs.FILL_NICE)]
    assert stored_rows(index) == stored_rows(here)
    state = index.state(user.account, "INBOX")
    assert state is not None and state.complete and state.total == 150
    assert index.claim(user.account, "INBOX", "after", 5)  # the fill released its lease


def test_a_fill_process_that_cannot_log_in_leaves_the_folder_to_the_next_page(
    user: User, tmp_path: Path
) -> None:
    user.deliver(5)
    index = Index(tmp_path / "index.sqlite3")
    background = SyncJobs()
    login = background.login(settings_for(user), user.name, "not-the-password")
    assert background.start(user.account, "INBOX", lambda: None, reconnect=login, index=index)
    background.wait(60)
    assert not background.running(user.account, "INBOX")
    assert index.counts(user.account, "INBOX")[0] == 0
    # The next page's job (with the right password) fills it.
    login = background.login(settings_for(user), user.name, user.password)
    assert background.start(user.account, "INBOX", lambda: None, reconnect=login, index=index)
    background.wait(60)
    assert index.counts(user.account, "INBOX")[0] == 5


def test_a_job_without_a_login_still_syncs_in_its_thread(user: User, tmp_path: Path) -> None:
    index = Index(tmp_path / "index.sqlite3")
    background = SyncJobs()
    ran = threading.Event()
    assert background.start(user.account, "INBOX", ran.set, reconnect=lambda: None, index=index)
    background.wait(10)
    assert ran.is_set()


def test_a_fill_that_cannot_be_handed_over_ends_its_process_and_syncs_in_the_thread(
    user: User, tmp_path: Path
) -> None:
    index = Index(tmp_path / "index.sqlite3")
    login = jobs.Login(settings_for(user), user.name, user.password)
    unpicklable = Fill(login, user.account, "INBOX", timedelta(hours=1), str(index.path))
    object.__setattr__(unpicklable, "threshold", lambda: 60)  # a lambda does not pickle
    before = set(fill_processes())
    try:
        jobs.start_fill_process(unpicklable, nice=0)
    except OSError as exc:
        assert "handed over" in str(exc)
    else:
        raise AssertionError("start_fill_process took a fill it could not send")
    assert set(fill_processes()) == before  # the process it started is ended and reaped
    assert not SyncJobs()._in_process(unpicklable, index)  # so the job runs in its thread


def test_a_fill_process_ends_when_its_web_worker_is_killed(user: User, tmp_path: Path) -> None:
    user.deliver(400)
    index = Index(tmp_path / "index.sqlite3")
    fill = Fill(
        jobs.Login(settings_for(user), user.name, user.password), user.account, "INBOX",
        timedelta(hours=1), str(index.path),
    )
    # A stand-in web worker: starts the fill process, says its pid, and waits.
    worker = subprocess.Popen(
        [sys.executable, "-c",
         "import pickle, sys, time\n"
         "from webmail.mailbox.jobs import start_fill_process\n"
         "proc = start_fill_process(pickle.loads(bytes.fromhex(sys.argv[1])), nice=0)\n"
         "print(proc.pid, flush=True)\n"
         "time.sleep(120)\n",
         pickle.dumps(fill).hex()],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert worker.stdout is not None
        pid = int(worker.stdout.readline())
        assert not gone(pid)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        deadline = time.monotonic() + 20
        while not gone(pid):
            assert time.monotonic() < deadline, "the fill process outlived its worker"
            time.sleep(0.01)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        if worker.stdout is not None:
            worker.stdout.close()
    # Whatever it committed stays; a later sync completes the folder (the lease is free at
    # the latest once it expires).
    deadline = time.monotonic() + 30
    while not index.claim(user.account, "INBOX", "later", 5):
        assert time.monotonic() < deadline, "the killed fill's lease never expired"
        time.sleep(0.2)
    index.release(user.account, "INBOX", "later")
    with user.client() as c:
        sync_folder(c, index, user.account, "INBOX")
    assert index.counts(user.account, "INBOX")[0] == 400
