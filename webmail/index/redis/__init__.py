"""The list index in Redis, shared by several app instances behind a load balancer.

Same contract as the SQLite :class:`webmail.index.sqlite.Index` (the :class:`IndexStore`
protocol); selected with ``WEBMAIL_INDEX=redis`` and ``WEBMAIL_REDIS_URL``.
:class:`RedisIndex` holds the client and hands each call to the module of its job:

- :mod:`.layout`: the keys (one prefix per account and per folder), the layout's version and
  the start-up check;
- :mod:`.writes`: a transaction's writes (one MULTI/EXEC), the folder's sync state and lease,
  dropping a folder or an account;
- :mod:`.pages`: counts, one list page, one row, the indexed UIDs and folders;
- :mod:`.records`: the search records and flag buckets (their format);
- :mod:`.search`: a search decided on those records;
- :mod:`.delays`: the delays page's rows and buckets, the list banner's late arrivals.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

import redis

from webmail.index.redis import delays, pages, writes
from webmail.index.redis.layout import PREFIX, check_layout, folder_prefix, member
from webmail.index.redis.search import search as search_folders
from webmail.index.redis.writes import Batch
from webmail.index.rows import DelayBucket, DelayRow, IndexRow
from webmail.index.store import FolderState, Order, SearchHits, UnreadLate
from webmail.message.query import Query


class RedisIndex:
    """The index in Redis (see the module docstring); safe from any thread or forked process
    (redis-py's pool opens new connections after a fork).

    ``threshold`` is the late threshold rows were analysed with: a Redis holding rows made
    with another threshold (or another key layout) is emptied of index keys on start (the
    index is a cache). The methods are :class:`~webmail.index.store.IndexStore`'s.
    """

    def __init__(self, client: redis.Redis, threshold: timedelta = timedelta(hours=1)) -> None:
        # redis-py annotates every reply as ``T | Awaitable[T]`` (sync and asyncio share the
        # stubs); this client is the synchronous one.
        self._r: Any = client
        self.threshold = threshold
        self._lease = writes.Lease(client)
        check_layout(client, threshold)

    @classmethod
    def from_url(cls, url: str, threshold: timedelta = timedelta(hours=1)) -> RedisIndex:
        """Connect to ``url`` (``redis://host:port/db``); raises ``redis.ConnectionError``."""
        return cls(redis.Redis.from_url(url, decode_responses=True), threshold)

    # -- reading -------------------------------------------------------------------------

    def state(self, account: str, folder: str) -> FolderState | None:
        return writes.state(self._r, folder_prefix(account, folder))

    def counts(self, account: str, folder: str) -> tuple[int, int]:
        return pages.counts(self._r, folder_prefix(account, folder))

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
        f = folder_prefix(account, folder)
        return pages.page(self._r, folder, f, order, late_only, offset, limit, newest_first)

    def row(self, account: str, folder: str, uid: int) -> IndexRow | None:
        found = pages.rows(self._r, folder, folder_prefix(account, folder), [member(uid)])
        return found[0] if found else None

    def uids(self, account: str, folder: str, above: int = 0) -> list[int]:
        return pages.uids(self._r, folder_prefix(account, folder), above)

    def folders(self, account: str) -> list[str]:
        return pages.folders(self._r, account)

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
        return search_folders(
            self._r, account, folders, query, order, late_only, offset, limit, only, exclude
        )

    def delay_rows(self, account: str, folder: str, *, late_only: bool = False) -> list[DelayRow]:
        return delays.delay_rows(self._r, folder_prefix(account, folder), late_only)

    def late_arrivals(
        self, account: str, folder: str, after: datetime, limit: int
    ) -> list[tuple[datetime, str | None, frozenset[str]]]:
        return delays.late_arrivals(self._r, folder_prefix(account, folder), after, limit)

    def unread_late(self, account: str, folder: str, after: datetime, limit: int) -> UnreadLate:
        return delays.unread_late(self.late_arrivals(account, folder, after, limit))

    def delay_buckets(self, account: str, folder: str, bucket_seconds: int) -> list[DelayBucket]:
        return delays.delay_buckets(self._r, folder_prefix(account, folder), bucket_seconds)

    # -- writing -------------------------------------------------------------------------

    def transaction(self) -> AbstractContextManager[Batch]:
        """A :class:`~webmail.index.redis.writes.Batch` on one MULTI/EXEC: its writes are
        applied together on success and dropped on error."""
        return writes.transaction(self._r)

    def folder_id(self, conn: Batch, account: str, folder: str, uidvalidity: int) -> str:
        """The folder's key prefix (see :func:`~webmail.index.redis.writes.folder_id`)."""
        return writes.folder_id(conn, account, folder, uidvalidity)

    def current_uidvalidity(self, conn: Batch, folder_id: str) -> int | None:
        return writes.current_uidvalidity(conn, folder_id)

    def put_rows(
        self, conn: Batch, folder_id: str, uidvalidity: int, rows: Iterable[Sequence[object]]
    ) -> None:
        writes.put_rows(conn, folder_id, rows)

    def set_flags(
        self,
        conn: Batch,
        folder_id: str,
        uidvalidity: int,
        changes: Iterable[tuple[int, Iterable[str]]],
    ) -> int:
        return writes.set_flags(conn, folder_id, changes)

    def delete_uids(
        self, conn: Batch, folder_id: str, uidvalidity: int, uids: Iterable[int]
    ) -> int:
        return writes.delete_uids(conn, folder_id, uids)

    def update_state(self, conn: Batch, folder_id: str, **values: object) -> None:
        writes.update_state(conn, folder_id, values)

    def claim(self, account: str, folder: str, owner: str, seconds: float) -> bool:
        """Take or renew the folder's sync lease for ``seconds``; ``False`` while another
        owner holds it (across every app instance sharing this Redis)."""
        return self._lease.claim(folder_prefix(account, folder), owner, seconds)

    def release(self, account: str, folder: str, owner: str) -> None:
        self._lease.release(folder_prefix(account, folder), owner)

    # -- admin ---------------------------------------------------------------------------

    def drop_folder(self, account: str, folder: str) -> None:
        writes.drop_folder(self._r, account, folder)

    def purge(self, account: str) -> int:
        """Delete every key of the account; returns how many rows went."""
        return writes.purge(self._r, account)

    def close(self) -> None:
        """Nothing to do: redis-py's pool is shared by the threads and closes with the process."""


__all__ = ["PREFIX", "RedisIndex"]
