"""Opening mailboxes, and keeping one live IMAP connection per session across HTTP requests.

Connecting and logging in costs a TCP (and TLS) handshake, and a fresh IMAP session pays for
its first header FETCH again (~60-70 ms at 100k messages, ~1 ms for the same FETCH later in
the session, measured on Dovecot 2.3), so the web layer should not connect per
request. :class:`MailboxPool` keeps one connection per session key::

    pool = MailboxPool(settings)
    with pool.mailbox(session_id, username, password) as mbox:   # the key's lock is held here
        rows = mbox.summaries("INBOX")
    pool.discard(session_id)                                      # on logout

Guarantees:

- One request at a time per key: the key's lock is held for the whole ``with`` block (IMAP
  connections are not thread-safe); other keys run in parallel.
- Every block has a deadline (``deadline=``, by default ``settings.request_deadline`` seconds
  from its start): waiting for the key's lock ends there with ServerTimeout, and so does a
  block whose mailbox can be held to it (:class:`~webmail.mailbox.TimeBound`) when its answers
  are not all in by then, however slowly the server keeps sending.
- A cached connection is checked with NOOP before it is handed out; when that fails (server
  restarted, idle logout, network cut) it is closed and a new one is opened once,
  transparently. Failing to connect raises the usual MailboxError (AuthError, ...).
- A connection whose block raised ConnectionLost, ServerTimeout, ServerUnavailable or
  TLSFailure is dropped (its protocol state is unknown); the next request reconnects.
  ``pool.run(key, user, password, fn)`` also retries ``fn`` once after a ConnectionLost.
- :meth:`MailboxPool.discard` never waits for a running request: the connection is marked
  removed and that request closes it when its block ends.
- Connections idle for ``idle_seconds`` are logged out (by a daemon thread started on first
  use, and on every call); at most ``max_size`` are kept: the least recently used idle one is
  closed first.
- Credentials are part of the cache key: a different username or password opens a new
  connection. Passwords are kept only as a salted hash inside the pool.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from webmail.config import Settings
from webmail.mailbox import (
    ConnectionLost,
    Mailbox,
    MailboxError,
    ServerTimeout,
    ServerUnavailable,
    TLSFailure,
    time_bound,
)
from webmail.mailbox.demo import DemoMailbox, DemoStore, check_demo_credentials

__all__ = ["MailboxPool", "open_mailbox"]

T = TypeVar("T")

# Errors after which a connection's protocol state is unknown: never reuse it.
_FATAL = (ConnectionLost, ServerTimeout, ServerUnavailable, TLSFailure)


def open_mailbox(
    settings: Settings, username: str, password: str, *, demo_store: DemoStore | None = None,
    client_address: str | None = None,
) -> Mailbox:
    """Log in and return a Mailbox: the demo mailbox when ``settings.demo``, else IMAP.

    Raises AuthError for wrong credentials, and ServerUnavailable, ServerTimeout, TLSFailure or
    ConnectionLost when the server cannot be reached. ``demo_store`` selects the demo store
    (default: the process-wide one). ``client_address``, the reader's address, goes to an
    IMAP server that offers ID (see ``ImapMailbox.connect``).
    """
    threshold = timedelta(minutes=settings.late_threshold_minutes)
    if settings.demo:
        check_demo_credentials(username, password)
        return DemoMailbox(demo_store, threshold=threshold)
    from webmail.mailbox.imap import ImapMailbox  # imported here: demo mode needs no imapclient

    return ImapMailbox.connect(settings, username, password, client_address=client_address)


def _close_quietly(mbox: Mailbox | None) -> None:
    if mbox is not None:
        with contextlib.suppress(Exception):
            mbox.close()


def _bounded(mbox: Mailbox, deadline: float) -> contextlib.AbstractContextManager[None]:
    """The mailbox's deadline block (:class:`~webmail.mailbox.TimeBound`), else nothing."""
    bound = time_bound(mbox)
    return bound.within(deadline) if bound is not None else contextlib.nullcontext()


