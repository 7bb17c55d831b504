"""The delays of the SQLite index: the delays page's rows and its on-time rows counted into
buckets, the list banner's late arrivals since the reader's previous visit."""

from __future__ import annotations

import math
import sqlite3
import threading
from datetime import UTC, datetime

from webmail.index.rows import DELAY_BUCKETS_PER_DECADE, DelayBucket, DelayRow
from webmail.index.sqlite.pages import IN_FOLDER, in_folder, late_filter
from webmail.index.store import UnreadLate
from webmail.message.summary import SEEN

# The delay bucket of rows.delay_bucket_of, in SQL (log is base 10 in SQLite).
_DELAY_BUCKET = (
    "CASE WHEN delay IS NULL THEN NULL WHEN delay <= 1 THEN 0"
    f" ELSE CAST(log(delay) * {DELAY_BUCKETS_PER_DECADE} AS INTEGER) END"
)
# floor(sent / ?): SQLite's integer division truncates toward zero.
_TIME_BUCKET = "CASE WHEN sent >= 0 THEN sent / ? ELSE -((-sent - 1) / ?) - 1 END"
# The late rows that arrived after a time, newest arrival first, at most so many: over the
# ``messages_late_arrival`` index; its parameters are :func:`_late_since`'s.
_LATE_SINCE = (
    f"SELECT sent, bottleneck, flags FROM messages WHERE {IN_FOLDER} AND delayed = 1"
    " AND arrival > ? ORDER BY arrival DESC, uid DESC LIMIT ?"
)


def _late_since(account: str, folder: str, after: datetime, limit: int) -> tuple[object, ...]:
    # arrival is whole seconds: later than ``after`` = later than its floor
    return (*in_folder(account, folder), math.floor(after.timestamp()), max(0, limit))


def delay_rows(
    conn: sqlite3.Connection, account: str, folder: str, late_only: bool
) -> list[DelayRow]:
    """Every row of the folder (late ones with ``late_only``) as a :class:`DelayRow`,
    oldest sent first, ties by UID; ``[]`` when unknown."""
    rows = conn.execute(
        "SELECT uid, sent, delivered, delay, delayed, bottleneck, hold_start, hold_end,"
        f" subject FROM messages WHERE {IN_FOLDER}{late_filter(late_only)} ORDER BY sent, uid",
        in_folder(account, folder),
    ).fetchall()
    return [DelayRow(r[0], r[1], r[2], r[3], bool(r[4]), *r[5:]) for r in rows]


def late_arrivals(
    conn: sqlite3.Connection, account: str, folder: str, after: datetime, limit: int
) -> list[tuple[datetime, str | None, frozenset[str]]]:
    """The late rows that arrived after ``after``, newest arrival first, ties by UID, at
    most ``limit``: (sent, held at, flags), over the ``messages_late_arrival`` index."""
    rows = conn.execute(_LATE_SINCE, _late_since(account, folder, after, limit)).fetchall()
    return [
        (datetime.fromtimestamp(sent, UTC), held, frozenset(flags.split()))
        for sent, held, flags in rows
    ]


def unread_late(
    conn: sqlite3.Connection, account: str, folder: str, after: datetime, limit: int
) -> UnreadLate:
    """:func:`late_arrivals` counted in SQL, the unread ones only (no ``\\Seen`` among the
    space-separated flags): one grouped query, one row per holding host."""
    groups = conn.execute(
        f"SELECT bottleneck, count(*), min(sent), max(sent) FROM ({_LATE_SINCE})"
        " WHERE instr(' ' || flags || ' ', ?) = 0 GROUP BY bottleneck",
        (*_late_since(account, folder, after, limit), f" {SEEN} "),
    ).fetchall()
    if not groups:
        return UnreadLate(0, None, None, {})
    return UnreadLate(
        count=sum(g[1] for g in groups),
        first_sent=datetime.fromtimestamp(min(g[2] for g in groups), UTC),
        last_sent=datetime.fromtimestamp(max(g[3] for g in groups), UTC),
        hosts={g[0]: g[1] for g in groups if g[0]},
    )


def delay_buckets(
    conn: sqlite3.Connection, account: str, folder: str, bucket_seconds: int
) -> list[DelayBucket]:
    """The folder's on-time rows counted into :class:`DelayBucket` in one grouped query
    over the ``messages_delays`` index (the table itself is not read, nor the late rows);
    ``[]`` when unknown. ``conn`` must have a ``log()`` (:func:`ensure_log`)."""
    step = max(1, int(bucket_seconds))
    return [
        DelayBucket._make(r)
        for r in conn.execute(
            f"SELECT {_TIME_BUCKET} AS tb, {_DELAY_BUCKET} AS db, count(*)"
            f" FROM messages WHERE {IN_FOLDER} AND delayed = 0 GROUP BY tb, db",
            (step, step, *in_folder(account, folder)),
        ).fetchall()
    ]


def ensure_log(conn: sqlite3.Connection, local: threading.local) -> None:
    """Give the connection a base-10 ``log()`` when this SQLite was built without its
    math functions (SQLITE_ENABLE_MATH_FUNCTIONS, on in Debian's and python.org's); ``local``
    remembers the thread's connection that was checked."""
    if getattr(local, "log_checked", None) is conn:
        return
    try:
        conn.execute("SELECT log(10)").fetchone()
    except sqlite3.OperationalError:
        conn.create_function("log", 1, _log10, deterministic=True)
    local.log_checked = conn


def _log10(value: float | None) -> float | None:
    """SQLite's ``log(X)`` (base 10) for a build without math functions."""
    if value is None or value <= 0:
        return None
    return math.log10(value)
