"""The local index: list rows and header analyses of every indexed folder, in SQLite.

The index is a cache of what the IMAP server holds: deleting the file loses nothing, the
next sync rebuilds it. Rows are keyed by (account, folder, UIDVALIDITY, UID); the
account key is derived from server and user (:func:`webmail.index.account_key`) and every
statement that reads or writes rows filters by it, so one user can never read another's rows.
The tables are in ``schema.sql`` beside this module.

One page of a folder is one indexed query: ``(folder_id, uidvalidity, sent, uid)`` or
``(..., arrival, uid)``, plus a partial index for the late-only filter. Message and late
counts are kept in the folder row by triggers, so they cost one row read.

The database lives in the instance folder, mode 0600 (the ``-wal``/``-shm`` files get
the same mode from SQLite), in WAL mode with a busy timeout, so several worker processes
can read while one writes. Each thread (and each forked process) gets its own connection.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from webmail.index.rows import (
    DB_ORDER,
    DELAY_BUCKETS_PER_DECADE,
    ROW_COLUMNS,
    DelayBucket,
    DelayRow,
    IndexRow,
    encode_flags,
)
from webmail.index.store import (
    MAX_PAGE,
    STATE_FIELDS,
    FolderState,
    Order,
    SearchHits,
    UnreadLate,
    utc_from_epoch,
)
from webmail.message.query import Query
from webmail.message.summary import SEEN

#: Bump when ``schema.sql`` changes: a file with another ``user_version`` is emptied on open.
SCHEMA_VERSION = 7  # 7: search columns and index; 6: the delays index; 5: holds
BUSY_TIMEOUT_MS = 10_000
# How long BEGIN IMMEDIATE waits at a time for another connection's write to end before it
# tries again: SQLite's own busy handler sleeps 1, 2, 5, 10 ... up to 100 ms at a time, so a
# page's write behind a fill's chunk could sleep tens of ms past the moment the lock was free.
_WRITE_POLL_SECONDS = 0.001
FILE_NAME = "index.sqlite3"

# The folder id of (account, folder): every row statement goes through it, so through the account.
_FOLDER = "(SELECT id FROM folders WHERE account = ? AND name = ?)"
_CURRENT = "(SELECT uidvalidity FROM folders WHERE account = ? AND name = ?)"
_INSERT = f"INSERT INTO messages VALUES ({', '.join('?' * (2 + len(DB_ORDER)))})"
# The delay bucket of rows.delay_bucket_of, in SQL (log is base 10 in SQLite).
_DELAY_BUCKET = (
    "CASE WHEN delay IS NULL THEN NULL WHEN delay <= 1 THEN 0"
    f" ELSE CAST(log(delay) * {DELAY_BUCKETS_PER_DECADE} AS INTEGER) END"
)
# floor(sent / ?): SQLite's integer division truncates toward zero.
_TIME_BUCKET = "CASE WHEN sent >= 0 THEN sent / ? ELSE -((-sent - 1) / ?) - 1 END"


def _statements(script: str) -> list[str]:
    """Split a script into complete statements (triggers keep their inner ``;``); comment
    lines between statements are left out."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out


