"""Jinja filters for times, durations and sizes, shown in the reader's time zone and language.

Nothing here parses: inputs are tz-aware datetimes, whole seconds and byte counts. The
reader's zone is ``flask.g.zone`` (set per request from the reader's preferences), UTC when unset.
Every filter is total: a time the reader's zone cannot hold (year 9999 east of UTC, year 1 west
of it) reads "unknown", never an error page.

This is the one place that writes times for the web. Weekday and month names, the order of
day and month, and the 12- or 24-hour clock follow the page's locale (Babel, CLDR skeletons;
:mod:`webmail.i18n` chooses the locale); English keeps its own patterns ("Fri 14 Mar 2025,
18:02 CDT", a 24-hour clock). Durations keep the library's one rounding rule
(:func:`webmail.headers.policy.format_duration`, two units, the smaller rounded half up): its
rounded parts are written with Babel's units in the page's language, short ("2 Tg. 3 Std.") or
long for screen readers ("2 Tage 3 Stunden"); English keeps the library's "2 d 3 h".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import cast
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimeFormat, DateTimePattern, match_skeleton
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import NumberPattern, format_decimal, parse_pattern
from babel.units import format_unit
from flask import Flask, g
from jinja2 import pass_context
from jinja2.runtime import Context

from webmail.headers.policy import format_duration
from webmail.i18n import gettext, page_babel_locale

UTC_ZONE = ZoneInfo("UTC")


def reader_zone() -> ZoneInfo:
    """The zone of the person reading this page."""
    zone = g.get("zone")
    return zone if isinstance(zone, ZoneInfo) else UTC_ZONE


def local(when: datetime, zone: ZoneInfo | None = None) -> datetime | None:
    """``when`` in the reader's zone (a naive value is taken as UTC); ``None`` when the zone
    cannot hold it (past the end of the calendar there)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return when.astimezone(zone or reader_zone())
    except (OverflowError, ValueError):
        return None


def _offset(when: datetime) -> str:
    delta = when.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


ENGLISH = Locale("en")
#: English as it always read (a 24-hour clock, day before month), by CLDR pattern.
_EN_PATTERNS = {
    "full": "EEE d MMM y, HH:mm",
    "time": "HH:mm",
    "weekday_time": "EEE HH:mm",
    "day_month": "d MMM",
    "date": "d MMM y",
    "weekday": "EEE",
    "month": "MMM",
    "year": "y",
}
#: The same kinds of time for every other locale, as CLDR skeletons (``j``: the locale's clock).
_SKELETONS = {
    "time": "jm",
    "weekday_time": "Ejm",
    "day_month": "MMMd",
    "date": "yMMMd",
    "weekday": "E",
    "month": "MMM",
    "year": "y",
}


def page_locale() -> Locale:
    """The Babel locale of this page (English outside a request)."""
    try:
        found = page_babel_locale()
    except (RuntimeError, KeyError):
        found = None
    return found if isinstance(found, Locale) else ENGLISH


def _skeleton(skeleton: str, locale: Locale) -> str:
    """``j`` (the locale's preferred hour) resolved to ``H`` or ``h``."""
    if "j" in skeleton:
        short = locale.time_formats["short"].pattern
        skeleton = skeleton.replace("j", "h" if ("h" in short or "K" in short) else "H")
    return skeleton


def _skeleton_pattern(skeleton: str, locale: Locale) -> DateTimePattern:
    """The pattern Babel's ``format_skeleton(skeleton, fuzzy=True)`` formats with."""
    skeletons = locale.datetime_skeletons
    if skeleton not in skeletons:
        skeleton = match_skeleton(skeleton, skeletons) or skeleton
    return parse_date_pattern(skeletons[skeleton])


#: A pattern's fields that depend on the day alone, and those that depend on the time of day
#: alone (CLDR date field symbols); any other (a zone, fractions of a second) is never kept.
_DAY_FIELDS = frozenset("GyYuUQqMLlwWdDFgEec")
_CLOCK_FIELDS = frozenset("aBbhHKkmsjJC")
_FIELD = re.compile(r"%\((\w+)\)s")
#: Entries a written pattern keeps of each (a day's, a time of day's) before it starts afresh.
_KEPT = 4096


