"""The list pages of the Redis index: counts, one page, one row, the indexed UIDs and
folders. A page is one ZRANGE of a list's sorted set plus two HMGETs (rows and their
flags); counts are two ZCARDs."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from webmail.index.redis.layout import account_prefix, list_key
from webmail.index.rows import DB_ORDER, IndexRow
from webmail.index.store import MAX_PAGE, Order

#: Rows read per HMGET when many are read (a whole folder for the delays page).
READ_CHUNK = 1000
_FLAGS = DB_ORDER.index("flags")


def counts(client: Any, f: str) -> tuple[int, int]:
    """(rows, late rows) of folder prefix ``f``; (0, 0) when never indexed."""
    pipe = client.pipeline(transaction=False)
    pipe.zcard(f + "sent")
    pipe.zcard(f + "late:sent")
    total, late = pipe.execute()
    return int(total), int(late)


def stored_values(client: Any, f: str, members: Sequence[str]) -> Iterator[list[Any]]:
    """The stored rows (``DB_ORDER`` values) of ``members``, in their order, each with its
    current flags (the ``flags`` hash); a row deleted meanwhile is left out."""
    for start in range(0, len(members), READ_CHUNK):
        chunk = list(members[start : start + READ_CHUNK])
        pipe = client.pipeline(transaction=False)
        pipe.hmget(f + "rows", chunk)
        pipe.hmget(f + "flags", chunk)
        rows, flags = pipe.execute()
        for data, flag in zip(rows, flags, strict=True):
            if data is None:  # deleted between the two reads
                continue
            values = json.loads(data)
            if flag is not None:
                values[_FLAGS] = flag
            yield values


def rows(client: Any, folder: str, f: str, members: Sequence[str]) -> list[IndexRow]:
    """The :class:`IndexRow` of ``members`` of ``folder`` (prefix ``f``), in their order."""
    return [IndexRow.from_db(folder, values) for values in stored_values(client, f, members)]


def page(
    client: Any, folder: str, f: str, order: Order, late_only: bool, offset: int, limit: int,
    newest_first: bool,
) -> list[IndexRow]:
    """One page of the list's sorted set (its order, ties by UID), ``limit`` capped."""
    limit = max(0, min(limit, MAX_PAGE))
    if limit == 0:
        return []
    key = list_key(f, order, late_only)
    start = max(0, offset)
    if newest_first:
        members = client.zrevrange(key, start, start + limit - 1)
    else:
        members = client.zrange(key, start, start + limit - 1)
    return rows(client, folder, f, members)


def uids(client: Any, f: str, above: int) -> list[int]:
    """The indexed UIDs of folder prefix ``f`` greater than ``above``, ascending."""
    return [int(m) for m in client.zrangebyscore(f + "uids", f"({above}", "+inf")]


def folders(client: Any, account: str) -> list[str]:
    """The names of the account's indexed folders, sorted."""
    return sorted(client.hkeys(account_prefix(account) + "folders"))


__all__ = ["READ_CHUNK", "counts", "folders", "page", "rows", "stored_values", "uids"]
