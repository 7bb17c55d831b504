"""First syncs of big folders, run in the background so the list page never hangs.

:class:`SyncJobs` runs at most ``max_running`` jobs at a time in this process and at most one
per (account, folder); across processes and app instances the index's sync lease keeps a
second worker off a folder that is being filled (``webmail.mailbox.sync.sync_folder`` skips it).
A job opens its own IMAP connection: the session's pooled one stays free for page views.

A job given a :class:`Login` (how to log in again, picklable) and an index a process can open
again (SQLite's file; Redis from the settings) runs in a **fill process** of its own: a fresh
interpreter (never a fork of a threaded web worker) that logs in, syncs the folder into the
index and ends; its niceness is :data:`FILL_NICE`, and the helpers that build its rows
(``webmail.mailbox.analysis``) inherit it. The web worker's job thread only waits for it: the
fill's Python (reading the FETCH responses, the inserts, the helpers' pipes) never holds the
worker's GIL, so a page served meanwhile shares the CPU with a low-priority process, not the
interpreter with a busy thread. (``python3 -m bench.stall``, bench/README.md.) The fill process
ends with the worker: it watches its stdin, which only the worker holds open; its lease then
expires and the next page starts the job again.

A job without one runs in the thread itself (tests, a mailbox that is not IMAP, a process that
cannot start); meanwhile the interpreter switches threads every :data:`SWITCH_INTERVAL` seconds
(not Python's default 5 ms): the job's own Python would otherwise keep a page's thread waiting
up to 5 ms for the GIL after each of its socket and SQLite calls. The helper processes that
build such a job's rows run niced (``webmail.mailbox.analysis.BACKGROUND_NICE``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from webmail.mailbox import analysis

if TYPE_CHECKING:
    from webmail.config import Settings
    from webmail.index.store import IndexStore
    from webmail.mailbox import Mailbox

log = logging.getLogger(__name__)

#: The interpreter's thread switch interval while a job runs in this process (seconds).
SWITCH_INTERVAL = 0.001
#: How much a fill process lowers its priority (``os.nice``); its helpers inherit it. (At 100k
#: in bench/stall.py, pages during the fill: niced 10, p50 50 ms / p99 282 ms; niced 19, 36 /
#: 137 ms, the fill no slower, 45 s against 54 s, on a shared, loaded machine.)
FILL_NICE = 19
#: How long a fill process's lease check holds the folder before the process starts (seconds).
_PROBE_SECONDS = 5.0

Job = Callable[[], object]


@dataclass(frozen=True)
class Login:
    """How a background sync logs in on a connection of its own: called, a logged-in Mailbox
    (``webmail.mailbox.pool.open_mailbox``); pickled, what a fill process logs in with."""

    settings: Settings
    username: str
    password: str = field(repr=False)

    def __call__(self) -> Mailbox:
        from webmail.mailbox.pool import open_mailbox  # the pool imports this module's users

        return open_mailbox(self.settings, self.username, self.password)


@dataclass(frozen=True)
class Fill:
    """What a fill process needs: how to log in, which index (``index_path``: SQLite's file;
    ``None``: the settings' Redis), and the folder."""

    login: Login
    account: str
    folder: str
    threshold: timedelta
    index_path: str | None = None

    @classmethod
    def of(cls, reconnect: object, index: IndexStore, account: str, folder: str) -> Fill | None:
        """The fill of ``folder`` when a process can do it (``reconnect`` is a :class:`Login`
        and the index can be opened again from another process), else ``None``."""
        if not isinstance(reconnect, Login):
            return None
        from webmail.index.sqlite import Index

        threshold = index.threshold
        if isinstance(index, Index):
            return cls(reconnect, account, folder, threshold, str(index.path))
        if reconnect.settings.index_backend == "redis":
            from webmail.index.redis import RedisIndex  # only a Redis deployment has it

            if isinstance(index, RedisIndex):
                return cls(reconnect, account, folder, threshold, None)
        return None

    def open_index(self) -> IndexStore:
        if self.index_path is not None:
            from webmail.index.sqlite import Index

            return Index(self.index_path, self.threshold)
        from webmail.index import redis_index

        return redis_index(self.login.settings, self.threshold)

    def run(self) -> None:
        """The job itself (in the fill process): log in, sync the folder, close both."""
        from webmail.mailbox import syncing

        mbox = self.login()
        try:
            index = self.open_index()
            try:
                sync = syncing(mbox)
                if sync is not None:
                    sync.sync_folder(index, self.account, self.folder)
            finally:
                index.close()
        finally:
            mbox.close()


# What a fill process's interpreter runs (``python -c``): the parent's import path from the
# first frame on stdin (as the analysis helpers do), then :func:`_fill_main`.
_BOOTSTRAP = (
    "import pickle, struct, sys\n"
    "size = struct.unpack('>Q', sys.stdin.buffer.read(8))[0]\n"
    "sys.path[:] = pickle.loads(sys.stdin.buffer.read(size))\n"
    "from webmail.mailbox.jobs import _fill_main\n"
    "sys.exit(_fill_main())\n"
)


def start_fill_process(fill: Fill, nice: int = FILL_NICE) -> subprocess.Popen[bytes]:
    """A fill process doing ``fill``, started; it ends once done, or once its stdin closes.
    Raises OSError when it cannot start."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _BOOTSTRAP, str(nice)], stdin=subprocess.PIPE, close_fds=True
    )
    assert proc.stdin is not None
    try:
        analysis.write_frame(proc.stdin, list(sys.path))
        analysis.write_frame(proc.stdin, fill)
    except (OSError, ValueError):
        pass  # it died already: its exit code says so
    except Exception as exc:  # the fill would not pickle: end the process, sync in the thread
        proc.kill()
        proc.wait()
        with contextlib.suppress(OSError):
            proc.stdin.close()
        raise OSError(f"the fill could not be handed over: {exc}") from exc
    return proc


def run_fill_process(fill: Fill, nice: int = FILL_NICE) -> int:
    """Run ``fill`` in a fill process and wait for it; returns its exit code (0: done). Raises
    OSError when it cannot start. No deadline of its own: every wait in the fill is bounded
    (the IMAP timeout on each read, the index's busy timeout on each write), so a fill that
    has not ended is making progress, however big the folder."""
    proc = start_fill_process(fill, nice)
    try:
        return proc.wait()
    finally:
        if proc.stdin is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
        if proc.poll() is None:  # this thread was interrupted: the process ends with the pipe
            proc.wait()


def _exit_when_orphaned() -> None:
    """In a fill process: end it (and so its helpers' pipes) once the worker's end of stdin
    closes, i.e. when the worker is gone."""
    try:
        while sys.stdin.buffer.read(1):
            pass
    except (OSError, ValueError):
        pass
    os._exit(3)


def _fill_main() -> int:
    """A fill process: read its :class:`Fill`, lower its priority, do it."""
    logging.basicConfig(level=logging.WARNING, format="fill %(process)d: %(message)s")
    analysis.lower_priority_from_argv()
    try:
        fill = analysis.read_frame(sys.stdin.buffer)
    except EOFError:
        return 2
    if not isinstance(fill, Fill):
        return 2
    threading.Thread(target=_exit_when_orphaned, name="webmail-fill-parent", daemon=True).start()
    try:
        fill.run()
    except Exception:
        log.warning("background sync of a folder failed", exc_info=True)
        return 1
    return 0


class SyncJobs:
    """Bounded background syncs, one per key at most (see the module docstring)."""

    def __init__(self, max_running: int = 2) -> None:
        self.max_running = max_running
        self._running: dict[tuple[str, str], threading.Thread] = {}
        self._lock = threading.Lock()
        self._interval: float | None = None  # the switch interval before the first job
        self._in_thread = 0  # jobs running in their thread (not in a fill process)

    @staticmethod
    def login(settings: Settings, username: str, password: str) -> Login:
        """A :class:`Login`: the ``reconnect`` a background sync can take to a fill process."""
        return Login(settings, username, password)

    def running(self, account: str, folder: str) -> bool:
        """A job for this folder is running in this process."""
        with self._lock:
            thread = self._running.get((account, folder))
            return thread is not None and thread.is_alive()

    def running_folders(self, account: str) -> set[str]:
        """The folders of ``account`` whose job is running in this process."""
        with self._lock:
            return {f for (a, f), t in self._running.items() if a == account and t.is_alive()}

    def start(
        self, account: str, folder: str, job: Job, *, reconnect: object = None,
        index: IndexStore | None = None,
    ) -> bool:
        """Start ``job`` in a daemon thread unless one runs for this folder already or
        ``max_running`` are busy; returns whether it started. With a ``reconnect`` that is a
        :class:`Login` and an ``index`` another process can open, the thread runs the job in
        a fill process instead (:class:`Fill`; ``job`` is the fallback when the process cannot
        start). Errors are logged, never raised (the next page view starts the job again and
        the sync resumes where it was cut)."""
        key = (account, folder)
        fill = Fill.of(reconnect, index, account, folder) if index is not None else None
        with self._lock:
            self._running = {k: t for k, t in self._running.items() if t.is_alive()}
            if key in self._running or len(self._running) >= self.max_running:
                return False

            def run() -> None:
                try:
                    if fill is None or not self._in_process(fill, index):
                        self._in_this_thread(job)
                except Exception:
                    log.warning("background sync of a folder failed", exc_info=True)
                finally:
                    with self._lock:
                        if self._running.get(key) is threading.current_thread():
                            del self._running[key]

            thread = threading.Thread(target=run, name="webmail-first-sync", daemon=True)
            self._running[key] = thread
            thread.start()
        return True

    def _in_process(self, fill: Fill, index: IndexStore | None) -> bool:
        """Run ``fill`` in a fill process; ``False`` when none could start (run it here)."""
        assert index is not None
        # Another worker's sync holds the folder: nothing to do, no process to start (its
        # sync would only find the lease taken).
        probe = f"{os.getpid()}:probe:{uuid.uuid4().hex}"
        if not index.claim(fill.account, fill.folder, probe, _PROBE_SECONDS):
            return True
        index.release(fill.account, fill.folder, probe)
        try:
            code = run_fill_process(fill)
        except OSError as exc:
            log.warning("the fill process did not start (%s): syncing in this thread", exc)
            return False
        if code:
            log.warning("background sync of %r: the fill process ended with %d", fill.folder, code)
        return True

    def _in_this_thread(self, job: Job) -> None:
        """Run ``job`` here, its helpers niced, the switch interval short meanwhile."""
        with self._lock:
            if self._in_thread == 0:
                self._interval = sys.getswitchinterval()
                sys.setswitchinterval(min(self._interval, SWITCH_INTERVAL))
            self._in_thread += 1
        analysis.HELPER_NICE.set(analysis.BACKGROUND_NICE)  # this thread's context
        try:
            job()
        finally:
            with self._lock:
                self._in_thread -= 1
                if self._in_thread == 0 and self._interval is not None:
                    sys.setswitchinterval(self._interval)
                    self._interval = None

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for the running jobs (tests, shutdown)."""
        with self._lock:
            threads = list(self._running.values())
        for thread in threads:
            thread.join(timeout)


__all__ = ["FILL_NICE", "Fill", "Login", "SyncJobs", "run_fill_process", "start_fill_process"]
