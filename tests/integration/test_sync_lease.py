"""A first sync killed mid-way (``kill -9``, a worker's OOM kill) does not hold its folder:
its lease lives on heartbeats, so a live sync takes the folder over within the lease's short
expiry, on either index backend. A slow but live sync keeps its lease however long it pauses.

The first sync runs in a real child process against Dovecot and pauses after its first chunk
(in its progress callback, as a long FETCH would), which is when it is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.imapserver import Dovecot
from tests.support.syncdata import User
from webmail.index.sqlite import Index
from webmail.index.store import IndexStore
from webmail.mailbox.sync import LEASE_SECONDS, sync_folder

MESSAGES = 600
CHUNK = 100
LEASE = 2.0  # short, so the test is quick; the app uses LEASE_SECONDS
BOUND = 30.0  # whatever must happen, happens well before this

# The first sync, in a process of its own: after its first chunk it says so in ``started``
# and pauses (it is killed there).
CHILD = r"""
import sys, time
from datetime import timedelta
from pathlib import Path
from imapclient import IMAPClient
from webmail.mailbox.sync import sync_folder

host, port, name, password, account, backend, where, started, lease = sys.argv[1:]
if backend == "redis":
    from webmail.index.redis import RedisIndex
    index = RedisIndex.from_url(where, timedelta(hours=1))
else:
    from webmail.index.sqlite import Index
    index = Index(where, timedelta(hours=1))
client = IMAPClient(host, port=int(port), ssl=False, timeout=10)
client.normalise_times = False
client.login(name, password)

def progress(done, total):
    Path(started).write_text(str(done))
    time.sleep(120)

sync_folder(client, index, account, "INBOX", progress, chunk_size=100, lease_seconds=float(lease))
"""


def _open(backend: str, where: str) -> IndexStore:
    if backend == "redis":
        from webmail.index.redis import RedisIndex

        return RedisIndex.from_url(where, timedelta(hours=1))
    return Index(where, timedelta(hours=1))


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(backend, where): an SQLite file in the temp folder, or the session's Redis."""
    if request.param == "redis":
        return "redis", str(request.getfixturevalue("redis_url"))
    return "sqlite", str(tmp_path / "index.sqlite3")


def test_the_lease_is_short_and_renewed_well_within_it() -> None:
    assert LEASE_SECONDS <= 15.0


def test_a_killed_first_sync_is_taken_over_within_the_lease(
    dovecot: Dovecot, backend: tuple[str, str], tmp_path: Path
) -> None:
    kind, where = backend
    user = User(dovecot)
    user.deliver(MESSAGES)
    index = _open(kind, where)
    started = tmp_path / "started"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, dovecot.host, str(dovecot.port), user.name, user.password,
         user.account, kind, where, str(started), str(LEASE)],
        cwd=Path(__file__).resolve().parents[2],
        stderr=subprocess.PIPE,
    )
    try:
        limit = time.monotonic() + BOUND
        while not started.exists():
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            assert time.monotonic() < limit, "the child's sync never committed a chunk"
            time.sleep(0.05)
        # Alive but paused (a long FETCH): its heartbeat keeps the folder, past the lease.
        paused_until = time.monotonic() + 1.5 * LEASE
        with user.client() as c:
            while time.monotonic() < paused_until:
                assert sync_folder(c, index, user.account, "INBOX", lease_seconds=LEASE).skipped
                time.sleep(0.2)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(BOUND)
        killed = time.monotonic()
        with user.client() as c:
            while True:
                result = sync_folder(c, index, user.account, "INBOX", lease_seconds=LEASE)
                stall = time.monotonic() - killed
                if not result.skipped:
                    break
                assert stall < LEASE + 5.0, f"the killed sync held the folder for {stall:.0f} s"
                time.sleep(0.1)
        state = index.state(user.account, "INBOX")
        assert state is not None and state.complete
        assert state.total == MESSAGES  # what the killed sync committed is kept, the rest added
        assert result.added == MESSAGES - int(started.read_text())
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(BOUND)
        if child.stderr:
            child.stderr.close()
        index.close()
