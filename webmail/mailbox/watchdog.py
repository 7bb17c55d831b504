"""A deadline watchdog: run an action when a deadline passes, unless it was disarmed first.

One daemon thread per process serves every armed deadline (a heap ordered by deadline), so a
request pays for a heap push, not a thread. ``ImapMailbox.within`` arms it to shut the socket
of a request whose mail server has not answered in time: a server that drips its answer byte
by byte never trips a socket read timeout, but a socket shut down under a blocked read ends
the read at once.

Actions run in the watchdog thread under its lock, so they must be quick and must not block
(``socket.shutdown`` is); :meth:`Watchdog.disarm` therefore tells for certain whether the
action ran, and once it returns the action never will.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from collections.abc import Callable

__all__ = ["WATCHDOG", "Watchdog"]


class Watchdog:
    """Deadlines in ``time.monotonic()`` seconds, each with an action (see the module docstring)."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        # Also the fork handler: the child has no watchdog thread, and the lock may have been
        # held by a thread of the parent that does not exist in the child.
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int]] = []
        self._armed: dict[int, Callable[[], None]] = {}
        self._tokens = itertools.count(1)
        self._thread: threading.Thread | None = None

    def arm(self, deadline: float, action: Callable[[], None]) -> int:
        """Run ``action()`` once at ``deadline`` unless :meth:`disarm` comes first; returns
        the token to disarm it with. A deadline already past runs at once."""
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="webmail-deadline-watchdog", daemon=True
                )
                self._thread.start()
            token = next(self._tokens)
            self._armed[token] = action
            heapq.heappush(self._heap, (deadline, token))
            self._cond.notify()
        return token

    def disarm(self, token: int) -> bool:
        """Cancel the deadline of ``token``; returns whether its action ran (or was running)
        before. Afterwards the action never runs."""
        with self._cond:
            return self._armed.pop(token, None) is None

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._armed:
                    heapq.heappop(self._heap)  # disarmed
                if not self._heap:
                    self._cond.wait()
                    continue
                deadline, token = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                action = self._armed.pop(token)
                try:
                    action()
                except Exception:  # an action's failure must not stop every other deadline
                    pass


#: The process's watchdog.
WATCHDOG = Watchdog()
os.register_at_fork(after_in_child=WATCHDOG._reset)