class _Written:
    """One kind's pattern in one locale, writing each day's part once and each time of day's
    part once: Babel's ``pattern.apply(t, locale)`` is ~15 µs a time; a list page writes ~150
    times, most of them on a few days. ``write(t)`` is exactly what ``apply`` writes."""

    __slots__ = ("clock", "days", "format", "locale", "pattern", "seconds", "times")

    def __init__(self, pattern: DateTimePattern, locale: Locale) -> None:
        self.pattern, self.locale = pattern, locale
        #: The pattern as a %-format of its fields (Babel's ``pattern.format``).
        self.format: str = cast(str, pattern.format)
        names = _FIELD.findall(self.format)
        keep = "%" not in _FIELD.sub("", self.format) and all(
            n[0] in _DAY_FIELDS or n[0] in _CLOCK_FIELDS for n in names
        )
        #: The time-of-day fields (None: nothing is kept, every time goes to Babel).
        self.clock: tuple[str, ...] | None = (
            tuple(n for n in names if n[0] in _CLOCK_FIELDS) if keep else None
        )
        #: Whether a time of day is kept by the second, not the minute: with seconds shown, or
        #: a day period (``b``, ``B``): Babel's "at" rules (midnight, noon) match one second,
        #: so zh_Hant writes 00:00:00 "午夜" and 00:00:30 "凌晨", both "12:00".
        self.seconds = any(n[0] in "sbB" for n in names)
        self.days: dict[tuple[int, int, int], str] = {}
        self.times: dict[tuple[int, int, int], dict[str, str]] = {}

    def write(self, t: datetime) -> str:
        if self.clock is None:
            return str(self.pattern.apply(t, self.locale))
        day = (t.year, t.month, t.day)
        partial = self.days.get(day)
        if partial is None:  # the day's fields written in, the clock's left as %(..)s
            found = DateTimeFormat(t, self.locale)
            clock = self.clock

            def field(m: re.Match[str]) -> str:
                name = m.group(1)
                return m.group(0) if name in clock else str(found[name]).replace("%", "%%")

            if len(self.days) >= _KEPT:
                self.days.clear()
            partial = self.days[day] = _FIELD.sub(field, self.format)
        if not self.clock:
            return partial.replace("%%", "%")
        key = (t.hour, t.minute, t.second if self.seconds else 0)
        values = self.times.get(key)
        if values is None:
            found = DateTimeFormat(t, self.locale)
            if len(self.times) >= _KEPT:
                self.times.clear()
            values = self.times[key] = {name: found[name] for name in self.clock}
        return partial % values


#: Each kind's patterns by (kind, locale): the skeleton matched once, not at every time written
#: (a list page writes ~150 times; the match was half of each).
_KIND_PATTERNS: dict[tuple[str, Locale], tuple[_Written, _Written | None, str]] = {}


def _kind_patterns(kind: str, locale: Locale) -> tuple[_Written, _Written | None, str]:
    key = (kind, locale)
    found = _KIND_PATTERNS.get(key)
    if found is None:
        if locale.language == "en":
            found = (_Written(parse_date_pattern(_EN_PATTERNS[kind]), locale), None, "")
        elif kind == "full":
            joined = str(locale.datetime_formats.get("medium", "{1} {0}"))
            found = (_Written(_skeleton_pattern("yMMMEd", locale), locale),
                     _Written(_skeleton_pattern(_skeleton("jm", locale), locale), locale), joined)
        else:
            pattern = _skeleton_pattern(_skeleton(_SKELETONS[kind], locale), locale)
            found = (_Written(pattern, locale), None, "")
        _KIND_PATTERNS[key] = found
    return found


def kind_writer(kind: str, locale: Locale | None = None) -> Callable[[datetime], str]:
    """:func:`format_kind` of one ``kind`` and ``locale`` (the page's by default) as a function
    of the time, its patterns looked up once (for every row of a page)."""
    first, clock, joined = _kind_patterns(kind, locale or page_locale())

    def write(t: datetime) -> str:
        if t.tzinfo is None:  # as Babel takes it
            t = t.replace(tzinfo=UTC)
        if clock is None:
            return first.write(t)
        return joined.replace("{1}", first.write(t)).replace("{0}", clock.write(t))

    return write