class Index:
    """The SQLite index at ``path``; methods are safe from any thread or forked process.

    ``threshold`` is the late threshold the rows' ``delayed`` was computed with: opening
    an index written with another threshold drops every row (the index is a cache).
    """

    def __init__(
        self, path: str | os.PathLike[str], threshold: timedelta = timedelta(hours=1)
    ) -> None:
        self.path = Path(path)
        self.threshold = threshold
        self._local = threading.local()
        self._create()

    # -- connections -------------------------------------------------------------------

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        os.chmod(self.path, 0o600)
        schema = resources.files("webmail.index").joinpath("schema.sql").read_text("utf-8")
        statements = _statements(schema)
        conn = self._conn()
        with self.transaction() as c:
            version = c.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                for (name,) in c.execute(
                    "SELECT name FROM sqlite_master"
                    " WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                ).fetchall():
                    c.execute(f'DROP TABLE "{name}"')
                c.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            for statement in statements:
                c.execute(statement)
            seconds = str(int(self.threshold.total_seconds()))
            row = c.execute("SELECT value FROM meta WHERE key = 'threshold'").fetchone()
            if row is None or row[0] != seconds:
                c.execute("DELETE FROM messages")
                c.execute("DELETE FROM folders")
                c.execute("INSERT OR REPLACE INTO meta VALUES ('threshold', ?)", (seconds,))
        del conn

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            return conn
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=True
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), committed on success, rolled back on
        error."""
        conn = self._conn()
        self._begin_immediate(conn)
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @staticmethod
    def _begin_immediate(conn: sqlite3.Connection) -> None:
        """``BEGIN IMMEDIATE``, waiting up to ``BUSY_TIMEOUT_MS`` for another writer in steps
        of ``_WRITE_POLL_SECONDS`` (not SQLite's growing sleeps); then ``database is locked``."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() >= deadline:
                        raise
                time.sleep(_WRITE_POLL_SECONDS)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- reading -----------------------------------------------------------------------

    def state(self, account: str, folder: str) -> FolderState | None:
        """The folder's sync state and counts, or ``None`` when it was never indexed."""
        row = (
            self._conn()
            .execute(
                "SELECT uidvalidity, uidnext, highestmodseq, last_uid, server_count, total, late,"
                " complete, settled_since, synced_at FROM folders WHERE account = ? AND name = ?",
                (account, folder),
            )
            .fetchone()
        )
        if row is None:
            return None
        return FolderState(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            bool(row[7]),
            utc_from_epoch(row[8]),
            row[9],
        )

    def counts(self, account: str, folder: str) -> tuple[int, int]:
        """(messages, late messages) indexed in the folder; (0, 0) when never indexed."""
        row = (
            self._conn()
            .execute(
                "SELECT total, late FROM folders WHERE account = ? AND name = ?", (account, folder)
            )
            .fetchone()
        )
        return (0, 0) if row is None else (row[0], row[1])

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
        """One page of list rows: ordered by true sent time (or arrival), ties by UID.

        ``newest_first`` gives the order of ``webmail.listing.sort_summaries``. ``late_only``
        keeps the rows whose analysis says they arrived late. One indexed query; an unknown
        folder or another account's folder gives ``[]``. ``limit`` is capped at 500.
        """
        column = "arrival" if order == "arrival" else "sent"
        direction = "DESC" if newest_first else "ASC"
        late = " AND delayed = 1" if late_only else ""
        sql = (
            f"SELECT {ROW_COLUMNS} FROM messages WHERE folder_id = {_FOLDER}"
            f" AND uidvalidity = {_CURRENT}{late}"
            f" ORDER BY {column} {direction}, uid {direction} LIMIT ? OFFSET ?"
        )
        rows = (
            self._conn()
            .execute(
                sql,
                (account, folder, account, folder, max(0, min(limit, MAX_PAGE)), max(0, offset)),
            )
            .fetchall()
        )
        return [IndexRow.from_db(folder, row) for row in rows]

    def page_after(
        self,
        account: str,
        folder: str,
        after: tuple[datetime, int],
        order: Order = "sent",
        late_only: bool = False,
        limit: int = 50,
    ) -> list[IndexRow]:
        """Keyset paging, newest first: the rows that come after ``after`` = (time, uid),
        the last row of the previous page (its ``sent`` or ``arrival`` and ``uid``).
        Costs the same at any depth, unlike a large ``offset``."""
        column = "arrival" if order == "arrival" else "sent"
        late = " AND delayed = 1" if late_only else ""
        sql = (
            f"SELECT {ROW_COLUMNS} FROM messages WHERE folder_id = {_FOLDER}"
            f" AND uidvalidity = {_CURRENT}{late} AND ({column}, uid) < (?, ?)"
            f" ORDER BY {column} DESC, uid DESC LIMIT ?"
        )
        when = int(after[0].timestamp())
        rows = (
            self._conn()
            .execute(
                sql,
                (account, folder, account, folder, when, after[1], max(0, min(limit, MAX_PAGE))),
            )
            .fetchall()
        )
        return [IndexRow.from_db(folder, row) for row in rows]

    def row(self, account: str, folder: str, uid: int) -> IndexRow | None:
        """One row by UID, or ``None``."""
        found = (
            self._conn()
            .execute(
                f"SELECT {ROW_COLUMNS} FROM messages WHERE folder_id = {_FOLDER}"
                f" AND uidvalidity = {_CURRENT} AND uid = ?",
                (account, folder, account, folder, uid),
            )
            .fetchone()
        )
        return None if found is None else IndexRow.from_db(folder, found)

    def uids(self, account: str, folder: str, above: int = 0) -> list[int]:
        """The indexed UIDs greater than ``above``, ascending."""
        rows = (
            self._conn()
            .execute(
                f"SELECT uid FROM messages WHERE folder_id = {_FOLDER} AND uidvalidity = {_CURRENT}"
                " AND uid > ? ORDER BY uid",
                (account, folder, account, folder, above),
            )
            .fetchall()
        )
        return [r[0] for r in rows]

    def folders(self, account: str) -> list[str]:
        """The names of the account's indexed folders, sorted."""
        rows = (
            self._conn()
            .execute("SELECT name FROM folders WHERE account = ? ORDER BY name", (account,))
            .fetchall()
        )
        return [r[0] for r in rows]

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
        """The matches of ``query`` in ``folders`` (see :meth:`IndexStore.search`): one scan of
        the ``messages_search`` covering index, in sent order (a date range reads only its
        stretch of it), counting every match as it goes; then the page's rows by key."""
        names = list(dict.fromkeys(folders))
        if not names:
            return SearchHits([], 0, 0)
        where, params = _search_where(query)
        marks = ", ".join("?" * len(names))
        sql_from = (
            "FROM folders f JOIN messages m INDEXED BY messages_search"
            " ON m.folder_id = f.id AND m.uidvalidity = f.uidvalidity"
            f" WHERE f.account = ? AND f.name IN ({marks}){where}"
        )
        args: list[object] = [account, *names, *params]
        for name, uids, keep in (
            *((n, (only or {}).get(n, ()), True) for n in (names if only is not None else ())),
            *((n, u, False) for n, u in (exclude or {}).items() if n in names and u),
        ):
            test = "IN" if keep else "NOT IN"
            sql_from += f" AND (f.name <> ? OR m.uid {test} (SELECT value FROM json_each(?)))"
            args += [name, json.dumps(sorted(int(u) for u in uids))]
        if late_only:
            sql_from += " AND m.delayed = 1"
        column = "m.arrival" if order == "arrival" else "m.sent"
        conn = self._conn()
        found = conn.execute(
            f"SELECT m.folder_id, f.name, m.uid, count(*) OVER (), sum(m.delayed) OVER ()"
            f" {sql_from} ORDER BY {column} DESC, m.uid DESC, f.name DESC LIMIT ? OFFSET ?",
            (*args, max(0, min(limit, MAX_PAGE)), max(0, offset)),
        ).fetchall()
        if not found:  # nothing matches, or the page is past the end: count them
            total, late = conn.execute(
                f"SELECT count(*), sum(m.delayed) {sql_from}", args
            ).fetchone()
            return SearchHits([], int(total), int(late or 0))
        rows = []
        for folder_id, name, uid, _, _ in found:
            row = conn.execute(
                f"SELECT {ROW_COLUMNS} FROM messages m WHERE folder_id = ? AND uid = ?"
                " AND uidvalidity = (SELECT uidvalidity FROM folders WHERE id = ?)",
                (folder_id, uid, folder_id),
            ).fetchone()
            if row is not None:
                rows.append(IndexRow.from_db(name, row))
        return SearchHits(rows, int(found[0][3]), int(found[0][4] or 0))

    def delay_rows(self, account: str, folder: str, *, late_only: bool = False) -> list[DelayRow]:
        """Every row of the folder (late ones with ``late_only``) as a :class:`DelayRow`,
        oldest sent first, ties by UID; ``[]`` when unknown."""
        late = " AND delayed = 1" if late_only else ""
        rows = (
            self._conn()
            .execute(
                "SELECT uid, sent, delivered, delay, delayed, bottleneck, hold_start, hold_end,"
                f" subject FROM messages WHERE folder_id = {_FOLDER}"
                f" AND uidvalidity = {_CURRENT}{late} ORDER BY sent, uid",
                (account, folder, account, folder),
            )
            .fetchall()
        )
        return [DelayRow(r[0], r[1], r[2], r[3], bool(r[4]), *r[5:]) for r in rows]

    def late_arrivals(
        self, account: str, folder: str, after: datetime, limit: int
    ) -> list[tuple[datetime, str | None, frozenset[str]]]:
        """The late rows that arrived after ``after``, newest arrival first, ties by UID, at
        most ``limit``: (sent, held at, flags), over the ``messages_late_arrival`` index."""
        rows = (
            self._conn()
            .execute(
                "SELECT sent, bottleneck, flags FROM messages WHERE folder_id = "
                f"{_FOLDER} AND uidvalidity = {_CURRENT} AND delayed = 1 AND arrival > ?"
                " ORDER BY arrival DESC, uid DESC LIMIT ?",
                # arrival is whole seconds: later than ``after`` = later than its floor
                (account, folder, account, folder, math.floor(after.timestamp()), max(0, limit)),
            )
            .fetchall()
        )
        return [
            (datetime.fromtimestamp(sent, UTC), held, frozenset(flags.split()))
            for sent, held, flags in rows
        ]

    def unread_late(self, account: str, folder: str, after: datetime, limit: int) -> UnreadLate:
        """:meth:`late_arrivals` counted in SQL, the unread ones only (no ``\\Seen`` among the
        space-separated flags): one grouped query, one row per holding host."""
        groups = (
            self._conn()
            .execute(
                "SELECT bottleneck, count(*), min(sent), max(sent) FROM (SELECT sent,"
                f" bottleneck, flags FROM messages WHERE folder_id = {_FOLDER} AND uidvalidity ="
                f" {_CURRENT} AND delayed = 1 AND arrival > ? ORDER BY arrival DESC, uid DESC"
                " LIMIT ?) WHERE instr(' ' || flags || ' ', ?) = 0 GROUP BY bottleneck",
                (account, folder, account, folder, math.floor(after.timestamp()), max(0, limit),
                 f" {SEEN} "),
            )
            .fetchall()
        )
        if not groups:
            return UnreadLate(0, None, None, {})
        return UnreadLate(
            count=sum(g[1] for g in groups),
            first_sent=datetime.fromtimestamp(min(g[2] for g in groups), UTC),
            last_sent=datetime.fromtimestamp(max(g[3] for g in groups), UTC),
            hosts={g[0]: g[1] for g in groups if g[0]},
        )

    def delay_buckets(self, account: str, folder: str, bucket_seconds: int) -> list[DelayBucket]:
        """The folder's on-time rows counted into :class:`DelayBucket` in one grouped query
        over the ``messages_delays`` index (the table itself is not read, nor the late rows);
        ``[]`` when unknown."""
        step = max(1, int(bucket_seconds))
        conn = self._conn()
        self._ensure_log(conn)
        return [
            DelayBucket._make(r)
            for r in conn.execute(
                f"SELECT {_TIME_BUCKET} AS tb, {_DELAY_BUCKET} AS db, count(*)"
                f" FROM messages WHERE folder_id = {_FOLDER} AND uidvalidity = {_CURRENT}"
                " AND delayed = 0 GROUP BY tb, db",
                (step, step, account, folder, account, folder),
            ).fetchall()
        ]

    def _ensure_log(self, conn: sqlite3.Connection) -> None:
        """Give the connection a base-10 ``log()`` when this SQLite was built without its
        math functions (SQLITE_ENABLE_MATH_FUNCTIONS, on in Debian's and python.org's)."""
        if getattr(self._local, "log_checked", None) is conn:
            return
        try:
            conn.execute("SELECT log(10)").fetchone()
        except sqlite3.OperationalError:
            conn.create_function("log", 1, _log10, deterministic=True)
        self._local.log_checked = conn

    # -- writing (used by webmail.mailbox.sync) ---------------------------------------------------

    def folder_id(
        self, conn: sqlite3.Connection, account: str, folder: str, uidvalidity: int
    ) -> int:
        """Inside a transaction: the folder's id, creating it or dropping its rows when
        ``uidvalidity`` differs from the stored one (the old UIDs mean nothing any more)."""
        row = conn.execute(
            "SELECT id, uidvalidity FROM folders WHERE account = ? AND name = ?", (account, folder)
        ).fetchone()
        if row is None:
            cur = conn.execute(
                "INSERT INTO folders (account, name, uidvalidity) VALUES (?, ?, ?)",
                (account, folder, uidvalidity),
            )
            return int(cur.lastrowid or 0)
        if row[1] != uidvalidity:
            conn.execute("DELETE FROM messages WHERE folder_id = ?", (row[0],))
            conn.execute(
                "UPDATE folders SET uidvalidity = ?, uidnext = NULL, highestmodseq = NULL,"
                " last_uid = 0, complete = 0, settled_since = NULL, synced_at = NULL,"
                " total = 0, late = 0 WHERE id = ?",
                (uidvalidity, row[0]),
            )
        return int(row[0])

    def put_rows(
        self,
        conn: sqlite3.Connection,
        folder_id: int,
        uidvalidity: int,
        rows: Iterable[Sequence[object]],
    ) -> None:
        """Inside a transaction: insert or refresh rows (tuples in
        ``webmail.index.rows.DB_ORDER``)."""
        conn.executemany(
            f"{_INSERT} ON CONFLICT (folder_id, uidvalidity, uid)"
            " DO UPDATE SET flags = excluded.flags, delayed = excluded.delayed,"
            " analysis = excluded.analysis, sent = excluded.sent,"
            " hold_start = excluded.hold_start, hold_end = excluded.hold_end",
            ((folder_id, uidvalidity, *row) for row in rows),
        )

    def set_flags(
        self,
        conn: sqlite3.Connection,
        folder_id: int,
        uidvalidity: int,
        changes: Iterable[tuple[int, Iterable[str]]],
    ) -> int:
        """Inside a transaction: replace the flags of the given (uid, flags); unknown UIDs are
        ignored. Returns how many rows were updated."""
        return conn.executemany(
            "UPDATE messages SET flags = ? WHERE folder_id = ? AND uidvalidity = ? AND uid = ?",
            ((encode_flags(flags), folder_id, uidvalidity, uid) for uid, flags in changes),
        ).rowcount

    def delete_uids(
        self, conn: sqlite3.Connection, folder_id: int, uidvalidity: int, uids: Iterable[int]
    ) -> int:
        """Inside a transaction: remove the rows of expunged UIDs; returns how many went."""
        return conn.executemany(
            "DELETE FROM messages WHERE folder_id = ? AND uidvalidity = ? AND uid = ?",
            ((folder_id, uidvalidity, uid) for uid in uids),
        ).rowcount

    def current_uidvalidity(self, conn: sqlite3.Connection, folder_id: int) -> int | None:
        """Inside a transaction: the folder's stored UIDVALIDITY, ``None`` when it is gone."""
        row = conn.execute("SELECT uidvalidity FROM folders WHERE id = ?", (folder_id,)).fetchone()
        return None if row is None else int(row[0])

    def update_state(self, conn: sqlite3.Connection, folder_id: int, **values: object) -> None:
        """Inside a transaction: set sync-state columns of the folder row (names checked)."""
        unknown = set(values) - STATE_FIELDS
        if unknown:
            raise KeyError(f"not a folder state column: {sorted(unknown)}")
        if values:
            assignments = ", ".join(f"{name} = ?" for name in values)
            conn.execute(
                f"UPDATE folders SET {assignments} WHERE id = ?", (*values.values(), folder_id)
            )

    def claim(self, account: str, folder: str, owner: str, seconds: float) -> bool:
        """Take (or renew) the folder's sync lease for ``seconds``; ``False`` when another
        owner holds a lease that has not expired. Keeps two workers from syncing one folder."""
        now = time.time()
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT lease_owner, lease_until FROM folders WHERE account = ? AND name = ?",
                (account, folder),
            ).fetchone()
            if row is not None and row[0] not in (None, owner) and (row[1] or 0) > now:
                return False
            if row is None:
                conn.execute(
                    "INSERT INTO folders (account, name, uidvalidity, lease_owner, lease_until)"
                    " VALUES (?, ?, 0, ?, ?)",
                    (account, folder, owner, now + seconds),
                )
            else:
                conn.execute(
                    "UPDATE folders SET lease_owner = ?, lease_until = ?"
                    " WHERE account = ? AND name = ?",
                    (owner, now + seconds, account, folder),
                )
        return True

    def release(self, account: str, folder: str, owner: str) -> None:
        """Give the sync lease back if ``owner`` holds it."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE folders SET lease_owner = NULL, lease_until = NULL"
                " WHERE account = ? AND name = ? AND lease_owner = ?",
                (account, folder, owner),
            )

    # -- admin -------------------------------------------------------------------------

    def drop_folder(self, account: str, folder: str) -> None:
        """Forget one folder of the account (rows and sync state)."""
        with self.transaction() as conn:
            conn.execute(f"DELETE FROM messages WHERE folder_id = {_FOLDER}", (account, folder))
            conn.execute("DELETE FROM folders WHERE account = ? AND name = ?", (account, folder))

    def purge(self, account: str) -> int:
        """Delete every row and folder state of the account; returns how many rows went."""
        with self.transaction() as conn:
            ids = [
                r[0] for r in conn.execute("SELECT id FROM folders WHERE account = ?", (account,))
            ]
            removed = 0
            for folder_id in ids:
                removed += conn.execute(
                    "DELETE FROM messages WHERE folder_id = ?", (folder_id,)
                ).rowcount
            conn.execute("DELETE FROM folders WHERE account = ?", (account,))
        return removed


# The SQL of each term of a search, as webmail.message.query._holds decides it on a row: the
# same folded strings (stored by rows.row_values), the same substring test (instr counts
# characters, as Python's ``in`` does), flags as whole words of the stored flag string.
_TERM_SQL = {
    "any": "(instr(m.search_subject, ?) > 0 OR instr(m.search_from, ?) > 0"
    " OR instr(m.search_to, ?) > 0)",
    "from": "instr(m.search_from, ?) > 0",
    "to": "instr(m.search_to, ?) > 0",
    "subject": "instr(m.search_subject, ?) > 0",
    "held": "lower(coalesce(m.bottleneck, '')) = ?",  # lower() is ASCII-only, as fold_host
    "after": "m.sent >= ?",
    "before": "m.sent < ?",
}
_FLAG_SQL = "instr(' ' || m.flags || ' ', ?) > 0"


def _search_where(query: Query) -> tuple[str, list[object]]:
    """`` AND ...`` for every row term of ``query``, and its parameters."""
    sql, params = [], []
    for term in query.row_terms:
        value: object = term.value
        if term.field == "has":
            test, value = "m.attachments = 1", None
        elif term.field == "is":
            if term.value == "late":
                test, value = "m.delayed = 1", None
            else:
                test = _FLAG_SQL
                value = " \\Flagged " if term.value == "flagged" else " \\Seen "
                if term.value == "unread":
                    test = f"NOT {_FLAG_SQL}"
        elif term.field in ("after", "before"):
            test, value = _TERM_SQL[term.field], term.epoch
        else:
            test = _TERM_SQL[term.field]
        sql.append(f" AND NOT ({test})" if term.negated else f" AND {test}")
        if value is not None:
            params.extend([value] * test.count("?"))
    return "".join(sql), params


def _log10(value: float | None) -> float | None:
    """SQLite's ``log(X)`` (base 10) for a build without math functions."""
    if value is None or value <= 0:
        return None
    return math.log10(value)


__all__ = ["FILE_NAME", "SCHEMA_VERSION", "Index"]
