"""Ordering, filtering and paging of list rows (webmail.mailbox.paging, pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webmail.headers import Analysis, Hop
from webmail.mailbox import MessageSummary
from webmail.mailbox.paging import page_bounds, paginate, sort_rows

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def row(uid: int, sent_h: float | None, arrival_h: float, late: bool = False) -> MessageSummary:
    analysis = Analysis(sent=None if sent_h is None else T0 + timedelta(hours=sent_h), delayed=late)
    return MessageSummary(
        uid,
        "INBOX",
        "a",
        "a@example.org",
        "",
        "",
        T0 + timedelta(hours=arrival_h),
        frozenset(),
        1,
        False,
        "",
        analysis,
    )


def test_sent_order_is_newest_sent_first_ties_by_higher_uid() -> None:
    rows = [row(1, 0, 5), row(2, 3, 3), row(3, 0, 1), row(4, None, 2)]
    assert [r.uid for r in sort_rows(rows, "sent")] == [2, 4, 3, 1]


def test_arrival_order_is_newest_arrival_first() -> None:
    rows = [row(1, 0, 5), row(2, 3, 3), row(3, 0, 1)]
    assert [r.uid for r in sort_rows(rows, "arrival")] == [1, 2, 3]


def test_late_only_keeps_the_order_and_counts_late_rows() -> None:
    rows = [row(1, 0, 5, True), row(2, 3, 3), row(3, 0, 1, True)]
    page = paginate(rows, 1, 50, order="arrival", late_only=True)
    assert ([r.uid for r in page.rows], page.total, page.late_count) == ([1, 3], 2, 2)


def test_page_bounds_clamps_and_gives_the_offset() -> None:
    assert page_bounds(7, 9, 3) == (3, 3, 6)
    assert page_bounds(0, 0, 50) == (1, 1, 0)


def test_paginate_clamps_out_of_range_pages() -> None:
    rows = [row(i, i, i) for i in range(1, 8)]
    page = paginate(rows, 9, 3, order="arrival")  # newest first: the last page holds uid 1
    assert (page.number, page.count, page.first, page.last, [r.uid for r in page.rows]) == (
        3,
        3,
        7,
        7,
        [1],
    )
    assert paginate([], 1, 50).first == 0


def test_held_at_names_the_host_before_the_bottleneck_hop() -> None:
    hops = (
        Hop(from_="a", by="mx2.example.com"),
        Hop(from_="mx2-helo", by="imap.example.com", delay_seconds=9),
    )
    assert Analysis(hops=hops, bottleneck=1).held_at == "mx2.example.com"
    assert Analysis(hops=hops[:1], bottleneck=0).held_at == "a"
    assert Analysis(hops=hops, bottleneck=None).held_at is None
