"""First syncs of big folders, run in background threads so the list page never hangs.

:class:`SyncJobs` runs at most ``max_running`` jobs at a time in this process and at most one
per (account, folder); across processes and app instances the index's sync lease keeps a
second worker off a folder that is being filled (``webmail.mailbox.sync.sync_folder`` skips it).
A job opens its own IMAP connection: the session's pooled one stays free for page views.

While a job runs, the interpreter switches threads every :data:`SWITCH_INTERVAL` seconds (not
Python's default 5 ms): the job's own Python (reading the FETCH responses, writing rows; the
rows themselves are built in helper processes, see ``webmail.mailbox.analysis``) would
otherwise keep a page's thread waiting up to 5 ms for the GIL after each of its socket and
SQLite calls. The helper processes that build a job's rows run niced
(``webmail.mailbox.analysis.BACKGROUND_NICE``): the pages go first.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

from webmail.mailbox import analysis

log = logging.getLogger(__name__)

#: The interpreter's thread switch interval while a job runs in this process (seconds).
SWITCH_INTERVAL = 0.001

Job = Callable[[], object]


class SyncJobs:
    """Bounded background sync threads, one per key at most (see the module docstring)."""

    def __init__(self, max_running: int = 2) -> None:
        self.max_running = max_running
        self._running: dict[tuple[str, str], threading.Thread] = {}
        self._lock = threading.Lock()
        self._interval: float | None = None  # the switch interval before the first job

    def running(self, account: str, folder: str) -> bool:
        """A job for this folder is running in this process."""
        with self._lock:
            thread = self._running.get((account, folder))
            return thread is not None and thread.is_alive()

    def running_folders(self, account: str) -> set[str]:
        """The folders of ``account`` whose job is running in this process."""
        with self._lock:
            return {f for (a, f), t in self._running.items() if a == account and t.is_alive()}

    def start(self, account: str, folder: str, job: Job) -> bool:
        """Run ``job`` in a daemon thread unless one runs for this folder already or
        ``max_running`` are busy; returns whether it started. Errors are logged, never raised
        (the next page view starts the job again and the sync resumes where it was cut)."""
        key = (account, folder)
        with self._lock:
            self._running = {k: t for k, t in self._running.items() if t.is_alive()}
            if key in self._running or len(self._running) >= self.max_running:
                return False

            def run() -> None:
                analysis.HELPER_NICE.set(analysis.BACKGROUND_NICE)  # this thread's context
                try:
                    job()
                except Exception:
                    log.warning("background sync of a folder failed", exc_info=True)
                finally:
                    with self._lock:
                        if self._running.get(key) is threading.current_thread():
                            del self._running[key]
                        self._restore_interval()

            thread = threading.Thread(target=run, name="webmail-first-sync", daemon=True)
            self._running[key] = thread
            if self._interval is None:
                self._interval = sys.getswitchinterval()
                sys.setswitchinterval(min(self._interval, SWITCH_INTERVAL))
            thread.start()
        return True

    def _restore_interval(self) -> None:
        """Under the lock: the interpreter's switch interval back once no job runs."""
        me = threading.current_thread()
        others = [t for t in self._running.values() if t.is_alive() and t is not me]
        if not others and self._interval is not None:
            sys.setswitchinterval(self._interval)
            self._interval = None

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for the running jobs (tests, shutdown)."""
        with self._lock:
            threads = list(self._running.values())
        for thread in threads:
            thread.join(timeout)


__all__ = ["SyncJobs"]
