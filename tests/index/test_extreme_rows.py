"""Stored rows at the ends of the calendar read back as "unknown", never an exception: epoch
seconds outside the years 1 to 9999, and a Date header stored (before dates were kept a day
inside the calendar) at an offset that pushes it past the end."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from webmail.headers import analyze
from webmail.index.rows import decode_analysis, encode_analysis
from webmail.index.store import utc_from_epoch


@pytest.mark.parametrize("epoch", [10**12, -(10**12), 253402300800, -62135596801])
def test_epoch_seconds_outside_the_calendar_are_unknown(epoch: int) -> None:
    assert utc_from_epoch(epoch) is None


def test_epoch_seconds_at_the_ends_of_the_calendar_are_read() -> None:
    assert utc_from_epoch(253402300799) == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert utc_from_epoch(-62135596800) == datetime(1, 1, 1, tzinfo=UTC)


def test_date_header_stored_past_the_calendar_at_its_offset_is_unknown() -> None:
    stored = json.loads(encode_analysis(analyze(b"Date: Mon, 2 Mar 2026 07:59:00 +0000\r\n\r\n")))
    stored[0] = [253402300799, 60]  # 31 Dec 9999 23:59:59 UTC, written at +0100
    a = decode_analysis(json.dumps(stored))
    assert a.date_header is None
    assert a.sent == datetime(2026, 3, 2, 7, 59, tzinfo=UTC)