def format_kind(t: datetime, kind: str, locale: Locale | None = None) -> str:
    """``t`` (already in the reader's zone, tz-aware) written as one ``kind`` of
    :data:`_SKELETONS` (or ``full``: date and time) in ``locale``, the page's by default: what
    Babel's ``format_datetime`` / ``format_skeleton(fuzzy=True)`` write, the patterns kept
    and each day's and each time of day's part written once (:class:`_Written`)."""
    return kind_writer(kind, locale)(t)


def full_time(when: datetime | None, zone: ZoneInfo | None = None) -> str:
    """``Fri 14 Mar 2025, 18:02 CDT`` (``Fr., 14. März 2025, 18:02 CDT``); ``"unknown"`` for
    ``None``."""
    t = None if when is None else local(when, zone)
    if t is None:
        return gettext("unknown")
    return f"{format_kind(t, 'full')} {t.tzname()}"


def short_time(
    when: datetime | None, now: datetime | None = None, zone: ZoneInfo | None = None
) -> str:
    """For a list: ``18:02`` today, ``Tue 18:02`` this week, ``14 Mar`` this year,
    else ``14 Mar 2021`` (in the page's language: ``Di., 18:02``, ``14. März``)."""
    t = None if when is None else local(when, zone)
    now_here = local(now or datetime.now(UTC), zone)
    if t is None or now_here is None:
        return gettext("unknown")
    today = now_here.date()
    if t.date() == today:
        return format_kind(t, "time")
    if timedelta(0) < today - t.date() < timedelta(days=6):
        return format_kind(t, "weekday_time")
    if t.year == today.year:
        return format_kind(t, "day_month")
    return format_kind(t, "date")


def iso_time(when: datetime | None, zone: ZoneInfo | None = None) -> str:
    """Machine-readable time for ``<time datetime=...>``: ISO 8601 with the reader's offset
    ("" when unknown)."""
    t = None if when is None else local(when, zone)
    return "" if t is None else t.isoformat(timespec="seconds")


def zone_label(when: datetime | None = None, zone: ZoneInfo | None = None) -> str:
    """``America/Chicago (CDT, UTC-05:00)``: the zone a time is shown in, for a title (the
    zone's offset now when ``when`` is unknown there)."""
    zone = zone or reader_zone()
    t = (None if when is None else local(when, zone)) or datetime.now(UTC).astimezone(zone)
    return f"{zone.key} ({t.tzname()}, {_offset(t)})"


#: The library's unit abbreviations and Babel's (CLDR) names for them.
_UNITS = {"d": "duration-day", "h": "duration-hour", "min": "duration-minute",
          "s": "duration-second"}


def duration_parts(seconds: int | float) -> list[tuple[int, str]]:
    """The rounded parts of :func:`webmail.headers.policy.format_duration` (its one rounding
    rule) of ``abs(seconds)``: ``[(2, "d"), (3, "h")]``."""
    words = format_duration(timedelta(seconds=abs(seconds))).split()
    if len(words) % 2 or any(u not in _UNITS for u in words[1::2]):
        return []  # pragma: no cover (the library writes "N unit" pairs)
    return [(int(n), u) for n, u in zip(words[::2], words[1::2], strict=True)]


def _units(seconds: int | float, length: str) -> str:
    """The parts of ``abs(seconds)`` in the page's language (``short`` or ``long`` units)."""
    locale = page_locale()
    parts = duration_parts(seconds)
    if (locale.language == "en" and length == "short") or not parts:
        return format_duration(timedelta(seconds=abs(seconds)))  # "2 d 3 h", as it always read
    return " ".join(_unit(n, u, length, locale) for n, u in parts)


@functools.lru_cache(maxsize=4096)
def _unit(n: int, unit: str, length: str, locale: Locale) -> str:
    """``2 Tg.``: Babel's ``format_unit`` of one part, kept (a few hundred parts ever occur:
    whole numbers below 60 of four units; a list page writes ~100)."""
    return format_unit(n, _UNITS[unit], length=length, locale=locale)  # type: ignore[arg-type]


def duration(seconds: int | float | None) -> str:
    """``2 d 4 h``, ``3 h 10 min``, ``45 min``, ``30 s``: the library's one formatter
    (:func:`webmail.headers.policy.format_duration`, two units, rounded half up), with a sign,
    its units in the page's language (``2 Tg. 4 Std.``); ``unknown`` for None."""
    if seconds is None:
        return gettext("unknown")
    sign = "-" if seconds < 0 else ""
    return sign + _units(seconds, "short")


