"""What an index backend offers: the :class:`IndexStore` protocol and the names it speaks in.

Two backends implement it: :class:`webmail.index.sqlite.Index` (SQLite in the instance folder, one
machine) and :class:`webmail.index.redis.RedisIndex` (Redis, shared by several app instances).
:func:`webmail.mailbox.sync.sync_folder` writes through it and the list view reads through it, so
either backend serves both. Every method that touches rows takes the account key
(:func:`account_key`, the only way rows are tied to a person) and never returns another
account's rows; :meth:`IndexStore.state` answers with a :class:`FolderState`, whichever the
backend.

Write methods take the ``conn`` yielded by :meth:`IndexStore.transaction` and the opaque
folder handle returned by :meth:`IndexStore.folder_id`; what they are depends on the backend.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:  # annotations only: this module imports nothing of the app (rows import it)
    from webmail.index.rows import DelayBucket, DelayRow, IndexRow
    from webmail.message.query import Query

#: The two list orders: true sent time, or arrival at the server (IMAP INTERNALDATE).
Order = Literal["sent", "arrival"]
#: The most rows one page or one page of search results holds, whatever ``limit`` asks.
MAX_PAGE = 500
#: The sync-state fields :meth:`IndexStore.update_state` sets (every other name raises).
STATE_FIELDS = frozenset(
    {"uidnext", "highestmodseq", "last_uid", "server_count", "complete", "settled_since",
     "synced_at"}
)


def account_key(server: str, user: str) -> str:
    """The account key of ``user`` on ``server`` ("host:port"): 32 hex digits of SHA-256.

    Different (server, user) pairs give different keys; the key reveals neither.
    """
    import hashlib  # here: a sync's helper processes import this module and never need it

    digest = hashlib.sha256(f"webmail-index\0{server.strip().lower()}\0{user.strip()}".encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class FolderState:
    """What the index knows about one folder.

    :ivar uidvalidity: the folder's UIDVALIDITY when its rows were written.
    :ivar uidnext: the server's UIDNEXT at the last sync, or ``None``.
    :ivar highestmodseq: flags of every row are current as of this MODSEQ (``None``
        without CONDSTORE, or before the first chunk).
    :ivar last_uid: every message with a UID up to this one is indexed (0: none yet).
    :ivar server_count: the folder's message count on the server at the last sync start.
    :ivar total: rows indexed now.
    :ivar late: rows indexed now that arrived late.
    :ivar complete: the last sync finished (no backlog).
    :ivar settled_since: while a first sync is running newest-first, rows sent at or after
        this instant are already in their final order (assuming arrival grows with UID).
    :ivar synced_at: when the last sync finished (epoch seconds), or ``None``.
    """

    uidvalidity: int
    uidnext: int | None
    highestmodseq: int | None
    last_uid: int
    server_count: int | None
    total: int
    late: int
    complete: bool
    settled_since: datetime | None
    synced_at: float | None

    @property
    def progress(self) -> tuple[int, int]:
        """(indexed, to index) for "indexing 34,000 of 100,000"."""
        return self.total, max(self.total, self.server_count or 0)


@dataclass(frozen=True, slots=True)
class SearchHits:
    """One page of search results (:meth:`IndexStore.search`).

    :ivar rows: the page's rows, in the order asked for.
    :ivar total: how many rows match in all (with the late filter, if asked).
    :ivar late: how many of the matches arrived late (whatever the late filter).
    """

    rows: list[IndexRow]
    total: int
    late: int


@dataclass(frozen=True, slots=True)
class UnreadLate:
    """The unread messages among a folder's newest late arrivals (:meth:`IndexStore.unread_late`).

    :ivar count: how many.
    :ivar first_sent: the earliest true sent time among them (``None`` when there are none).
    :ivar last_sent: the latest.
    :ivar hosts: how many of them each holding host held (rows without one not counted).
    """

    count: int
    first_sent: datetime | None
    last_sent: datetime | None
    hosts: dict[str, int]


def utc_from_epoch(epoch: int | None) -> datetime | None:
    """An aware UTC datetime for epoch seconds as a backend stores them (``settled_since``),
    ``None`` for ``None`` or for seconds outside the years 1 to 9999 (never raises)."""
    if epoch is None:
        return None
    try:
        return datetime.fromtimestamp(epoch, UTC)
    except (OverflowError, ValueError, OSError):
        return None


class IndexStore(Protocol):
    """A cache of list rows per (account, folder, UIDVALIDITY, UID); see the module docstring."""

    threshold: timedelta

    # -- reading -----------------------------------------------------------------------
    def state(self, account: str, folder: str) -> FolderState | None:
        """The folder's sync state and counts, or ``None`` when it was never indexed."""
        ...

    def counts(self, account: str, folder: str) -> tuple[int, int]:
        """(messages, late messages) indexed in the folder; (0, 0) when never indexed."""
        ...

    def page(
        self,
        account: str,
        folder: str,
        order: Order = "sent",
        late_only: bool = False,
        offset: int = 0,
        limit: int = 50,
        *,
        newest_first: bool = True,
    ) -> list[IndexRow]:
        """One page ordered by true sent time (or arrival), ties by UID; ``[]`` when unknown."""
        ...

    def row(self, account: str, folder: str, uid: int) -> IndexRow | None:
        """One row by UID, or ``None``."""
        ...

    def uids(self, account: str, folder: str, above: int = 0) -> list[int]:
        """The indexed UIDs greater than ``above``, ascending."""
        ...

    def folders(self, account: str) -> list[str]:
        """The names of the account's indexed folders, sorted."""
        ...

    def search(
        self,
        account: str,
        folders: Sequence[str],
        query: Query,
        *,
        order: Order = "sent",
        late_only: bool = False,
        offset: int = 0,
        limit: int = 50,
        only: Mapping[str, Collection[int]] | None = None,
        exclude: Mapping[str, Collection[int]] | None = None,
    ) -> SearchHits:
        """The rows of ``folders`` that match ``query`` (:meth:`Query.matches`: every term but
        ``text:`` and ``in:``), late ones only with ``late_only``, newest first by true sent
        time (or arrival), ties by UID then folder name; ``limit`` rows from ``offset`` (at
        most 500), with the count of every match. ``only`` keeps, per folder, just those UIDs
        (a folder left out of it has none); ``exclude`` leaves those UIDs out."""
        ...

    # -- the delays page (every row of a folder) -------------------------------------------
    def delay_rows(self, account: str, folder: str, *, late_only: bool = False) -> list[DelayRow]:
        """Every indexed message of the folder (the late ones with ``late_only``) as a
        :class:`~webmail.index.rows.DelayRow`, oldest sent first, ties by UID; ``[]`` when
        unknown."""
        ...

    def late_arrivals(
        self, account: str, folder: str, after: datetime, limit: int
    ) -> list[tuple[datetime, str | None, frozenset[str]]]:
        """The folder's late messages that arrived after ``after``, newest arrival first
        (ties by UID, as :meth:`page` in arrival order), at most ``limit``: each as (true sent
        time, the host that held it or ``None``, its flags). What the list banner counts
        (``webmail.delays.late_news``), on every list page: no row is decoded for it."""
        ...

    def unread_late(self, account: str, folder: str, after: datetime, limit: int) -> UnreadLate:
        """The unread ones among :meth:`late_arrivals` ``(account, folder, after, limit)``,
        counted: what the list banner says, on every list page."""
        ...

    def delay_buckets(self, account: str, folder: str, bucket_seconds: int) -> list[DelayBucket]:
        """The folder's on-time messages counted into
        :class:`~webmail.index.rows.DelayBucket`: by ``sent // bucket_seconds`` (a positive
        number of seconds) and by log-delay bucket; in no particular order, ``[]`` when
        unknown. Cheap at 100,000 rows (late mail: :meth:`delay_rows` with ``late_only``)."""
        ...

    # -- writing (webmail.mailbox.sync) --------------------------------------------------------
    def transaction(self) -> AbstractContextManager[Any]:
        """One atomic batch of writes; yields the ``conn`` the write methods take."""
        ...

    def folder_id(self, conn: Any, account: str, folder: str, uidvalidity: int) -> Any:
        """The folder's handle, creating it, or dropping its rows when UIDVALIDITY changed."""
        ...

    def current_uidvalidity(self, conn: Any, folder_id: Any) -> int | None:
        """The folder's stored UIDVALIDITY, ``None`` when the folder was dropped."""
        ...

    def put_rows(
        self, conn: Any, folder_id: Any, uidvalidity: int, rows: Iterable[Sequence[object]]
    ) -> None:
        """Insert or refresh rows (tuples in ``webmail.index.rows.DB_ORDER``)."""
        ...

    def set_flags(
        self,
        conn: Any,
        folder_id: Any,
        uidvalidity: int,
        changes: Iterable[tuple[int, Iterable[str]]],
    ) -> int:
        """Replace the flags of indexed UIDs (others ignored); returns how many rows changed."""
        ...

    def delete_uids(self, conn: Any, folder_id: Any, uidvalidity: int, uids: Iterable[int]) -> int:
        """Remove the rows of expunged UIDs; returns how many went."""
        ...

    def update_state(self, conn: Any, folder_id: Any, **values: object) -> None:
        """Set sync-state fields (uidnext, highestmodseq, last_uid, server_count, complete,
        settled_since, synced_at); other names raise KeyError."""
        ...

    def claim(self, account: str, folder: str, owner: str, seconds: float) -> bool:
        """Take or renew the folder's sync lease; ``False`` while another owner holds it."""
        ...

    def release(self, account: str, folder: str, owner: str) -> None:
        """Give the sync lease back if ``owner`` holds it."""
        ...

    # -- admin -------------------------------------------------------------------------
    def drop_folder(self, account: str, folder: str) -> None:
        """Forget one folder of the account (rows and sync state)."""
        ...

    def purge(self, account: str) -> int:
        """Delete every row and folder state of the account; returns how many rows went."""
        ...

    def close(self) -> None:
        """Release this thread's connection."""
        ...


__all__ = [
    "MAX_PAGE", "STATE_FIELDS", "FolderState", "IndexStore", "Order", "SearchHits", "UnreadLate",
    "account_key", "utc_from_epoch",
]
