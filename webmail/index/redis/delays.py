"""What the delays page and the list banner's late news read of the Redis index: every row
of a folder as a :class:`DelayRow`, the newest late arrivals, and the on-time rows counted
into :class:`DelayBucket` here (Redis has no grouped query)."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from webmail.headers.incidents import hold_of
from webmail.index.redis.pages import READ_CHUNK, stored_values
from webmail.index.rows import (
    DB_ORDER,
    DelayBucket,
    DelayRow,
    buckets_of,
    decode_analysis,
    delay_bucket_of,
)
from webmail.index.store import UnreadLate
from webmail.message.summary import SEEN

_SENT, _HELD, _FLAGS = (DB_ORDER.index(c) for c in ("sent", "bottleneck", "flags"))


def delay_row(values: list[Any]) -> DelayRow:
    """A :class:`DelayRow` of a stored row (``DB_ORDER``); a row stored before holds were
    kept (16 values) gets its hold from its analysis."""
    if len(values) > 17:
        start, end = values[16], values[17]
    else:
        hold = hold_of(decode_analysis(values[15]))
        start = None if hold is None else int(hold.start.timestamp())
        end = None if hold is None else int(hold.end.timestamp())
    return DelayRow(
        values[0], values[2], values[3], values[4], bool(values[5]), values[14], start, end,
        values[12],
    )


def delay_rows(client: Any, f: str, late_only: bool) -> list[DelayRow]:
    """Every row of folder prefix ``f`` (late ones with ``late_only``), oldest sent first,
    ties by UID (the sorted set's order); ``[]`` when unknown. Flags are not read."""
    members = client.zrange(f + ("late:sent" if late_only else "sent"), 0, -1)
    out: list[DelayRow] = []
    for start in range(0, len(members), READ_CHUNK):
        for data in client.hmget(f + "rows", members[start : start + READ_CHUNK]):
            if data is not None:  # deleted between the two reads
                out.append(delay_row(json.loads(data)))
    return out


def late_arrivals(
    client: Any, f: str, after: datetime, limit: int
) -> list[tuple[datetime, str | None, frozenset[str]]]:
    """The late rows that arrived after ``after``, newest arrival first, ties by UID (the
    ``late:arrival`` sorted set's reverse order), at most ``limit``: (sent, held at, flags),
    each row's stored values read without building an :class:`IndexRow`."""
    if limit <= 0:
        return []
    members = client.zrevrangebyscore(
        f + "late:arrival", "+inf", f"({math.floor(after.timestamp())}", start=0, num=limit
    )
    return [
        (datetime.fromtimestamp(v[_SENT], UTC), v[_HELD], frozenset(v[_FLAGS].split()))
        for v in stored_values(client, f, members)
    ]


def unread_late(arrivals: list[tuple[datetime, str | None, frozenset[str]]]) -> UnreadLate:
    """The unread ones among ``arrivals`` (what :func:`late_arrivals` gives), counted."""
    unread = [(sent, held) for sent, held, flags in arrivals if SEEN not in flags]
    sent = [when for when, _ in unread]
    return UnreadLate(
        len(unread), min(sent, default=None), max(sent, default=None),
        dict(Counter(held for _, held in unread if held)),
    )


def delay_buckets(client: Any, f: str, bucket_seconds: int) -> list[DelayBucket]:
    """The on-time rows of folder prefix ``f`` counted into :class:`DelayBucket`: their sent
    times from the ``sent`` sorted set and their delays from the ``delay`` hash, never the
    rows themselves (about 3 µs a message). A folder written before the ``delay`` hash was
    kept is counted from its rows."""
    step = max(1, int(bucket_seconds))
    pipe = client.pipeline(transaction=False)
    pipe.zrange(f + "sent", 0, -1, withscores=True)
    pipe.hgetall(f + "delay")
    pipe.zrange(f + "late:sent", 0, -1)
    sent, delays, late = pipe.execute()
    if len(delays) < len(sent):
        return buckets_of(delay_rows(client, f, False), step)
    skip = set(late)
    found: Counter[tuple[int, int | None]] = Counter(
        (int(score) // step, delay_bucket_of(int(delays[m]) if delays.get(m) else None))
        for m, score in sent
        if m not in skip
    )
    return [DelayBucket(tb, db, n) for (tb, db), n in found.items()]


__all__ = ["delay_buckets", "delay_row", "delay_rows", "late_arrivals", "unread_late"]