@dataclass(eq=False)
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    mailbox: Mailbox | None = None
    credentials: bytes = b""
    last_used: float = field(default_factory=time.monotonic)
    removed: bool = False


class MailboxPool:
    """Thread-safe cache of one logged-in Mailbox per session key (see the module docstring).

    :param settings: how to connect (passed to :func:`open_mailbox`).
    :param max_size: most connections kept; the least recently used idle ones go first.
    :param idle_seconds: a connection unused this long is closed.
    :param wait_seconds: how long a request waits for the same key's running request before
        giving up with ServerTimeout (default: the IMAP read timeout plus the connect timeout).
    :param check_after: NOOP a cached connection only when it was idle at least this long
        (0: before every use).
    :param demo_store: the demo store for demo mode (default: the process-wide one).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        max_size: int = 100,
        idle_seconds: float = 300.0,
        wait_seconds: float | None = None,
        check_after: float = 0.0,
        demo_store: DemoStore | None = None,
    ) -> None:
        self.settings = settings
        self.max_size = max_size
        self.idle_seconds = idle_seconds
        self.wait_seconds = (
            wait_seconds
            if wait_seconds is not None
            else settings.imap_timeout + settings.imap_connect_timeout
        )
        self.check_after = check_after
        self.demo_store = demo_store
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._salt = os.urandom(16)
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None

    def open(self, username: str, password: str) -> Mailbox:
        """A new connection of its own, outside the pool (a background sync's): the caller
        closes it. Raises what :func:`open_mailbox` raises."""
        return open_mailbox(self.settings, username, password, demo_store=self.demo_store)

    def __len__(self) -> int:
        """Number of live cached connections."""
        with self._lock:
            return sum(1 for e in self._entries.values() if e.mailbox is not None)

    def _fingerprint(self, username: str, password: str) -> bytes:
        return hashlib.sha256(
            self._salt + username.encode() + b"\0" + password.encode("utf-8", "surrogatepass")
        ).digest()

    def _start_reaper(self) -> None:
        # Started on first use, not in __init__, so it survives a pre-fork server (gunicorn).
        if self._reaper is not None and self._reaper.is_alive():
            return
        interval = max(1.0, min(60.0, self.idle_seconds / 4))

        def loop() -> None:
            while not self._stop.wait(interval):
                self.close_idle()

        self._reaper = threading.Thread(target=loop, name="mailbox-pool-reaper", daemon=True)
        self._reaper.start()

    def _take_unused(self, keep: int) -> list[Mailbox]:
        """Under self._lock: remove idle-expired entries and LRU entries beyond ``keep``."""
        now = time.monotonic()
        victims: list[Mailbox] = []
        by_age = sorted(self._entries.items(), key=lambda kv: kv[1].last_used)
        excess = len(by_age) - keep
        for key, entry in by_age:
            expired = now - entry.last_used >= self.idle_seconds
            if not (expired or excess > 0) or not entry.lock.acquire(blocking=False):
                continue
            try:
                del self._entries[key]
                entry.removed = True
                excess -= 1
                if entry.mailbox is not None:
                    victims.append(entry.mailbox)
                    entry.mailbox = None
            finally:
                entry.lock.release()
        return victims

    def close_idle(self) -> int:
        """Close connections idle for ``idle_seconds`` or beyond ``max_size``; returns how many."""
        with self._lock:
            victims = self._take_unused(self.max_size)
        for mbox in victims:
            _close_quietly(mbox)
        return len(victims)

    def _acquire(self, key: str, until: float) -> _Entry:
        deadline = min(time.monotonic() + self.wait_seconds, until)
        while True:
            with self._lock:
                entry = self._entries.get(key)
                victims: list[Mailbox] = []
                if entry is None:
                    victims = self._take_unused(self.max_size - 1)
                    entry = self._entries[key] = _Entry()
            for mbox in victims:
                _close_quietly(mbox)
            if not entry.lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise ServerTimeout(f"another request of session {key!r} is still running")
            if not entry.removed:
                return entry
            entry.lock.release()  # discarded while we waited: take a fresh entry

    @contextlib.contextmanager
    def mailbox(
        self, key: str, username: str, password: str, *, deadline: float | None = None
    ) -> Iterator[Mailbox]:
        """Hold ``key``'s lock and yield its live Mailbox, connecting or reconnecting as needed.

        ``deadline`` (``time.monotonic()`` seconds; default ``settings.request_deadline`` from
        now) bounds the wait for the lock and the block's server answers: past it, ServerTimeout.
        Raises what :func:`open_mailbox` raises when a connection cannot be made.
        """
        self._start_reaper()
        if deadline is None:
            deadline = time.monotonic() + self.settings.request_deadline
        entry = self._acquire(key, deadline)
        victim: Mailbox | None = None
        try:
            fingerprint = self._fingerprint(username, password)
            if entry.mailbox is not None and entry.credentials != fingerprint:
                _close_quietly(entry.mailbox)
                entry.mailbox = None
            if entry.mailbox is not None and time.monotonic() - entry.last_used >= self.check_after:
                try:
                    with _bounded(entry.mailbox, deadline):
                        entry.mailbox.noop()
                except MailboxError:  # the cached connection died: reconnect once below
                    _close_quietly(entry.mailbox)
                    entry.mailbox = None
            if entry.mailbox is None:
                if time.monotonic() >= deadline:
                    raise ServerTimeout(f"request deadline passed before session {key!r} connected")
                entry.mailbox = self.open(username, password)
                entry.credentials = fingerprint
            try:
                with _bounded(entry.mailbox, deadline):
                    yield entry.mailbox
            except BaseException as exc:
                if isinstance(exc, _FATAL) or not isinstance(exc, Exception):
                    _close_quietly(entry.mailbox)
                    entry.mailbox = None
                raise
        finally:
            entry.last_used = time.monotonic()
            with self._lock:  # under the pool lock, so a discard() now cannot slip past us
                if entry.mailbox is None and self._entries.get(key) is entry:
                    del self._entries[key]
                    entry.removed = True
                if entry.removed:  # discarded while this block ran: closing it is ours to do
                    victim, entry.mailbox = entry.mailbox, None
                entry.lock.release()
            _close_quietly(victim)

    def run(
        self, key: str, username: str, password: str, action: Callable[[Mailbox], T],
        *, deadline: float | None = None,
    ) -> T:
        """Run ``action(mailbox)``; after a ConnectionLost, reconnect and run it once more,
        both under one ``deadline`` (as for :meth:`mailbox`).

        Only for actions that are safe to repeat (reads, setting flags).
        """
        if deadline is None:
            deadline = time.monotonic() + self.settings.request_deadline
        try:
            with self.mailbox(key, username, password, deadline=deadline) as mbox:
                return action(mbox)
        except ConnectionLost:
            with self.mailbox(key, username, password, deadline=deadline) as mbox:
                return action(mbox)

    def discard(self, key: str) -> None:
        """Log out and forget ``key``'s connection (on logout, after an error). Never waits:
        while a request of ``key`` runs, it is only marked removed, and that request closes
        it when its block ends (an error page must not hang behind a request that hangs)."""
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is None:
                return
            entry.removed = True
            if not entry.lock.acquire(blocking=False):
                return
        mbox, entry.mailbox = entry.mailbox, None
        entry.lock.release()
        _close_quietly(mbox)

    def close_all(self) -> None:
        """Stop the reaper and log out every connection (at shutdown)."""
        self._stop.set()
        with self._lock:
            keys = list(self._entries)
        for key in keys:
            self.discard(key)
