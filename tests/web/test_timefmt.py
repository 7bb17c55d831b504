"""Filters that format times, durations and sizes (no Flask request needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from webmail.views.timefmt import (
    duration,
    file_size,
    full_time,
    iso_time,
    late_text,
    short_time,
    zone_label,
)

CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (59, "59 s"),
        (60, "1 min"),
        (3599, "1 h"),  # 59 min 59 s, rounded half up and carried
        (3569, "59 min 29 s"),
        (2 * 86400 + 2 * 3600 + 59 * 60, "2 d 3 h"),  # not "2 d 2 h" (truncated)
        (2 * 86400 + 2 * 3600 + 29 * 60, "2 d 2 h"),
        (3600, "1 h"),
        (3660, "1 h 1 min"),
        (86400, "1 d"),
        (187200, "2 d 4 h"),
        (-7200, "-2 h"),
        (None, "unknown"),
    ],
)
def test_duration_shows_the_two_largest_units(seconds: int | None, text: str) -> None:
    assert duration(seconds) == text


def test_late_text_reads_as_a_sentence() -> None:
    assert late_text(187_260) == "delivered 2 d 4 h late"


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KB"), (1_363_148, "1.3 MB"), (None, "")],
)
def test_file_size(size: int | None, text: str) -> None:
    assert file_size(size) == text


def test_same_wall_clock_time_twice_on_dst_end_shows_both_zones() -> None:
    first = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    second = datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    assert full_time(first, CHICAGO) == "Sun 1 Nov 2026, 01:30 CDT"
    assert full_time(second, CHICAGO) == "Sun 1 Nov 2026, 01:30 CST"
    assert iso_time(first, CHICAGO) == "2026-11-01T01:30:00-05:00"
    assert iso_time(second, CHICAGO) == "2026-11-01T01:30:00-06:00"


def test_spring_forward_skips_an_hour() -> None:
    before = datetime(2026, 3, 8, 7, 59, tzinfo=UTC)
    after = datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    assert full_time(before, CHICAGO) == "Sun 8 Mar 2026, 01:59 CST"
    assert full_time(after, CHICAGO) == "Sun 8 Mar 2026, 03:00 CDT"
    assert zone_label(after, CHICAGO) == "America/Chicago (CDT, UTC-05:00)"


def test_short_time_is_relative_to_the_reader_day() -> None:
    now = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
    assert short_time(datetime(2026, 11, 5, 9, 5, tzinfo=UTC), now, CHICAGO) == "03:05"
    assert short_time(datetime(2026, 11, 5, 5, 0, tzinfo=UTC), now, CHICAGO) == "Wed 23:00"
    assert short_time(datetime(2026, 6, 1, 12, 0, tzinfo=UTC), now, CHICAGO) == "1 Jun"
    assert short_time(datetime(2029, 11, 5, 12, 0, tzinfo=UTC), now, CHICAGO) == "5 Nov 2029"
    assert short_time(None, now, CHICAGO) == "unknown"


@pytest.mark.parametrize(
    ("when", "zone"),
    [
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), ZoneInfo("Europe/Berlin")),
        (datetime(1, 1, 1, tzinfo=UTC), ZoneInfo("America/Los_Angeles")),
    ],
)
def test_time_past_the_end_of_the_calendar_in_the_reader_zone_is_unknown(
    when: datetime, zone: ZoneInfo
) -> None:
    assert full_time(when, zone) == "unknown"
    assert short_time(when, datetime(2026, 3, 2, tzinfo=UTC), zone) == "unknown"
    assert iso_time(when, zone) == ""
    assert zone_label(when, zone).startswith(f"{zone.key} (")
