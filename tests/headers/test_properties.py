"""Properties: nothing raises on arbitrary input; stdlib-formatted dates round-trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from webmail.headers import parse_date, parse_received
from webmail.headers.policy import analyze_unguarded

FAST = settings(max_examples=150, deadline=None)
HEADERISH = st.lists(
    st.sampled_from(["Received: ", "Date: ", "DKIM-Signature: t=", "from ", " by ", "(", ")", ";", "\r\n", "\n", "\r",
                     " ", "\t", "Fri, 14 Dec 2018 10:00:00 +0000", "12:00", "+0100", "<a@b>", "\\", "\x00", "é"])
    | st.text(max_size=8),
    max_size=40,
).map("".join)  # fmt: skip


@FAST
@given(st.text())
def test_parse_date_never_raises_on_text(text: str) -> None:
    parse_date(text)


@FAST
@given(st.binary())
def test_parse_date_never_raises_on_bytes(data: bytes) -> None:
    parse_date(data)


@FAST
@given(st.text() | HEADERISH)
def test_parse_received_never_raises_on_text(text: str) -> None:
    parse_received(text)


@FAST
@given(st.binary() | HEADERISH.map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_analyze_never_raises_on_bytes(data: bytes) -> None:
    analyze_unguarded(data, arrival=datetime(2020, 1, 1, tzinfo=UTC)).to_json("x")


@FAST
@given(st.text() | HEADERISH)
def test_analyze_never_raises_on_text(text: str) -> None:
    analyze_unguarded(text).to_json("x")


@FAST
@given(st.lists(st.tuples(st.text(max_size=20) | st.binary(max_size=20), st.text() | st.binary())))
def test_analyze_never_raises_on_pairs(pairs: list[tuple[str | bytes, str | bytes]]) -> None:
    analyze_unguarded(pairs)


@FAST
@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 30)),
    st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59),
)
def test_format_datetime_round_trips_to_the_same_instant_and_offset(
    moment: datetime, offset: int
) -> None:
    aware = moment.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=offset)))
    parsed = parse_date(format_datetime(aware)).value
    assert parsed == aware
    assert parsed is not None and parsed.utcoffset() == aware.utcoffset()


@FAST
@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 30)))
def test_format_datetime_usegmt_round_trips(moment: datetime) -> None:
    aware = moment.replace(microsecond=0, tzinfo=UTC)
    assert parse_date(format_datetime(aware, usegmt=True)).value == aware
