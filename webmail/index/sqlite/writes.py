"""The writes of the SQLite index (used by :mod:`webmail.mailbox.sync`): a folder's id and
rows inside a sync's transaction, the folder's sync state and lease, dropping a folder or an
account. The functions taking a ``conn`` and a ``folder_id`` run inside a transaction the
caller holds; :func:`claim`, :func:`release`, :func:`drop_folder` and :func:`purge` open
their own."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence

from webmail.index.rows import DB_ORDER, encode_flags
from webmail.index.sqlite.opening import transaction
from webmail.index.sqlite.pages import FOLDER
from webmail.index.store import STATE_FIELDS, FolderState, utc_from_epoch

_INSERT = f"INSERT INTO messages VALUES ({', '.join('?' * (2 + len(DB_ORDER)))})"


def state(conn: sqlite3.Connection, account: str, folder: str) -> FolderState | None:
    """The folder's sync state and counts, or ``None`` when it was never indexed."""
    row = conn.execute(
        "SELECT uidvalidity, uidnext, highestmodseq, last_uid, server_count, total, late,"
        " complete, settled_since, synced_at FROM folders WHERE account = ? AND name = ?",
        (account, folder),
    ).fetchone()
    if row is None:
        return None
    return FolderState(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6],
        bool(row[7]), utc_from_epoch(row[8]), row[9],
    )  # fmt: skip


def folder_id(conn: sqlite3.Connection, account: str, folder: str, uidvalidity: int) -> int:
    """The folder's id, creating it or dropping its rows when ``uidvalidity`` differs from the
    stored one (the old UIDs mean nothing any more)."""
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
    conn: sqlite3.Connection, folder_id: int, uidvalidity: int, rows: Iterable[Sequence[object]]
) -> None:
    """Insert or refresh rows (tuples in ``webmail.index.rows.DB_ORDER``)."""
    conn.executemany(
        f"{_INSERT} ON CONFLICT (folder_id, uidvalidity, uid)"
        " DO UPDATE SET flags = excluded.flags, delayed = excluded.delayed,"
        " analysis = excluded.analysis, sent = excluded.sent,"
        " hold_start = excluded.hold_start, hold_end = excluded.hold_end",
        ((folder_id, uidvalidity, *row) for row in rows),
    )


def set_flags(
    conn: sqlite3.Connection,
    folder_id: int,
    uidvalidity: int,
    changes: Iterable[tuple[int, Iterable[str]]],
) -> int:
    """Replace the flags of the given (uid, flags); unknown UIDs are ignored. Returns how many
    rows were updated."""
    return conn.executemany(
        "UPDATE messages SET flags = ? WHERE folder_id = ? AND uidvalidity = ? AND uid = ?",
        ((encode_flags(flags), folder_id, uidvalidity, uid) for uid, flags in changes),
    ).rowcount


def delete_uids(
    conn: sqlite3.Connection, folder_id: int, uidvalidity: int, uids: Iterable[int]
) -> int:
    """Remove the rows of expunged UIDs; returns how many went."""
    return conn.executemany(
        "DELETE FROM messages WHERE folder_id = ? AND uidvalidity = ? AND uid = ?",
        ((folder_id, uidvalidity, uid) for uid in uids),
    ).rowcount


def current_uidvalidity(conn: sqlite3.Connection, folder_id: int) -> int | None:
    """The folder's stored UIDVALIDITY, ``None`` when it is gone."""
    row = conn.execute("SELECT uidvalidity FROM folders WHERE id = ?", (folder_id,)).fetchone()
    return None if row is None else int(row[0])


def update_state(conn: sqlite3.Connection, folder_id: int, values: dict[str, object]) -> None:
    """Set sync-state columns of the folder row (names checked)."""
    unknown = set(values) - STATE_FIELDS
    if unknown:
        raise KeyError(f"not a folder state column: {sorted(unknown)}")
    if values:
        assignments = ", ".join(f"{name} = ?" for name in values)
        conn.execute(
            f"UPDATE folders SET {assignments} WHERE id = ?", (*values.values(), folder_id)
        )


def claim(conn: sqlite3.Connection, account: str, folder: str, owner: str, seconds: float) -> bool:
    """Take (or renew) the folder's sync lease for ``seconds``; ``False`` when another
    owner holds a lease that has not expired. Keeps two workers from syncing one folder."""
    now = time.time()
    with transaction(conn):
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


def release(conn: sqlite3.Connection, account: str, folder: str, owner: str) -> None:
    """Give the sync lease back if ``owner`` holds it."""
    with transaction(conn):
        conn.execute(
            "UPDATE folders SET lease_owner = NULL, lease_until = NULL"
            " WHERE account = ? AND name = ? AND lease_owner = ?",
            (account, folder, owner),
        )


def drop_folder(conn: sqlite3.Connection, account: str, folder: str) -> None:
    """Forget one folder of the account (rows and sync state)."""
    with transaction(conn):
        conn.execute(f"DELETE FROM messages WHERE folder_id = {FOLDER}", (account, folder))
        conn.execute("DELETE FROM folders WHERE account = ? AND name = ?", (account, folder))


def purge(conn: sqlite3.Connection, account: str) -> int:
    """Delete every row and folder state of the account; returns how many rows went."""
    with transaction(conn):
        ids = [r[0] for r in conn.execute("SELECT id FROM folders WHERE account = ?", (account,))]
        removed = 0
        for folder_id in ids:
            removed += conn.execute(
                "DELETE FROM messages WHERE folder_id = ?", (folder_id,)
            ).rowcount
        conn.execute("DELETE FROM folders WHERE account = ?", (account,))
    return removed
