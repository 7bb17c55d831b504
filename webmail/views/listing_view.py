"""One page of a folder's message list: from the index when there is one, else from IMAP.

With an index (``WEBMAIL_INDEX`` sqlite or redis) and an IMAP mailbox, opening a folder
syncs it into the index over the session's pooled connection and reads one page of it:
the order and the late filter are the index's queries, the counts its counters. A folder
with more than ``WEBMAIL_INLINE_SYNC_LIMIT`` (app config, default 2000) messages still to
index is first synced by a background job on a connection of its own
(:mod:`webmail.mailbox.jobs`); meanwhile the page shows progress and the rows that are already
in their final place. The demo mailbox and ``WEBMAIL_INDEX=off`` read every summary from
the mailbox and sort in Python (:mod:`webmail.listing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask import current_app

from webmail.config import Settings
from webmail.mailbox.imap import ImapMailbox
from webmail.index import IndexStore, Order, account_key
from webmail.listing import Page, late_only, paginate, sort_summaries
from webmail.mailbox import Folder, Mailbox
from webmail.mailbox.jobs import SyncJobs
from webmail.views.access import user_credentials

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
    """What the list template shows: the page, the late count, and indexing progress."""

    page: Page
    late_count: int
    indexing: Indexing | None = None


def index_account(settings: Settings, username: str) -> str:
    """The index account key of ``username`` on the configured IMAP server."""
    return account_key(f"{settings.imap_host}:{settings.imap_port}", username)


def list_folder(
    mbox: Mailbox,
    folder: str,
    current: Folder | None,
    *,
    sort: str,
    only_late: bool,
    number: int,
) -> Listing:
    """The ``number``-th page of ``folder`` in ``sort`` order (``sent`` or ``arrival``),
    late rows only when ``only_late``. Uses the index when the app has one and ``mbox`` is
    IMAP, else the mailbox's summaries. The reader's password is only handed to a
    background sync's own connection."""
    settings = cast(Settings, current_app.config["WEBMAIL_SETTINGS"])
    index = cast("IndexStore | None", current_app.extensions.get("webmail.index.sqlite"))
    if index is None or not isinstance(mbox, ImapMailbox):
        ordered = sort_summaries(mbox.summaries(folder), sort)
        late_rows = late_only(ordered)
        page = paginate(late_rows if only_late else ordered, number, settings.page_size)
        return Listing(page, len(late_rows))
    username, password, _ = user_credentials()
    account = index_account(settings, username)
    order: Order = "arrival" if sort == "arrival" else "sent"
    _bring_up_to_date(mbox, index, account, folder, current, settings, username, password)
    server_total = current.total if current is not None else None
    return _indexed_page(
        index, account, folder, order, only_late, number, settings.page_size, server_total or 0
    )


def _bring_up_to_date(
    mbox: ImapMailbox,
    index: IndexStore,
    account: str,
    folder: str,
    current: Folder | None,
    settings: Settings,
    username: str,
    password: str,
) -> None:
    """Sync inline, or start (or leave running) the background first sync of a big folder."""
    jobs = cast(SyncJobs, current_app.extensions["webmail.mailbox.jobs"])
    limit = int(current_app.config.get("WEBMAIL_INLINE_SYNC_LIMIT", INLINE_SYNC_LIMIT))
    state = index.state(account, folder)
    server_total = current.total if current is not None else None
    pending = (server_total or 0) - (state.total if state is not None else 0)
    first_fill = state is None or not state.complete
    if jobs.running(account, folder) or (first_fill and pending > limit):

        def job() -> None:
            own = ImapMailbox.connect(settings, username, password)
            try:
                own.sync_folder(index, account, folder)
            finally:
                own.close()

        jobs.start(account, folder, job)
        return
    mbox.sync_folder(index, account, folder)


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
    state = index.state(account, folder)
    total, late = index.counts(account, folder)
    shown = late if only_late else total
    size = max(1, size)
    count = max(1, -(-shown // size))
    number = min(max(1, number), count)
    start = (number - 1) * size
    rows: list[Any] = index.page(account, folder, order, only_late, start, size)
    indexing = None
    if state is None or not state.complete:
        done, of = state.progress if state is not None else (0, 0)
        settled: datetime | None = state.settled_since if state is not None else None
        if settled is not None or state is None:
            rows = [r for r in rows if settled is not None and _when(r, order) >= settled]
        indexing = Indexing(done, max(of, server_total), partial=True)
    page = Page(rows, number, count, shown, start + 1 if rows else 0, start + len(rows))
    return Listing(page, late, indexing)


def _when(row: Any, order: Order) -> datetime:
    return cast(datetime, row.arrival if order == "arrival" else row.sent)


__all__ = ["INLINE_SYNC_LIMIT", "Indexing", "Listing", "index_account", "list_folder"]
