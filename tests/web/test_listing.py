"""Ordering, filtering and paging of list rows (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webmail.headers import Analysis, Hop
from webmail.listing import held_at, late_only, paginate, sort_summaries
from webmail.mailbox import MessageSummary

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
    assert [r.uid for r in sort_summaries(rows, "sent")] == [2, 4, 3, 1]


def test_arrival_order_is_newest_arrival_first() -> None:
    rows = [row(1, 0, 5), row(2, 3, 3), row(3, 0, 1)]
    assert [r.uid for r in sort_summaries(rows, "arrival")] == [1, 2, 3]


def test_late_only_keeps_order() -> None:
    rows = [row(1, 0, 5, True), row(2, 3, 3), row(3, 0, 1, True)]
    assert [r.uid for r in late_only(rows)] == [1, 3]


def test_paginate_clamps_out_of_range_pages() -> None:
    rows = [row(i, i, i) for i in range(1, 8)]
    page = paginate(rows, 9, 3)
    assert (page.number, page.count, page.first, page.last, [r.uid for r in page.rows]) == (
        3,
        3,
        7,
        7,
        [7],
    )
    assert paginate([], 1, 50).first == 0


def test_held_at_names_the_host_before_the_bottleneck_hop() -> None:
    hops = (
        Hop(from_="a", by="mx2.example.com"),
        Hop(from_="mx2-helo", by="imap.example.com", delay_seconds=9),
    )
    assert held_at(Analysis(hops=hops, bottleneck=1)) == "mx2.example.com"
    assert held_at(Analysis(hops=hops[:1], bottleneck=0)) == "a"
    assert held_at(Analysis(hops=hops, bottleneck=None)) is None