def duration_words(seconds: int | float | None) -> str:
    """:func:`duration` with its units in words, for screen readers: ``1 day 19 hours``
    (``1 Tag 19 Stunden``)."""
    if seconds is None:
        return gettext("unknown")
    words = _units(seconds, "long")
    return gettext("minus %(duration)s", duration=words) if seconds < 0 else words


def late_words(seconds: int | None) -> str:
    """``delivered 1 day 19 hours late``: the late badge in words."""
    return gettext("delivered %(duration)s late", duration=duration_words(seconds))


def late_text(seconds: int | None) -> str:
    """``delivered 2 d 4 h late``: what a late badge says."""
    return gettext("delivered %(duration)s late", duration=duration(seconds))


def number(value: int | float | None) -> str:
    """``12,345`` (``12.345`` in German): a count in the page's language."""
    if value is None:
        return ""
    return format_decimal(value, locale=page_locale())


@functools.lru_cache(maxsize=16)
def _number_pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def _decimal(value: float, pattern: str, locale: Locale) -> str:
    """Babel's ``format_decimal(value, format=pattern, locale=locale)``, the pattern parsed once."""
    return str(_number_pattern(pattern).apply(value, locale))


_TENTH = Decimal("0.1")


def _tenths(value: float, locale: Locale) -> str:
    """:func:`_decimal` of ``value`` with the pattern ``#,##0.0`` (a file size): below 1000,
    what Babel writes is the number rounded as it rounds it (to a tenth, half to even, from
    its shortest repr) with the locale's decimal sign, in Latin digits; ~1 µs, not ~12."""
    rounded = Decimal(str(value)).quantize(_TENTH)
    if not 0 <= rounded < 1000:
        return _decimal(value, "#,##0.0", locale)
    whole, _, tenth = f"{rounded:f}".partition(".")
    return f"{whole}{_decimal_sign(locale)}{tenth}"


@functools.lru_cache(maxsize=64)
def _decimal_sign(locale: Locale) -> str:
    return str(_decimal(0.5, "0.0", locale))[1:-1]


def file_size(size: int | None) -> str:
    """``512 B``, ``4.2 KB``, ``1.3 MB`` (powers of 1024), the number and the unit in the page's
    language (``4,2 KB``)."""
    return FileSizes()(size)


class FileSizes:
    """:func:`file_size` for the sizes of one page, its locale and unit words found once."""

    __slots__ = ("locale", "units")

    def __init__(self, locale: Locale | None = None) -> None:
        self.locale = locale or page_locale()
        #: Each unit's words, still to be given the number (as gettext(msgid, size=...) does).
        self.units = {
            "B": gettext("%(size)s B"),
            "KB": gettext("%(size)s KB"),
            "MB": gettext("%(size)s MB"),
            "GB": gettext("%(size)s GB"),
        }

    def __call__(self, size: int | None) -> str:
        if size is None:
            return ""
        value = float(size)
        if value < 1024:  # pattern "0": the whole number as it is, in Latin digits
            shown = str(int(value)) if value >= 0 else _decimal(int(value), "0", self.locale)
            return self.units["B"] % {"size": shown}
        for unit in ("KB", "MB", "GB"):
            value /= 1024
            if value < 1024 or unit == "GB":
                return self.units[unit] % {"size": _tenths(value, self.locale)}
        return f"{size} B"  # pragma: no cover


@pass_context
def _zone_label_filter(
    context: Context, when: datetime | None = None, zone: ZoneInfo | None = None
) -> str:
    """:func:`zone_label` for templates. ``pass_context`` keeps Jinja from folding
    ``{{ None|zone_label }}`` into a constant when the template first compiles, which froze
    the first visitor's zone and offset for everyone (issue 13, defect 1)."""
    return zone_label(when, zone)


def init_app(app: Flask) -> None:
    """Register the filters under short names used by the templates."""
    app.jinja_env.filters.update(
        full_time=full_time,
        short_time=short_time,
        iso_time=iso_time,
        zone_label=_zone_label_filter,
        duration=duration,
        late_text=late_text,
        late_words=late_words,
        duration_words=duration_words,
        file_size=file_size,
        number=number,
    )
