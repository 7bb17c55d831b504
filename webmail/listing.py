"""The listing service: one page of a folder, straight from the mailbox or from the index.

The list request reads top to bottom: the view calls :func:`list_folder`; with an index and
a mailbox that can sync (:class:`webmail.mailbox.Syncing`), the folder is synced into the
index over the session's pooled connection and one page is read from the index (its order
and late filter are the index's queries, its counts the index's counters); otherwise the
mailbox pages its own rows (:meth:`webmail.mailbox.Mailbox.list_messages`). Paging is done
once, by the rule in :func:`webmail.mailbox.paging.page_bounds`.

A folder with more than ``inline_sync_limit`` messages still to index (a first fill, a folder
rebuilt because its UIDVALIDITY changed, a big backlog) is synced by a background job on a
connection of its own (:mod:`webmail.mailbox.jobs`); meanwhile the page shows progress and the
rows already in their final place. No Flask here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from webmail.config import Settings
from webmail.index import IndexStore, Order, account_key
from webmail.mailbox import Folder, Mailbox, NotFound, Syncing, syncing
from webmail.mailbox.jobs import SyncJobs
from webmail.mailbox.paging import Page, page_bounds

__all__ = ["INLINE_SYNC_LIMIT", "Indexing", "Listing", "index_account", "list_folder"]

#: Messages still to index above which a folder's first sync runs in the background.
INLINE_SYNC_LIMIT = 2000


@dataclass(frozen=True)
class Indexing:
    """A first sync that has not finished.

    :ivar done: messages indexed so far.
    :ivar total: messages in the folder on the server.
    :ivar partial: older messages are not shown yet: they may still sort between them.
    """

    done: int
    total: int
    partial: bool


@dataclass(frozen=True)
class Listing:
    """What the list template shows: the page (with the folder's late count) and progress."""

    page: Page[Any]
    indexing: Indexing | None = None

    @property
    def late_count(self) -> int:
        return self.page.late_count


def index_account(settings: Settings, username: str) -> str:
    """The index account key of ``username`` on the configured IMAP server: the same for every
    variant of the name that reaches the same mailbox (:meth:`Settings.account_name`)."""
    server = f"{settings.imap_host}:{settings.imap_port}"
    return account_key(server, settings.account_name(username))


def list_folder(
    mbox: Mailbox,
    folder: str,
    current: Folder | None,
    *,
    order: Order,
    only_late: bool,
    number: int,
    size: int,
    index: IndexStore | None = None,
    account: str = "",
    jobs: SyncJobs | None = None,
    reconnect: Callable[[], Mailbox] | None = None,
    inline_sync_limit: int = INLINE_SYNC_LIMIT,
) -> Listing:
    """The ``number``-th page of ``size`` rows of ``folder`` in ``order``, late rows only
    with ``only_late``. ``current`` is the folder as LIST saw it (its message count).

    With an ``index``, a mailbox that can sync, ``account`` (:func:`index_account`),
    ``jobs`` and ``reconnect`` (opens a new connection for a background sync), the page
    comes from the index; otherwise from the mailbox itself. A folder LIST did not show
    (``current`` is ``None``) raises NotFound before the index is touched.
    """
    sync = syncing(mbox)
    if index is None or sync is None or jobs is None or reconnect is None:
        return Listing(mbox.list_messages(folder, order, number, size, late_only=only_late))
    if current is None:  # not in LIST: the index keeps nothing for a folder the server lacks
        raise NotFound(f"no folder {folder!r} on the server")
    server_total = current.total or 0
    _bring_up_to_date(
        sync, index, account, folder, server_total, jobs, reconnect, inline_sync_limit
    )
    return _indexed_page(index, account, folder, order, only_late, number, size, server_total)


def _bring_up_to_date(
    mbox: Syncing,
    index: IndexStore,
    account: str,
    folder: str,
    server_total: int,
    jobs: SyncJobs,
    reconnect: Callable[[], Mailbox],
    limit: int,
) -> None:
    """Sync inline, or start (or leave running) the background sync of a big fill: a first
    sync, or whatever the inline sync found too much to fetch while the page waits (a folder
    rebuilt after its UIDVALIDITY changed is a first fill again)."""

    def job() -> None:
        own = reconnect()
        try:
            own_sync = syncing(own)
            if own_sync is not None:
                own_sync.sync_folder(index, account, folder)
        finally:
            own.close()

    state = index.state(account, folder)
    pending = server_total - (state.total if state is not None else 0)
    first_fill = state is None or not state.complete
    if jobs.running(account, folder) or (first_fill and pending > limit):
        jobs.start(account, folder, job, reconnect=reconnect, index=index)
        return
    if mbox.sync_folder(index, account, folder, fetch_limit=limit).deferred:
        jobs.start(account, folder, job, reconnect=reconnect, index=index)


def _indexed_page(
    index: IndexStore,
    account: str,
    folder: str,
    order: Order,
    only_late: bool,
    number: int,
    size: int,
    server_total: int,
) -> Listing:
    """One page read from the index; while a first sync runs, only the rows already in
    their final place (sent or arrived after ``FolderState.settled_since``)."""
    state = index.state(account, folder)
    total, late = (state.total, state.late) if state is not None else (0, 0)  # index.counts
    shown = late if only_late else total
    number, count, start = page_bounds(shown, number, size)
    rows: list[Any] = index.page(account, folder, order, only_late, start, max(1, size))
    indexing = None
    if state is None or not state.complete:
        done, of = state.progress if state is not None else (0, 0)
        settled: datetime | None = state.settled_since if state is not None else None
        if settled is not None or state is None:
            rows = [r for r in rows if settled is not None and _when(r, order) >= settled]
        indexing = Indexing(done, max(of, server_total), partial=True)
    page = Page(rows, number, count, shown, start + 1 if rows else 0, start + len(rows), late)
    return Listing(page, indexing)


def _when(row: Any, order: Order) -> datetime:
    when: datetime = row.arrival if order == "arrival" else row.sent
    return when


def indexing_progress(index: IndexStore | None, account: str, folder: str) -> Indexing | None:
    """How far the first sync of ``folder`` has got, read from the index alone (no IMAP, no
    sync started): for the list page's progress, updated in place (``/api/indexing``);
    ``None`` once the folder is indexed, or without an index."""
    if index is None:
        return None
    state = index.state(account, folder)
    if state is not None and state.complete:
        return None
    done, of = state.progress if state is not None else (0, 0)
    return Indexing(done, of, partial=True)
