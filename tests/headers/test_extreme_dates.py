"""Dates at the ends of the calendar: a year 9999 or 0001 in mail is "unknown" with a warning,
so every value the library returns can be shown in any time zone and stored as epoch seconds
(issue 15: one hostile message must never break an inbox)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webmail.headers import analyze, parse_date, parse_received
from webmail.headers.cli import format_timeline
from webmail.headers.dates import EARLIEST, LATEST, OUT_OF_RANGE
from webmail.headers.model import Analysis

ARRIVAL = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
# Zones with the largest offsets east and west of UTC, and a US one.
ZONES = [ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Etc/GMT+12"), ZoneInfo("Europe/Berlin"),
         ZoneInfo("America/Los_Angeles")]


def message(received_date: str, date: str = "Mon, 2 Mar 2026 07:59:00 +0000") -> bytes:
    return (
        f"Received: from a.example by mx.example.org; {received_date}\r\n"
        f"Received: from b.example by a.example; Mon, 2 Mar 2026 07:59:10 +0000\r\n"
        f"Date: {date}\r\nSubject: x\r\n\r\nbody\r\n"
    ).encode()


def every_datetime(a: Analysis) -> list[datetime]:
    values = [a.date_header, a.sent, a.delivered, a.dkim_time, *(h.time for h in a.hops)]
    return [v for v in values if v is not None]


def assert_showable(a: Analysis) -> None:
    """Every instant converts to every zone and round-trips through epoch seconds."""
    for value in every_datetime(a):
        for zone in ZONES:
            value.astimezone(zone)
        assert datetime.fromtimestamp(int(value.timestamp()), UTC) == value.replace(microsecond=0)


@pytest.mark.parametrize(
    "text",
    [
        "Fri, 31 Dec 9999 23:59:59 +0000",
        "Fri, 31 Dec 9999 23:59:59 -1200",
        "31 Dec 9999 00:00:00 +0000",
        "Mon, 01 Jan 0001 00:00:00 +0000",
        "Mon, 01 Jan 0001 10:00:00 +1400",
        "0001-01-01T00:00:00Z",
        "9999-12-31 12:00:00 +0000",
    ],
)
def test_date_at_the_end_of_the_calendar_is_unknown_with_a_warning(text: str) -> None:
    parsed = parse_date(text)
    assert parsed.value is None
    assert parsed.warnings[-1] == OUT_OF_RANGE


def test_dates_a_day_inside_the_calendar_are_read() -> None:
    assert parse_date("Thu, 30 Dec 9999 23:59:59 +0000").value == LATEST
    assert parse_date("Tue, 02 Jan 0001 00:00:00 +0000").value == EARLIEST


def test_received_in_year_9999_is_an_undated_hop_with_a_warning() -> None:
    hop = parse_received("from a by mx.example.org; Fri, 31 Dec 9999 23:59:59 +0000")
    assert hop.time is None
    assert hop.warnings == ("Received date out of range: 'Fri, 31 Dec 9999 23:59:59 +0000'",)


@pytest.mark.parametrize(
    "stamp", ["Fri, 31 Dec 9999 23:59:59 +0000", "Mon, 01 Jan 0001 00:00:00 +0000"]
)
def test_extreme_received_year_leaves_the_analysis_whole(stamp: str) -> None:
    a = analyze(message(stamp), arrival=ARRIVAL)
    assert [h.time for h in a.hops] == [datetime(2026, 3, 2, 7, 59, 10, tzinfo=UTC), None]
    assert a.sent == datetime(2026, 3, 2, 7, 59, tzinfo=UTC)
    assert a.delivered == ARRIVAL
    assert a.delay_seconds == 60
    assert a.warnings == (
        f"hop 1 (mx.example.org) is dated out of range ({stamp!r}): its time is unknown",
        "1 Received header(s) without a readable date",
    )
    assert_showable(a)


def test_extreme_date_header_is_not_used() -> None:
    a = analyze(message("Mon, 2 Mar 2026 07:59:20 +0000", date="Fri, 31 Dec 9999 23:59:59 +0000"))
    assert a.date_header is None
    assert a.sent == datetime(2026, 3, 2, 7, 59, 10, tzinfo=UTC)
    assert a.sent_source == "received"
    assert a.warnings[0] == "Date header out of range: 'Fri, 31 Dec 9999 23:59:59 +0000'"


@pytest.mark.parametrize(
    "arrival",
    [
        datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=1))),
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_arrival_out_of_range_is_ignored_with_a_warning(arrival: datetime) -> None:
    a = analyze(b"Subject: x\r\n\r\n", arrival=arrival)
    assert a.delivered is None and a.sent is None
    assert a.warnings == (
        "no Date header", "no Received headers", "arrival is out of range: ignored"
    )


def test_dkim_time_past_eleven_digits_is_ignored_with_a_warning() -> None:
    a = analyze(b"DKIM-Signature: v=1; t=999999999999999999999; d=example.org\r\n\r\n")
    assert a.dkim_time is None
    assert "DKIM-Signature t= is out of range: ignored" in a.warnings


def test_cli_timeline_of_an_extreme_message_says_unknown() -> None:
    a = analyze(message("Fri, 31 Dec 9999 23:59:59 +0000"), arrival=ARRIVAL)
    lines = format_timeline("m.eml", a, timedelta(hours=1)).splitlines()
    assert lines[4].split() == ["hop", "2", "unknown", "a.example", "->", "mx.example.org"]
    assert a.to_json()["hops"][1]["time"] is None


@settings(max_examples=150, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59),
        timezones=st.sampled_from([timezone(timedelta(minutes=m)) for m in (-1439, -720, 0, 1439)]),
    )
)
def test_any_received_date_the_library_returns_is_showable(when: datetime) -> None:
    when = when.replace(microsecond=0)
    stamp = when.strftime("%d %b ") + f"{when.year:04d}" + when.strftime(" %H:%M:%S %z")
    a = analyze(message(stamp), arrival=ARRIVAL)
    assert_showable(a)
    if EARLIEST <= when <= LATEST:
        assert a.hops[1].time == when
    else:
        assert a.hops[1].time is None
