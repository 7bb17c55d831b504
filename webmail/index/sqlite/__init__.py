"""The local index: list rows and header analyses of every indexed folder, in SQLite.

The index is a cache of what the IMAP server holds: deleting the file loses nothing, the
next sync rebuilds it. Rows are keyed by (account, folder, UIDVALIDITY, UID); the
account key is derived from server and user (:func:`webmail.index.account_key`) and every
statement that reads or writes rows filters by it, so one user can never read another's rows.

The database lives in the instance folder, mode 0600 (the ``-wal``/``-shm`` files get
the same mode from SQLite), in WAL mode with a busy timeout, so several worker processes
can read while one writes. Each thread (and each forked process) gets its own connection.
:class:`Index` holds those connections and hands each call to the module of its job:

- :mod:`.opening`: the file, the tables of ``schema.sql`` beside it and their version, a
  connection's settings and write transactions;
- :mod:`.writes`: a sync's writes inside its transaction, the folder's sync state and lease,
  dropping a folder or an account;
- :mod:`.pages`: counts, one list page (by offset or after a key), one row, the indexed UIDs
  and folders;
- :mod:`.search`: a search over the ``messages_search`` covering index;
- :mod:`.delays`: the delays page's rows and buckets, the list banner's late arrivals.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path

from webmail.index.rows import DelayBucket, DelayRow, IndexRow
from webmail.index.sqlite import delays, opening, pages, writes
from webmail.index.sqlite.opening import FILE_NAME, SCHEMA_VERSION
from webmail.index.sqlite.search import search as search_folders
from webmail.index.store import FolderState, Order, SearchHits, UnreadLate
from webmail.message.query import Query


class Index:
    """The SQLite index at ``path``; methods are safe from any thread or forked process.

    ``threshold`` is the late threshold the rows' ``delayed`` was computed with: opening
    an index written with another threshold drops every row (the index is a cache). The
    methods are :class:`~webmail.index.store.IndexStore`'s, plus :meth:`page_after`.
    """

    def __init__(
        self, path: str | os.PathLike[str], threshold: timedelta = timedelta(hours=1)
    ) -> None:
        self.path = Path(path)
        self.threshold = threshold
        self._local = threading.local()
        opening.create_file(self.path)
        opening.migrate(self._conn(), threshold)

    # -- connections -------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            return conn
        conn = opening.connect(self.path)
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``) on this thread's connection, committed
        on success, rolled back on error."""
        return opening.transaction(self._conn())

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- reading -----------------------------------------------------------------------

    def state(self, account: str, folder: str) -> FolderState | None:
        return writes.state(self._conn(), account, folder)

    def counts(self, account: str, folder: str) -> tuple[int, int]:
        return pages.counts(self._conn(), account, folder)

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
        return pages.page(
            self._conn(), account, folder, order, late_only, offset, limit, newest_first
        )

    def page_after(
        self,
        account: str,
        folder: str,
        after: tuple[datetime, int],
        order: Order = "sent",
        late_only: bool = False,
        limit: int = 50,
    ) -> list[IndexRow]:
        """Keyset paging (see :func:`~webmail.index.sqlite.pages.page_after`)."""
        return pages.page_after(self._conn(), account, folder, after, order, late_only, limit)

    def row(self, account: str, folder: str, uid: int) -> IndexRow | None:
        return pages.row(self._conn(), account, folder, uid)

    def uids(self, account: str, folder: str, above: int = 0) -> list[int]:
        return pages.uids(self._conn(), account, folder, above)

    def folders(self, account: str) -> list[str]:
        return pages.folders(self._conn(), account)

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
            self._conn(), account, folders, query, order, late_only, offset, limit, only, exclude
        )

    def delay_rows(self, account: str, folder: str, *, late_only: bool = False) -> list[DelayRow]:
        return delays.delay_rows(self._conn(), account, folder, late_only)

    def late_arrivals(
        self, account: str, folder: str, after: datetime, limit: int
    ) -> list[tuple[datetime, str | None, frozenset[str]]]:
        return delays.late_arrivals(self._conn(), account, folder, after, limit)

    def unread_late(self, account: str, folder: str, after: datetime, limit: int) -> UnreadLate:
        return delays.unread_late(self._conn(), account, folder, after, limit)

    def delay_buckets(self, account: str, folder: str, bucket_seconds: int) -> list[DelayBucket]:
        conn = self._conn()
        delays.ensure_log(conn, self._local)
        return delays.delay_buckets(conn, account, folder, bucket_seconds)

    # -- writing (used by webmail.mailbox.sync, inside a transaction) ---------------------

    def folder_id(
        self, conn: sqlite3.Connection, account: str, folder: str, uidvalidity: int
    ) -> int:
        return writes.folder_id(conn, account, folder, uidvalidity)

    def put_rows(
        self,
        conn: sqlite3.Connection,
        folder_id: int,
        uidvalidity: int,
        rows: Iterable[Sequence[object]],
    ) -> None:
        writes.put_rows(conn, folder_id, uidvalidity, rows)

    def set_flags(
        self,
        conn: sqlite3.Connection,
        folder_id: int,
        uidvalidity: int,
        changes: Iterable[tuple[int, Iterable[str]]],
    ) -> int:
        return writes.set_flags(conn, folder_id, uidvalidity, changes)

    def delete_uids(
        self, conn: sqlite3.Connection, folder_id: int, uidvalidity: int, uids: Iterable[int]
    ) -> int:
        return writes.delete_uids(conn, folder_id, uidvalidity, uids)

    def current_uidvalidity(self, conn: sqlite3.Connection, folder_id: int) -> int | None:
        return writes.current_uidvalidity(conn, folder_id)

    def update_state(self, conn: sqlite3.Connection, folder_id: int, **values: object) -> None:
        writes.update_state(conn, folder_id, values)

    def claim(self, account: str, folder: str, owner: str, seconds: float) -> bool:
        """Take (or renew) the folder's sync lease for ``seconds``; ``False`` while another
        owner holds one that has not expired (across the processes sharing the file)."""
        return writes.claim(self._conn(), account, folder, owner, seconds)

    def release(self, account: str, folder: str, owner: str) -> None:
        writes.release(self._conn(), account, folder, owner)

    # -- admin -------------------------------------------------------------------------

    def drop_folder(self, account: str, folder: str) -> None:
        writes.drop_folder(self._conn(), account, folder)

    def purge(self, account: str) -> int:
        """Delete every row and folder state of the account; returns how many rows went."""
        return writes.purge(self._conn(), account)


__all__ = ["FILE_NAME", "SCHEMA_VERSION", "Index"]
