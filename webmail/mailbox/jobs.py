"""First syncs of big folders, run in background threads so the list page never hangs.

:class:`SyncJobs` runs at most ``max_running`` jobs at a time in this process and at most one
per (account, folder); across processes and app instances the index's sync lease keeps a
second worker off a folder that is being filled (``webmail.mailbox.sync.sync_folder`` skips it).
A job opens its own IMAP connection: the session's pooled one stays free for page views.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Job = Callable[[], object]


class SyncJobs:
    """Bounded background sync threads, one per key at most (see the module docstring)."""

    def __init__(self, max_running: int = 2) -> None:
        self.max_running = max_running
        self._running: dict[tuple[str, str], threading.Thread] = {}
        self._lock = threading.Lock()

    def running(self, account: str, folder: str) -> bool:
        """A job for this folder is running in this process."""
        with self._lock:
            thread = self._running.get((account, folder))
            return thread is not None and thread.is_alive()

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
                try:
                    job()
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

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for the running jobs (tests, shutdown)."""
        with self._lock:
            threads = list(self._running.values())
        for thread in threads:
            thread.join(timeout)


__all__ = ["SyncJobs"]
