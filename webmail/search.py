"""The search service: one page of the messages of a folder (or of every folder, ``in:all``)
that match a query, in the list's order. No Flask here.

A search reads top to bottom like a list (:mod:`webmail.listing`): the query was read by
:func:`webmail.message.query.parse_query`; its ``text:`` terms go to the mail server
(:meth:`webmail.mailbox.Mailbox.search_text`, the phrase sent as a literal) and come back
as UIDs per folder. With an index and a mailbox that can sync, each searched folder is first
brought up to date exactly as its list page would be (:func:`webmail.listing.list_folder`),
then the index answers (:meth:`webmail.index.IndexStore.search`: the other terms, the UIDs,
the order, the count, one page). Without one (``WEBMAIL_INDEX=off``, the demo), every row of
the folder is built by the mailbox (``Mailbox.summaries``, the same ``summarize``), kept when
:meth:`~webmail.message.query.Query.matches` says so, and paged by
:func:`webmail.mailbox.paging.paginate`. Both decide on the same folded fields with the same
rule, so they find the same messages in the same order: newest first by true sent time (or
arrival), ties by UID, then by folder name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from webmail.index import IndexStore, Order
from webmail.listing import INLINE_SYNC_LIMIT, Indexing, Listing, list_folder
from webmail.mailbox import Folder, Mailbox, MessageSummary, NotFound, syncing
from webmail.mailbox.jobs import SyncJobs
from webmail.mailbox.paging import Page, page_bounds, paginate
from webmail.message.query import Query, searchable

__all__ = ["BULK_LIMIT", "matching_uids", "search_folders", "searched_folders"]


def searched_folders(query: Query, folder: str, folders: Sequence[Folder]) -> list[Folder]:
    """The folders ``query`` looks in: ``folder`` alone (raises NotFound when LIST does not
    show it), or with ``in:all`` every folder that holds messages (LIST gave it a count; a
    ``\\Noselect`` folder has none)."""
    if query.everywhere:
        return [f for f in folders if f.total is not None]
    current = next((f for f in folders if f.name == folder), None)
    if current is None:
        raise NotFound(f"no folder {folder!r} on the server")
    return [current]


def _server_uids(
    mbox: Mailbox, query: Query, names: Sequence[str]
) -> tuple[dict[str, frozenset[int]] | None, dict[str, frozenset[int]]]:
    """(only, exclude) from the ``text:`` terms, asked of the server per folder: the UIDs
    every positive term found, and those any negated term found."""
    positive = [t for t in query.text_terms if not t.negated]
    negative = [t for t in query.text_terms if t.negated]
    if not positive and not negative:
        return None, {}
    only: dict[str, frozenset[int]] | None = {} if positive else None
    exclude: dict[str, frozenset[int]] = {}
    for name in names:
        found: frozenset[int] | None = None
        for term in positive:
            uids = mbox.search_text(name, term.value)
            found = uids if found is None else found & uids
            if not found:
                break
        if only is not None:
            only[name] = found or frozenset()
        if negative and (only is None or only[name]):
            gone: set[int] = set()
            for term in negative:
                gone |= mbox.search_text(name, term.value)
            exclude[name] = frozenset(gone)
    return only, exclude


def search_folders(
    mbox: Mailbox,
    folders: Sequence[Folder],
    folder: str,
    query: Query,
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
    """The ``number``-th page of ``size`` matches of ``query`` (which must be
    :attr:`~webmail.message.query.Query.runnable`) in ``folder``, or in every folder of
    ``folders`` with ``in:all``, in ``order``; late ones only with ``only_late``. ``folders``
    is what LIST gave. The index arguments are those of :func:`webmail.listing.list_folder`;
    with them the index answers, otherwise the mailbox's rows are filtered here. A folder
    LIST does not show raises NotFound; with ``in:all`` a folder the server will not open is
    left out. The page's rows carry their own folder (``row.folder``)."""
    chosen = searched_folders(query, folder, folders)
    use_index = (
        index is not None and syncing(mbox) is not None and jobs is not None
        and reconnect is not None
    )
    names: list[str] = []
    indexing: Indexing | None = None
    for f in chosen:
        if use_index:
            try:
                listed = list_folder(
                    mbox, f.name, f, order=order, only_late=False, number=1, size=1,
                    index=index, account=account, jobs=jobs, reconnect=reconnect,
                    inline_sync_limit=inline_sync_limit,
                )
            except NotFound:
                if not query.everywhere:
                    raise
                continue
            if listed.indexing is not None:
                done = listed.indexing.done + (indexing.done if indexing else 0)
                total = listed.indexing.total + (indexing.total if indexing else 0)
                indexing = Indexing(done, total, partial=True)
        names.append(f.name)
    only, exclude = _server_uids(mbox, query, names)
    if use_index and index is not None:
        return _indexed(index, account, names, query, order, only_late, number, size,
                        only, exclude, indexing)
    return Listing(_filtered(mbox, names, query, order, only_late, number, size, only, exclude))


