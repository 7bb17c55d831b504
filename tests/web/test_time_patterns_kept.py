"""The list's times with their patterns kept (issue 14): :func:`format_kind` and the duration
units write exactly what Babel's ``format_datetime`` / ``format_skeleton(fuzzy=True)`` /
``format_unit`` write, for every kind, in the offered languages and others, in any zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.dates import format_datetime, format_skeleton
from babel.units import format_unit

from webmail.views import timefmt

KINDS = (*timefmt._SKELETONS, "full")
CODES = ("en", "de", "fr", "es", "ja", "el", "en_US", "ar", "zh_Hant", "ko", "he")
ZONES = ("UTC", "America/Chicago", "Asia/Kolkata", "Pacific/Kiritimati")


def babel_writes(t: datetime, kind: str, locale: Locale) -> str:
    """format_kind as it was written before its patterns were kept."""
    if locale.language == "en":
        return format_datetime(t, timefmt._EN_PATTERNS[kind], locale=locale)
    if kind == "full":
        date = format_skeleton("yMMMEd", t, fuzzy=True, locale=locale)
        clock = format_skeleton(timefmt._skeleton("jm", locale), t, fuzzy=True, locale=locale)
        joined = locale.datetime_formats.get("medium", "{1} {0}")
        return str(joined).replace("{1}", date).replace("{0}", clock)
    skeleton = timefmt._skeleton(timefmt._SKELETONS[kind], locale)
    return format_skeleton(skeleton, t, fuzzy=True, locale=locale)


@pytest.mark.parametrize("code", CODES)
def test_each_kind_of_time_reads_as_babel_writes_it(code: str) -> None:
    locale = Locale.parse(code)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    times = [datetime(2026, 3, 4, 5, 6)]  # naive: taken as UTC, as Babel takes it
    for zone in ZONES:
        times += [(start + timedelta(hours=37 * i, minutes=i)).astimezone(ZoneInfo(zone))
                  for i in range(0, 240, 7)]
    for t in times:
        for kind in KINDS:  # twice: the first may find the patterns, the second keeps them
            assert timefmt.format_kind(t, kind, locale) == babel_writes(t, kind, locale)
            assert timefmt.format_kind(t, kind, locale) == babel_writes(t, kind, locale)


@pytest.mark.parametrize("code", ("en", "de", "ja", "ar"))
def test_each_duration_part_reads_as_babel_writes_it(code: str) -> None:
    locale = Locale.parse(code)
    for unit, name in timefmt._UNITS.items():
        for length in ("short", "long"):
            for n in (0, 1, 2, 3, 5, 11, 21, 59):  # twice: found, then kept
                want = format_unit(n, name, length=length, locale=locale)  # type: ignore[arg-type]
                assert timefmt._unit(n, unit, length, locale) == want
                assert timefmt._unit(n, unit, length, locale) == want
