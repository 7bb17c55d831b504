"""A time of day whose pattern writes a day period (CLDR ``b``/``B``) is kept by the second,
not the minute (views/timefmt._Written): Babel's "at" periods (midnight, noon) hold for one
second, so the same minute reads differently at :00 and :30 (zh_Hant: "午夜12:00" and
"凌晨12:00"), whichever of the two the page wrote first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel import Locale

from webmail.views import timefmt


@pytest.mark.parametrize("code", ("zh_Hant", "zh_Hant_TW", "en_US", "de"))
@pytest.mark.parametrize("hour", (0, 12))
def test_the_seconds_of_midnight_and_noon_read_as_babel_writes_them(code: str, hour: int) -> None:
    locale = Locale.parse(code)
    for kind in (*timefmt._SKELETONS, "full"):
        for first, then in ((0, 30), (30, 0)):
            timefmt._KIND_PATTERNS.clear()  # each order from empty caches
            write = timefmt.kind_writer(kind, locale)
            for second in (first, then):
                t = datetime(2026, 5, 5, hour, 0, second, tzinfo=UTC)
                first_, clock, joined = timefmt._kind_patterns(kind, locale)
                want = (str(first_.pattern.apply(t, locale)) if clock is None else
                        joined.replace("{1}", str(first_.pattern.apply(t, locale)))
                        .replace("{0}", str(clock.pattern.apply(t, locale))))
                assert write(t) == want, (kind, second)


def test_zh_hant_midnight_and_the_half_minute_after_it_differ() -> None:
    """The case that was wrong: both read the same before, whichever came first."""
    write = timefmt.kind_writer("time", Locale.parse("zh_Hant"))
    at = write(datetime(2026, 5, 5, 0, 0, 0, tzinfo=UTC))
    after = write(datetime(2026, 5, 5, 0, 0, 30, tzinfo=UTC))
    assert at != after and at.endswith("12:00") and after.endswith("12:00")
