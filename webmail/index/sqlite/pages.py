"""The list pages of the SQLite index: counts, one page (by offset or after a key), one row,
the indexed UIDs and folders.

One page of a folder is one indexed query: ``(folder_id, uidvalidity, sent, uid)`` or
``(..., arrival, uid)``, plus a partial index for the late-only filter. Message and late
counts are kept in the folder row by triggers, so they cost one row read. Every statement
finds the folder by (account, name), so through the account (:data:`IN_FOLDER`).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from webmail.index.rows import ROW_COLUMNS, IndexRow
from webmail.index.store import MAX_PAGE, Order

# The folder id of (account, folder): every row statement goes through it, so through the account.
FOLDER = "(SELECT id FROM folders WHERE account = ? AND name = ?)"
_CURRENT = "(SELECT uidvalidity FROM folders WHERE account = ? AND name = ?)"
#: The rows of the folder's current UIDVALIDITY; its parameters are :func:`in_folder`'s.
IN_FOLDER = f"folder_id = {FOLDER} AND uidvalidity = {_CURRENT}"


def in_folder(account: str, folder: str) -> tuple[str, str, str, str]:
    """The parameters of :data:`IN_FOLDER`."""
    return (account, folder, account, folder)


def late_filter(late_only: bool) -> str:
    """`` AND delayed = 1`` with ``late_only``, else nothing."""
    return " AND delayed = 1" if late_only else ""


def capped(limit: int) -> int:
    """``limit`` within 0 .. ``MAX_PAGE``."""
    return max(0, min(limit, MAX_PAGE))


def counts(conn: sqlite3.Connection, account: str, folder: str) -> tuple[int, int]:
    """(messages, late messages) indexed in the folder; (0, 0) when never indexed."""
    row = conn.execute(
        "SELECT total, late FROM folders WHERE account = ? AND name = ?", (account, folder)
    ).fetchone()
    return (0, 0) if row is None else (row[0], row[1])


def page(
    conn: sqlite3.Connection,
    account: str,
    folder: str,
    order: Order,
    late_only: bool,
    offset: int,
    limit: int,
    newest_first: bool,
) -> list[IndexRow]:
    """One page of list rows: ordered by true sent time (or arrival), ties by UID.

    ``newest_first`` gives the order of ``webmail.listing.sort_summaries``. ``late_only``
    keeps the rows whose analysis says they arrived late. One indexed query; an unknown
    folder or another account's folder gives ``[]``. ``limit`` is capped at 500.
    """
    column = "arrival" if order == "arrival" else "sent"
    direction = "DESC" if newest_first else "ASC"
    sql = (
        f"SELECT {ROW_COLUMNS} FROM messages WHERE {IN_FOLDER}{late_filter(late_only)}"
        f" ORDER BY {column} {direction}, uid {direction} LIMIT ? OFFSET ?"
    )
    rows = conn.execute(
        sql, (*in_folder(account, folder), capped(limit), max(0, offset))
    ).fetchall()
    return [IndexRow.from_db(folder, row) for row in rows]


def page_after(
    conn: sqlite3.Connection,
    account: str,
    folder: str,
    after: tuple[datetime, int],
    order: Order,
    late_only: bool,
    limit: int,
) -> list[IndexRow]:
    """Keyset paging, newest first: the rows that come after ``after`` = (time, uid),
    the last row of the previous page (its ``sent`` or ``arrival`` and ``uid``).
    Costs the same at any depth, unlike a large ``offset``."""
    column = "arrival" if order == "arrival" else "sent"
    sql = (
        f"SELECT {ROW_COLUMNS} FROM messages WHERE {IN_FOLDER}{late_filter(late_only)}"
        f" AND ({column}, uid) < (?, ?) ORDER BY {column} DESC, uid DESC LIMIT ?"
    )
    when = int(after[0].timestamp())
    rows = conn.execute(
        sql, (*in_folder(account, folder), when, after[1], capped(limit))
    ).fetchall()
    return [IndexRow.from_db(folder, row) for row in rows]


def row(conn: sqlite3.Connection, account: str, folder: str, uid: int) -> IndexRow | None:
    """One row by UID, or ``None``."""
    found = conn.execute(
        f"SELECT {ROW_COLUMNS} FROM messages WHERE {IN_FOLDER} AND uid = ?",
        (*in_folder(account, folder), uid),
    ).fetchone()
    return None if found is None else IndexRow.from_db(folder, found)


def uids(conn: sqlite3.Connection, account: str, folder: str, above: int) -> list[int]:
    """The indexed UIDs greater than ``above``, ascending."""
    rows = conn.execute(
        f"SELECT uid FROM messages WHERE {IN_FOLDER} AND uid > ? ORDER BY uid",
        (*in_folder(account, folder), above),
    ).fetchall()
    return [r[0] for r in rows]


def folders(conn: sqlite3.Connection, account: str) -> list[str]:
    """The names of the account's indexed folders, sorted."""
    rows = conn.execute(
        "SELECT name FROM folders WHERE account = ? ORDER BY name", (account,)
    ).fetchall()
    return [r[0] for r in rows]
