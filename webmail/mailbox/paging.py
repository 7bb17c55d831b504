"""Order and page list rows: one page-bounds rule for every mailbox and for the index.

Pure: no I/O. :func:`page_bounds` is the one place a page number is clamped and turned into
an offset; :func:`paginate` applies it to rows in memory (the demo, or IMAP without an
index), and the listing service applies it to the index's counts before reading one page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from webmail.index.store import Order

__all__ = ["Order", "Page", "page_bounds", "paginate", "sort_rows"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ListRow(Protocol):
    """What ordering needs of a row (``MessageSummary`` and the index's ``IndexRow`` have it)."""

    @property
    def uid(self) -> int: ...
    @property
    def sent(self) -> datetime: ...
    @property
    def arrival(self) -> datetime: ...
    @property
    def late(self) -> bool: ...


R = TypeVar("R", bound=ListRow)


def sort_rows(rows: Iterable[R], order: Order = "sent") -> list[R]:
    """Newest first by true sent time (``"sent"``) or by arrival (``"arrival"``).

    Ties break on the UID, higher first, so the order (and so paging) is stable.
    """

    def key(row: R) -> tuple[float, int]:
        when = row.arrival if order == "arrival" else row.sent
        return ((when or _EPOCH).timestamp(), row.uid)

    return sorted(rows, key=key, reverse=True)


@dataclass(frozen=True)
class Page(Generic[R]):
    """One page of a list.

    :ivar rows: the rows on this page.
    :ivar number: this page, from 1 (clamped into range).
    :ivar count: how many pages (at least 1).
    :ivar total: how many rows in all.
    :ivar first: 1-based position of the first row shown (0 when empty).
    :ivar last: 1-based position of the last row shown.
    :ivar late_count: how many rows of the folder arrived late (whatever the filter).
    """

    rows: list[R]
    number: int
    count: int
    total: int
    first: int
    last: int
    late_count: int = 0

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


def page_bounds(total: int, number: int, size: int) -> tuple[int, int, int]:
    """(page number clamped into range, page count, offset of its first row) for ``total``
    rows in pages of ``size`` (at least 1); a number out of range gives the nearest page."""
    size = max(1, size)
    count = max(1, -(-total // size))
    number = min(max(1, number), count)
    return number, count, (number - 1) * size


def paginate(
    rows: Sequence[R], number: int, size: int, *, order: Order = "sent", late_only: bool = False
) -> Page[R]:
    """The ``number``-th page of ``size`` rows of ``rows`` in ``order``, late rows only when
    ``late_only``."""
    ordered = sort_rows(rows, order)
    late = [row for row in ordered if row.late]
    shown = late if late_only else ordered
    number, count, start = page_bounds(len(shown), number, size)
    chunk = list(shown[start : start + max(1, size)])
    return Page(
        chunk, number, count, len(shown), start + 1 if chunk else 0, start + len(chunk), len(late)
    )
