"""Whole messages a session opened a moment ago, so that one reading fetches and parses once.

Opening a message makes three requests: the read page, the sandboxed body frame it embeds,
and maybe "always show remote content from this sender". The page fetches the message
(``BODY.PEEK[]``) and parses it; it keeps both here for ``ttl`` seconds under the session's
pool key; the frame and the POST take them from here. Only those two read from the cache:
the page itself always fetches afresh, so flags and deletions show at once. Memory is
bounded: at most ``max_entries`` messages, the oldest dropped first; an entry whose message
is larger than ``max_bytes`` is not kept at all.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Generic, TypeVar

__all__ = ["RecentMessages"]

V = TypeVar("V")


class RecentMessages(Generic[V]):
    """A small thread-safe cache of opened messages keyed by (session key, folder, UID)."""

    def __init__(
        self, ttl: float = 60.0, max_entries: int = 64, max_bytes: int = 8 * 1024 * 1024
    ) -> None:
        self.ttl, self.max_entries, self.max_bytes = ttl, max_entries, max_bytes
        self._entries: OrderedDict[tuple[str, str, int], tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, session: str, folder: str, uid: int, value: V, size: int) -> None:
        """Keep ``value`` (a message of ``size`` bytes) for ``ttl`` seconds."""
        key = (session, folder, uid)
        with self._lock:
            self._entries.pop(key, None)
            if size > self.max_bytes:
                return
            self._entries[key] = (time.monotonic() + self.ttl, value)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def get(self, session: str, folder: str, uid: int) -> V | None:
        """The value kept for this message, or ``None`` when none is (or it expired)."""
        key = (session, folder, uid)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            return entry[1]

    def forget(self, session: str, folder: str | None = None, uid: int | None = None) -> None:
        """Drop what the session kept: one message, one folder's, or everything (logout)."""
        with self._lock:
            for key in [
                k
                for k in self._entries
                if k[0] == session and folder in (None, k[1]) and uid in (None, k[2])
            ]:
                del self._entries[key]
