"""Order, filter and page message list rows. Pure functions over MessageSummary."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from webmail.headers import Analysis
from webmail.mailbox import MessageSummary

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def sort_summaries(rows: Iterable[MessageSummary], mode: str = "sent") -> list[MessageSummary]:
    """Newest first by true sent time (``mode="sent"``) or by arrival (``"arrival"``).

    Ties break on the UID, higher first, so the order (and so paging) is stable.
    """

    def key(row: MessageSummary) -> tuple[float, int]:
        when = row.arrival if mode == "arrival" else row.sent
        return ((when or _EPOCH).timestamp(), row.uid)

    return sorted(rows, key=key, reverse=True)


def late_only(rows: Iterable[MessageSummary]) -> list[MessageSummary]:
    """The rows whose analysis says they arrived late, order kept."""
    return [row for row in rows if row.late]


@dataclass(frozen=True)
class Page:
    """One page of a list.

    :ivar rows: the rows on this page.
    :ivar number: this page, from 1 (clamped into range).
    :ivar count: how many pages (at least 1).
    :ivar total: how many rows in all.
    :ivar first: 1-based position of the first row shown (0 when empty).
    :ivar last: 1-based position of the last row shown.
    """

    rows: list[MessageSummary]
    number: int
    count: int
    total: int
    first: int
    last: int

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


def paginate(rows: Sequence[MessageSummary], number: int, size: int) -> Page:
    """The ``number``-th page of ``size`` rows; a number out of range gives the nearest page."""
    size = max(1, size)
    count = max(1, -(-len(rows) // size))
    number = min(max(1, number), count)
    start = (number - 1) * size
    chunk = list(rows[start : start + size])
    return Page(chunk, number, count, len(rows), start + 1 if chunk else 0, start + len(chunk))


def held_at(analysis: Analysis) -> str | None:
    """The host where a message waited longest, or ``None``.

    The bottleneck hop's delay is the time between the previous hop's stamp and its own, so
    the message sat at the previous hop's ``by`` host (the same machine as the bottleneck's
    ``from``); fall back to the bottleneck hop's own names when that is unknown.
    """
    index = analysis.bottleneck
    if index is None or not 0 <= index < len(analysis.hops):
        return None
    hop = analysis.hops[index]
    previous = analysis.hops[index - 1].by if index > 0 else None
    return previous or hop.from_ or hop.by