def _indexed(
    index: IndexStore,
    account: str,
    names: list[str],
    query: Query,
    order: Order,
    only_late: bool,
    number: int,
    size: int,
    only: Mapping[str, Collection[int]] | None,
    exclude: Mapping[str, Collection[int]],
    indexing: Indexing | None,
) -> Listing:
    """One page of matches from the index; a page past the end gives the last one."""
    size = max(1, size)

    def ask(page: int) -> Any:
        return index.search(
            account, names, query, order=order, late_only=only_late,
            offset=(page - 1) * size, limit=size, only=only, exclude=exclude,
        )

    hits = ask(max(1, number))
    number, count, start = page_bounds(hits.total, number, size)
    if not hits.rows and hits.total:
        hits = ask(number)
    rows = hits.rows
    page = Page(rows, number, count, hits.total, start + 1 if rows else 0, start + len(rows),
                hits.late)
    return Listing(page, indexing)


def _filtered(
    mbox: Mailbox,
    names: list[str],
    query: Query,
    order: Order,
    only_late: bool,
    number: int,
    size: int,
    only: Mapping[str, Collection[int]] | None,
    exclude: Mapping[str, Collection[int]],
) -> Page[MessageSummary]:
    """Every row of the folders, filtered here and paged as a list is."""
    kept: list[MessageSummary] = []
    for name in sorted(names, reverse=True):  # ties in time and UID: folder name, descending
        if only is not None and not only.get(name):
            continue
        try:
            rows = mbox.summaries(name)
        except NotFound:
            if len(names) == 1:
                raise
            continue
        allowed, gone = (only or {}).get(name), exclude.get(name, ())
        kept.extend(
            r for r in rows
            if (allowed is None or r.uid in allowed) and r.uid not in gone
            and query.matches(searchable(r))
        )
    return paginate(kept, number, size, order=order, late_only=only_late)


#: "Select all N matching" acts on at most this many messages at once.
BULK_LIMIT = 10_000


def matching_uids(
    mbox: Mailbox,
    folders: Sequence[Folder],
    folder: str,
    query: Query,
    *,
    only_late: bool,
    index: IndexStore | None = None,
    account: str = "",
    jobs: SyncJobs | None = None,
    reconnect: Callable[[], Mailbox] | None = None,
    inline_sync_limit: int = INLINE_SYNC_LIMIT,
    limit: int = BULK_LIMIT,
) -> dict[str, list[int]]:
    """Every match of ``query`` as :func:`search_folders` finds them (a query without terms:
    every message; ``only_late``: the late ones), up to ``limit``, by folder: what "select all
    N matching" acts on. Raises what :func:`search_folders` raises."""
    use_index = index is not None and syncing(mbox) is not None
    size = 500 if use_index else max(1, limit)  # the index gives at most 500 rows a page
    out: dict[str, list[int]] = {}
    taken = 0
    for number in range(1, -(-limit // size) + 1):
        listing = search_folders(
            mbox, folders, folder, query, order="sent", only_late=only_late, number=number,
            size=size, index=index, account=account, jobs=jobs, reconnect=reconnect,
            inline_sync_limit=inline_sync_limit,
        )
        for row in listing.page.rows[: limit - taken]:
            out.setdefault(row.folder, []).append(row.uid)
            taken += 1
        if not listing.page.has_next or taken >= limit or listing.page.number < number:
            break
    return out
