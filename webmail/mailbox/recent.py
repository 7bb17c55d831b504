"""Messages a session opened a moment ago, so that one reading fetches and parses once.

Opening a message makes several requests: the read page, the sandboxed body frame it embeds,
maybe "always show remote content from this sender", a reply. The first of them fetches the
message (``BODY.PEEK[]``), parses it and keeps both here (with what was rendered of it); the
others take them from here. What is kept is keyed by its owner (the reader and their session:
one user's message is never served to another, nor to another session), the folder, the
folder's UIDVALIDITY and the UID: under one UIDVALIDITY a UID names one message for good
(RFC 3501 §2.3.1.1), so a kept copy is the message itself. The views look a message up under
the UIDVALIDITY the server gives *now* (``Mailbox.message_state``: ``EXAMINE`` + ``UID FETCH
(FLAGS)``, no body): a folder deleted and made again has a new one, and its messages are
fetched afresh. A mailbox that cannot say (``None``) is looked up under ``None``.

Memory is bounded in bytes: each entry is charged its size (the raw message, its decoded
texts, its renderings, as the caller says), at most ``max_bytes`` in all, the least recently
used dropped first; an entry over ``max_entry_bytes`` is not kept at all. Entries expire
``ttl`` seconds after they were last used.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["RecentMessages"]

V = TypeVar("V")

Key = tuple[Hashable, str, "int | None", int]


class RecentMessages(Generic[V]):
    """A thread-safe LRU of opened messages keyed by (owner, folder, UIDVALIDITY, UID),
    bounded in bytes (see the module docstring)."""

    def __init__(
        self,
        ttl: float = 300.0,
        max_bytes: int = 64 * 1024 * 1024,
        max_entry_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        self.ttl, self.max_bytes, self.max_entry_bytes = ttl, max_bytes, max_entry_bytes
        # key -> [expiry, value, size]
        self._entries: OrderedDict[Key, list[object]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0

    def _drop(self, key: Key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.bytes -= int(entry[2])  # type: ignore[call-overload]

    def _shrink(self) -> None:
        while self.bytes > self.max_bytes and self._entries:
            self._drop(next(iter(self._entries)))

    def put(
        self, owner: Hashable, folder: str, validity: int | None, uid: int, value: V, size: int
    ) -> None:
        """Keep ``value`` (``size`` bytes) for this message."""
        key = (owner, folder, validity, uid)
        with self._lock:
            self._drop(key)
            if size > self.max_entry_bytes:
                return
            self._entries[key] = [time.monotonic() + self.ttl, value, size]
            self.bytes += size
            self._shrink()

    def charge(
        self, owner: Hashable, folder: str, validity: int | None, uid: int, extra: int
    ) -> None:
        """Add ``extra`` bytes to a kept entry's size (something rendered of it was kept with
        it); an entry that grows over ``max_entry_bytes`` is dropped."""
        key = (owner, folder, validity, uid)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return
            entry[2] = int(entry[2]) + extra  # type: ignore[call-overload]
            self.bytes += extra
            if int(entry[2]) > self.max_entry_bytes:  # type: ignore[call-overload]
                self._drop(key)
            self._shrink()

    def get(self, owner: Hashable, folder: str, validity: int | None, uid: int) -> V | None:
        """The value kept for this message, or ``None`` when none is (or it expired)."""
        key = (owner, folder, validity, uid)
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if float(entry[0]) < now:  # type: ignore[arg-type]
                self._drop(key)
                return None
            entry[0] = now + self.ttl
            self._entries.move_to_end(key)
            return entry[1]  # type: ignore[return-value]

    def holds(self, owner: Hashable, folder: str, uid: int) -> bool:
        """Whether anything is kept for this UID of ``folder``, under any UIDVALIDITY (when
        not, there is nothing to check against the server)."""
        with self._lock:
            return any(k[0] == owner and k[1] == folder and k[3] == uid for k in self._entries)

    def forget(self, owner: Hashable, folder: str | None = None, uid: int | None = None) -> None:
        """Drop what the owner kept: one message, one folder's, or everything (logout)."""
        with self._lock:
            for key in [
                k
                for k in self._entries
                if k[0] == owner and folder in (None, k[1]) and uid in (None, k[3])
            ]:
                self._drop(key)
