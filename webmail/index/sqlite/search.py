"""A search of the SQLite index: one scan of the ``messages_search`` covering index, its terms
in SQL that decides them as :meth:`webmail.message.query.Query.matches` does on a row."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping, Sequence

from webmail.index.rows import ROW_COLUMNS, IndexRow
from webmail.index.sqlite.pages import capped
from webmail.index.store import Order, SearchHits
from webmail.message.query import Query

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


def search(
    conn: sqlite3.Connection,
    account: str,
    folders: Sequence[str],
    query: Query,
    order: Order,
    late_only: bool,
    offset: int,
    limit: int,
    only: Mapping[str, Collection[int]] | None,
    exclude: Mapping[str, Collection[int]] | None,
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
    found = conn.execute(
        f"SELECT m.folder_id, f.name, m.uid, count(*) OVER (), sum(m.delayed) OVER ()"
        f" {sql_from} ORDER BY {column} DESC, m.uid DESC, f.name DESC LIMIT ? OFFSET ?",
        (*args, capped(limit), max(0, offset)),
    ).fetchall()
    if not found:  # nothing matches, or the page is past the end: count them
        total, late = conn.execute(f"SELECT count(*), sum(m.delayed) {sql_from}", args).fetchone()
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
