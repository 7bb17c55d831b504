"""Dates as mail writes them: RFC 5322, its obsolete syntax (§4.3), and the long tail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from webmail.headers import ParsedDate, parse_date


def tz(hours: int = 0, minutes: int = 0) -> timezone:
    return timezone(timedelta(hours=hours, minutes=minutes))


def value(text: str) -> datetime | None:
    return parse_date(text).value


def test_rfc5322_date_keeps_its_offset() -> None:
    got = value("Fri, 14 Dec 2018 10:00:00 +0100")
    assert got == datetime(2018, 12, 14, 10, 0, 0, tzinfo=tz(1))
    assert got is not None and got.utcoffset() == timedelta(hours=1)


def test_parse_date_returns_parsed_date_with_text_and_no_warnings() -> None:
    assert parse_date("Fri, 14 Dec 2018 10:00:00 +0000") == ParsedDate(
        datetime(2018, 12, 14, 10, tzinfo=UTC), "Fri, 14 Dec 2018 10:00:00 +0000", ()
    )


def test_bytes_are_accepted() -> None:
    assert value(b"14 Dec 2018 10:00:00 +0000") == datetime(2018, 12, 14, 10, tzinfo=UTC)


def test_two_digit_year_49_is_2049() -> None:
    assert value("1 Jan 49 00:00:00 +0000") == datetime(2049, 1, 1, tzinfo=UTC)


def test_two_digit_year_50_is_1950() -> None:
    assert value("1 Jan 50 00:00:00 +0000") == datetime(1950, 1, 1, tzinfo=UTC)


def test_two_digit_year_68_is_1968_not_posix_2068() -> None:
    assert value("Thu, 1 Feb 68 10:00:00 +0000") == datetime(1968, 2, 1, 10, tzinfo=UTC)


def test_two_digit_year_00_is_2000() -> None:
    assert value("Sat, 1 Jan 00 10:00:00 +0000") == datetime(2000, 1, 1, 10, tzinfo=UTC)


def test_three_digit_year_adds_1900() -> None:
    assert value("Sun, 11 Dec 122 08:58:51 +0300") == datetime(
        2022, 12, 11, 8, 58, 51, tzinfo=tz(3)
    )


@pytest.mark.parametrize(
    ("zone", "offset"),
    [
        ("UT", 0), ("GMT", 0), ("UTC", 0), ("Z", 0),
        ("EST", -5), ("EDT", -4), ("CST", -6), ("CDT", -5),
        ("MST", -7), ("MDT", -6), ("PST", -8), ("PDT", -7),
        ("pst", -8), ("edt", -4),
    ],
)  # fmt: skip
def test_obsolete_zone_names_have_their_rfc_offsets(zone: str, offset: int) -> None:
    assert value(f"Fri, 14 Dec 2018 10:00:00 {zone}") == datetime(
        2018, 12, 14, 10, tzinfo=tz(offset)
    )


@pytest.mark.parametrize("letter", ["A", "M", "N", "Y", "q", "S"])
def test_military_zone_letters_read_as_unknown_zone_utc(letter: str) -> None:
    got = value(f"Sun, 11 Apr 2010 02:13:56 {letter}")
    assert got == datetime(2010, 4, 11, 2, 13, 56, tzinfo=UTC)
    assert got is not None and got.utcoffset() == timedelta(0)


def test_minus_0000_is_utc() -> None:
    got = value("Fri, 22 Jul 2016 18:07:02 -0000")
    assert got is not None and got.tzinfo is not None and got.utcoffset() == timedelta(0)


def test_odd_but_valid_offsets_keep_their_minutes() -> None:
    assert value("Mon, 26 Aug 2019 08:14:17 +1245") == datetime(
        2019, 8, 26, 8, 14, 17, tzinfo=tz(12, 45)
    )
    assert value("Fri, 10 Jan 2020 11:18:50 -0330") == datetime(
        2020, 1, 10, 11, 18, 50, tzinfo=tz(-3, -30)
    )


def test_comments_and_folding_white_space_anywhere() -> None:
    assert value("Fri, 28 (comment) Mar 2014 10:03:00 +0000 (WET)") == datetime(
        2014, 3, 28, 10, 3, tzinfo=UTC
    )
    assert value("Sun, 10 Apr 2016\r\n    (via web) 21:08:19\r\n    +0100") == datetime(
        2016, 4, 10, 21, 8, 19, tzinfo=tz(1)
    )


def test_nested_comment_is_skipped() -> None:
    assert value("Fri, 14 Dec 2018 (a (nested \\) comment) here) 10:00:00 +0000") == datetime(
        2018, 12, 14, 10, tzinfo=UTC
    )


def test_unterminated_comment_is_reported() -> None:
    parsed = parse_date("Fri, 14 Dec 2018 10:00:00 +0000 (PST")
    assert parsed.value == datetime(2018, 12, 14, 10, tzinfo=UTC)
    assert "unterminated comment" in parsed.warnings


def test_missing_weekday() -> None:
    assert value("14 Dec 2018 10:00:00 +0000") == datetime(2018, 12, 14, 10, tzinfo=UTC)


def test_missing_seconds() -> None:
    assert value("Thu, 19 Apr 2018 18:39 +1100") == datetime(2018, 4, 19, 18, 39, tzinfo=tz(11))


def test_weekday_that_disagrees_is_ignored_with_a_warning() -> None:
    parsed = parse_date("Mon, 14 Dec 2018 10:00:00 +0000")  # 14 Dec 2018 was a Friday
    assert parsed.value == datetime(2018, 12, 14, 10, tzinfo=UTC)
    assert parsed.warnings == ("the weekday disagrees with the date (ignored)",)


def test_single_digit_day_hour_and_second() -> None:
    assert value("Mon, 4 Apr 1904 7:58:7 +0900") == datetime(1904, 4, 4, 7, 58, 7, tzinfo=tz(9))


def test_lowercase_and_uppercase_names() -> None:
    assert value("mon, 01 nov 2021 11:24:43 +0100") == datetime(
        2021, 11, 1, 11, 24, 43, tzinfo=tz(1)
    )
    assert value("05 OCT 2015 13:21:48 UT") == datetime(2015, 10, 5, 13, 21, 48, tzinfo=UTC)


def test_extra_spaces_and_tabs() -> None:
    assert value("Mon,\t8   Aug \t2016   22:02:18 -0700 (PDT)") == datetime(
        2016, 8, 8, 22, 2, 18, tzinfo=tz(-7)
    )


def test_zone_glued_to_the_time() -> None:
    assert value("01 Jan 2001 00:01+0000") == datetime(2001, 1, 1, 0, 1, tzinfo=UTC)
    assert value("Sat, 25 Jul 2020 21:37:22-0400") == datetime(
        2020, 7, 25, 21, 37, 22, tzinfo=tz(-4)
    )


def test_full_month_and_weekday_names() -> None:
    assert value("Wednesday, 6\tOctober  2010 \t17:47:34  +0000") == datetime(
        2010, 10, 6, 17, 47, 34, tzinfo=UTC
    )


def test_iso_8601_with_offset() -> None:
    assert value("2018-02-10T04:20:02+02:00") == datetime(2018, 2, 10, 4, 20, 2, tzinfo=tz(2))
    assert value("2013-07-06T19:17:38Z") == datetime(2013, 7, 6, 19, 17, 38, tzinfo=UTC)


def test_iso_like_date_with_space_and_numeric_zone() -> None:
    assert value("2018-12-14 10:00:00 +0100") == datetime(2018, 12, 14, 10, tzinfo=tz(1))


def test_day_month_year_with_dashes() -> None:
    assert value("14-Dec-2018 10:00:00 +0900") == datetime(2018, 12, 14, 10, tzinfo=tz(9))


def test_month_before_day() -> None:
    assert value("Fri, Dec 14 2018 10:00:00 -0300") == datetime(2018, 12, 14, 10, tzinfo=tz(-3))


def test_asctime_followed_by_a_numeric_zone() -> None:
    assert value("Thu May 10 10:20:14 2018 -0600") == datetime(
        2018, 5, 10, 10, 20, 14, tzinfo=tz(-6)
    )


def test_asctime_without_zone_is_read_as_utc_with_a_warning() -> None:
    parsed = parse_date("Wed Aug  3 02:59:42 2016")
    assert parsed.value == datetime(2016, 8, 3, 2, 59, 42, tzinfo=UTC)
    assert "no zone: read as UTC" in parsed.warnings


def test_zone_abbreviation_outside_rfc_is_read_with_a_warning() -> None:
    parsed = parse_date("Mon, 21 Dec 2020 19:53:39 MSK")
    assert parsed.value == datetime(2020, 12, 21, 19, 53, 39, tzinfo=tz(3))
    assert parsed.warnings == ("zone 'MSK' is not defined by RFC 5322: read as +0300",)


def test_long_tail_numeric_date_goes_to_dateutil() -> None:
    parsed = parse_date("12/14/2018 10:00:00 +0100")
    assert parsed.value == datetime(2018, 12, 14, 10, tzinfo=tz(1))
    assert parsed.warnings == ("date in an unusual form (read with dateutil)",)


def test_leap_second_reads_as_59() -> None:
    assert value("Sat, 31 Dec 2016 23:59:60 +0000") == datetime(
        2016, 12, 31, 23, 59, 59, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "junk",
    [
        "", " ", "???", "TBD", "null", "=?utf-8?q?no_date?=", "1642336157",
        "Thu, 31 Feb 2019 08:00:00 -0500", "Fri, 32 Dec 2018 10:00:00 +0000",
        "Mon, 14 Dec 2018 25:61:00 +0100", "Fri, 14 Dec 99999999999999 10:00:00 +0000",
        "Fri, 14 Dec 2018", "10:00:00", "(((((((", ")))", "\x00\x01\x02", "Fri, 14 Dec 0000 10:00:00 +0000",
        "Dec Dec Dec 1:1", "\ud800", "+0000 -0000 10:00", "٣ Dec 2018 10:00:00 +0000",
    ],
)  # fmt: skip
def test_junk_gives_none_with_a_warning_and_never_raises(junk: str) -> None:
    parsed = parse_date(junk)
    assert parsed.value is None
    assert parsed.warnings


def test_very_long_input_is_cut_and_still_bounded() -> None:
    parsed = parse_date("Fri, 14 Dec 2018 10:00:00 +0000" + " x" * 1_000_000)
    assert parsed.value == datetime(2018, 12, 14, 10, tzinfo=UTC)
    assert len(parsed.text) <= 2048


def test_deeply_nested_comment_is_linear() -> None:
    parsed = parse_date("(" * 60_000 + "Fri, 14 Dec 2018 10:00:00 +0000")
    assert parsed.value is None
    assert "unterminated comment" in parsed.warnings
