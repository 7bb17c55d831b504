"""The seam the views use to reach mail: the :class:`Mailbox` Protocol and its optional
capabilities.

Implementations: ``webmail.mailbox.imap.ImapMailbox`` (any IMAP server; the only importer of
imapclient) and ``webmail.mailbox.demo.DemoMailbox`` (the bundled outage replay), opened by
``webmail.mailbox.pool``. Views never talk IMAP and never ask which implementation they hold:
an optional capability is a small Protocol of its own (:class:`Syncing`, found with
:func:`syncing`; :class:`TimeBound`, found with :func:`time_bound`). Errors are
:mod:`webmail.mailbox.errors` kinds with a ``user_message``.
Importing this package imports no IMAP library.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from webmail.mailbox.errors import (
    AuthError,
    ConnectionLost,
    MailboxError,
    NotFound,
    ServerRefused,
    ServerTimeout,
    ServerUnavailable,
    TLSFailure,
)
from webmail.mailbox.paging import Order, Page
from webmail.message.summary import (
    ANSWERED,
    DELETED,
    FLAGGED,
    LIST_HEADER_FIELDS,
    SEEN,
    MessageSummary,
)

if TYPE_CHECKING:
    from datetime import datetime

    from webmail.index.store import IndexStore
    from webmail.mailbox.sync import SyncResult

__all__ = [
    "ANSWERED", "DELETED", "FLAGGED", "LIST_HEADER_FIELDS", "ROLE_ORDER", "SEEN", "SECTION",
    "AuthError", "ConnectionLost", "Folder", "FullMessage", "Mailbox", "MailboxError",
    "MessageSummary", "NotFound", "Order", "Page", "ServerRefused", "ServerTimeout",
    "ServerUnavailable", "Syncing", "TLSFailure", "TimeBound", "sort_folders", "syncing",
    "time_bound",
]

#: An IMAP section number (RFC 3501 §6.4.5) as the part endpoints accept it: ``2``, ``1.2`` ...
SECTION = re.compile(r"[1-9][0-9]{0,5}(?:\.[1-9][0-9]{0,5}){0,31}")

ROLE_ORDER = ("inbox", "drafts", "sent", "junk", "trash", "archive")


@dataclass(frozen=True)
class Folder:
    """A mailbox folder.

    :ivar name: the folder name as the server knows it (decoded from modified UTF-7).
    :ivar display_name: what to show ("Inbox", "Sent", or the last path segment).
    :ivar role: special-use role: inbox, sent, drafts, trash, junk, archive, or ``None``.
    :ivar unseen: unread count, or ``None`` when unknown.
    :ivar total: message count, or ``None`` when unknown.
    :ivar delimiter: hierarchy delimiter, or ``None``.
    :ivar depth: nesting level (0 for top level).
    :ivar selectable: it can be opened (LIST gave no ``\\Noselect``): a parent that only holds
        other folders is not, and the sidebar shows it as a label.
    """

    name: str
    display_name: str
    role: str | None = None
    unseen: int | None = None
    total: int | None = None
    delimiter: str | None = None
    depth: int = 0
    selectable: bool = True


@dataclass(frozen=True)
class FullMessage:
    """A message for the read view: its list row plus the raw RFC 5322 bytes.

    :ivar left_out: parts that ``raw`` holds cut short or with an empty body (too large to hold
        for reading; their downloads stream by section), by IMAP section: each part's size
        after transfer decoding (estimated). Empty when ``raw`` is the whole message.
    """

    summary: MessageSummary
    raw: bytes
    left_out: Mapping[str, int] = field(default_factory=dict)


class Mailbox(Protocol):
    """What the views may do with a user's mail. Reading never changes a message."""

    def folders(self) -> list[Folder]:
        """All folders, special-use roles first (in ROLE_ORDER), then by name."""
        ...

    def summaries(self, folder: str) -> list[MessageSummary]:
        """Every message of ``folder`` as list rows, in no particular order; never marks read."""
        ...

    def list_messages(
        self, folder: str, order: Order, number: int, size: int, *, late_only: bool = False
    ) -> Page[MessageSummary]:
        """The ``number``-th page of ``size`` rows of ``folder`` newest first in ``order``
        (late rows only with ``late_only``); a number out of range gives the nearest page.
        Never marks read."""
        ...

    def message(self, folder: str, uid: int) -> FullMessage:
        """One message (BODY.PEEK), whole or without its large parts (``left_out``); raises
        NotFound. Does not mark it read."""
        ...

    def part_header(self, folder: str, uid: int, section: str) -> bytes:
        """The MIME header block of the part at IMAP ``section`` (``BODY.PEEK[<section>.MIME]``;
        a single-part message's section ``1`` gives the message header). Raises NotFound for an
        unknown message or section. Does not mark the message read."""
        ...

    def part_bytes(self, folder: str, uid: int, section: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes of the part's body *as stored* (still transfer-encoded),
        from ``offset`` (IMAP partial fetch ``BODY.PEEK[<section>]<offset.length>``); ``b""``
        past the end. Raises NotFound for an unknown message. Does not mark it read."""
        ...

    def search_text(self, folder: str, text: str) -> frozenset[int]:
        """The UIDs of the messages of ``folder`` whose text (headers and body) holds
        ``text``, case-insensitively, as the mail server decides it (IMAP ``UID SEARCH
        CHARSET UTF-8 TEXT``, the phrase sent as a literal, never spliced into the command).
        Raises NotFound for an unknown folder."""
        ...

    def set_flags(
        self, folder: str, uid: int, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        """Add and remove flags on one message."""
        ...

    def move_to_trash(self, folder: str, uid: int) -> None:
        """Move one message to the Trash folder (delete it for good when already in Trash)."""
        ...

    # -- writing: the Sent copy, drafts (webmail.outbox) ------------------------------------

    def role_folder(self, role: str, *, create: bool = True) -> str | None:
        """The name of the folder with special-use ``role`` (``sent``, ``drafts``: found by
        SPECIAL-USE or by name, as :attr:`Folder.role` says), made (and subscribed) when
        missing and ``create``; ``None`` when missing and not ``create``."""
        ...

    def append(
        self, folder: str, raw: bytes, flags: Iterable[str] = (), when: datetime | None = None
    ) -> int | None:
        """Store ``raw`` in ``folder`` with ``flags`` (IMAP APPEND, INTERNALDATE ``when``,
        else now); its new UID, or ``None`` when the server does not say."""
        ...

    def replace(
        self, folder: str, uid: int, raw: bytes, flags: Iterable[str] = ()
    ) -> int | None:
        """Store ``raw`` in ``folder``, then delete message ``uid`` there for good (a draft
        saved again): the new one is in before the old one goes. Its new UID, or ``None``.
        An ``uid`` already gone is no error."""
        ...

    def remove(self, folder: str, uid: int) -> None:
        """Delete one message for good (``\\Deleted`` and expunge: a sent draft); an ``uid``
        already gone is no error."""
        ...

    def noop(self) -> None:
        """Check the connection is alive (IMAP NOOP); raises a MailboxError when it is not."""
        ...

    def close(self) -> None:
        """Release the connection; the object may not be used afterwards."""
        ...


@runtime_checkable
class Syncing(Protocol):
    """A mailbox that can bring a folder's rows up to date in a list index (IMAP can; the
    demo lists from memory and has no use for an index)."""

    def sync_folder(
        self,
        index: IndexStore,
        account: str,
        folder: str,
        progress: Callable[[int, int], None] | None = None,
        *,
        fetch_limit: int | None = None,
    ) -> SyncResult:
        """Sync ``folder`` of ``account`` into ``index`` (see ``webmail.mailbox.sync``); with
        more than ``fetch_limit`` messages to fetch, fetch none (``SyncResult.deferred``)."""
        ...


def syncing(mbox: Mailbox) -> Syncing | None:
    """``mbox`` as a :class:`Syncing` mailbox, or ``None`` when it cannot sync."""
    return mbox if isinstance(mbox, Syncing) else None


@runtime_checkable
class TimeBound(Protocol):
    """A mailbox whose server answers can be held to a deadline (IMAP's can; the demo answers
    from memory)."""

    def within(self, deadline: float) -> AbstractContextManager[None]:
        """A block whose server answers must all be in by ``deadline`` (``time.monotonic()``
        seconds), else it raises ServerTimeout, however slowly the bytes keep coming; the
        connection is not usable after that."""
        ...


def time_bound(mbox: Mailbox) -> TimeBound | None:
    """``mbox`` as a :class:`TimeBound` mailbox, or ``None`` when it has no deadlines."""
    return mbox if isinstance(mbox, TimeBound) else None


def sort_folders(folders: Iterable[Folder]) -> list[Folder]:
    """Special-use folders first, in ROLE_ORDER, then the rest by name (case-insensitive)."""

    def key(f: Folder) -> tuple[int, str]:
        rank = ROLE_ORDER.index(f.role) if f.role in ROLE_ORDER else len(ROLE_ORDER)
        return rank, f.name.lower()

    return sorted(folders, key=key)
