"""The seam the views use to reach mail: the :class:`Mailbox` Protocol and its optional
capabilities.

Implementations: ``webmail.mailbox.imap.ImapMailbox`` (any IMAP server, over imapclient; made
of ``connection``, ``folders``, ``fetching`` and ``changes``) and
``webmail.mailbox.demo.DemoMailbox`` (the bundled outage replay), opened by
``webmail.mailbox.pool``. Views never talk IMAP and never ask which implementation they hold: an
optional capability is a small Protocol of its own (:class:`Syncing`, found with
:func:`syncing`; :class:`TimeBound`, found with :func:`time_bound`). Errors are
:mod:`webmail.mailbox.errors` kinds with a ``user_message``.
Importing this package imports no IMAP library.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
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
    "MessageSummary", "Moved", "NotFound", "Order", "Page", "Revalidating", "ServerRefused",
    "ServerTimeout", "ServerUnavailable", "Syncing", "TLSFailure", "TimeBound", "revalidating",
    "sort_folders", "syncing", "time_bound",
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
    :ivar uidvalidity: the folder's UIDVALIDITY when it was fetched (``None``: the mailbox
        does not say, and then the message is not kept across readings).
    """

    summary: MessageSummary
    raw: bytes
    left_out: Mapping[str, int] = field(default_factory=dict)
    uidvalidity: int | None = None


@runtime_checkable
class Revalidating(Protocol):
    """A mailbox that can say, without fetching a body, whether a message read before is
    still the same one (IMAP can: (UIDVALIDITY, UID) names one message for good), so the
    read view can show a kept copy with today's flags (:mod:`webmail.mailbox.recent`)."""

    def message_state(self, folder: str, uid: int) -> tuple[int, frozenset[str]]:
        """``(UIDVALIDITY, flags)`` of message ``uid`` of ``folder`` now, read-only (no body
        is fetched, nothing is marked read); raises NotFound."""
        ...


def revalidating(mbox: Mailbox) -> Revalidating | None:
    """``mbox`` as a :class:`Revalidating` mailbox, or ``None`` when it cannot say."""
    return mbox if isinstance(mbox, Revalidating) else None


@dataclass(frozen=True)
class Moved:
    """What a move (or a move to Trash) did.

    :ivar source: the folder the messages left.
    :ivar target: the folder they went to.
    :ivar count: how many were moved (messages already gone are not counted).
    :ivar uids: old UID -> its UID in ``target``, as the server said (COPYUID, RFC 4315);
        empty when it did not say, and then the move cannot be undone by UID.
    :ivar kept: UIDs copied but still in ``source``, marked ``\\Deleted``: the server offers
        neither MOVE nor UIDPLUS and another message there is marked ``\\Deleted``, so an
        EXPUNGE would have destroyed it too.
    """

    source: str
    target: str
    count: int
    uids: Mapping[int, int] = field(default_factory=dict)
    kept: tuple[int, ...] = ()


class Mailbox(Protocol):
    """What the views may do with a user's mail. Reading never changes a message."""

    def folders(self, skip_status: Collection[str] = ()) -> list[Folder]:
        """All folders, special-use roles first (in ROLE_ORDER), then by name; the folders
        named in ``skip_status`` come without counts (``unseen``/``total`` ``None``) where
        asking for them costs (a first sync is filling them: a server opens a big folder to
        count it, which stalls the page; the sync's progress has its count)."""
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

    # -- organising several messages at once (issue 11) -------------------------------------

    def folder_uids(self, folder: str) -> list[int]:
        """Every UID of ``folder``, ascending (``UID SEARCH ALL``); raises NotFound."""
        ...

    def flag_messages(
        self, folder: str, uids: Iterable[int], add: Iterable[str] = (),
        remove: Iterable[str] = (),
    ) -> None:
        """Add, then remove flags on the messages ``uids`` of ``folder`` (one ``UID STORE``
        per kind and chunk); UIDs already gone are ignored."""
        ...

    def move_messages(self, folder: str, uids: Iterable[int], target: str) -> Moved:
        """Move the messages ``uids`` of ``folder`` to ``target``: MOVE (RFC 6851) where
        offered, else COPY, then ``\\Deleted`` and ``UID EXPUNGE`` of exactly those (never a
        bare EXPUNGE, which would destroy what other clients marked ``\\Deleted``). UIDs
        already gone are left out; raises NotFound for a missing ``target``."""
        ...

    def destroy_messages(self, folder: str, uids: Iterable[int]) -> int:
        """Delete the messages ``uids`` of ``folder`` for good (``\\Deleted`` and ``UID
        EXPUNGE`` of exactly those; without UIDPLUS only when no other message there is marked
        ``\\Deleted``, else they stay marked). Returns how many went."""
        ...

    def message_bytes(self, folder: str, uid: int, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes of the whole message as stored, from ``offset``
        (``BODY.PEEK[]<offset.length>``); ``b""`` past the end; raises NotFound."""
        ...

    # -- folders (issue 11) -----------------------------------------------------------------

    def create_folder(self, name: str) -> None:
        """Create (and subscribe) the folder ``name`` (a full name, the server's delimiter
        between levels; modified UTF-7 on the wire). Raises ServerRefused when it exists."""
        ...

    def rename_folder(self, name: str, new_name: str) -> None:
        """Rename a folder (its subfolders follow, RFC 3501 §6.3.5); raises NotFound."""
        ...

    def delete_folder(self, name: str) -> None:
        """Delete a folder with its messages (not its subfolders: delete those first);
        raises NotFound."""
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
