"""Jinja filters for times, durations and sizes, shown in the reader's time zone.

Nothing here parses: inputs are tz-aware datetimes, whole seconds and byte counts. The
reader's zone is ``flask.g.zone`` (set per request from the reader's preferences), UTC when unset.
Every filter is total: a time the reader's zone cannot hold (year 9999 east of UTC, year 1 west
of it) reads "unknown", never an error page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, g
from jinja2 import pass_context
from jinja2.runtime import Context

from webmail.headers.policy import format_duration

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


def full_time(when: datetime | None, zone: ZoneInfo | None = None) -> str:
    """``Fri 14 Mar 2025, 18:02 CDT``; ``"unknown"`` for ``None``."""
    t = None if when is None else local(when, zone)
    if t is None:
        return "unknown"
    return f"{t:%a} {t.day} {t:%b %Y, %H:%M} {t.tzname()}"


def short_time(
    when: datetime | None, now: datetime | None = None, zone: ZoneInfo | None = None
) -> str:
    """For a list: ``18:02`` today, ``Tue 18:02`` this week, ``14 Mar`` this year,
    else ``14 Mar 2021``."""
    t = None if when is None else local(when, zone)
    now_here = local(now or datetime.now(UTC), zone)
    if t is None or now_here is None:
        return "unknown"
    today = now_here.date()
    if t.date() == today:
        return f"{t:%H:%M}"
    if timedelta(0) < today - t.date() < timedelta(days=6):
        return f"{t:%a %H:%M}"
    if t.year == today.year:
        return f"{t.day} {t:%b}"
    return f"{t.day} {t:%b %Y}"


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


def duration(seconds: int | float | None) -> str:
    """``2 d 4 h``, ``3 h 10 min``, ``45 min``, ``30 s``: the library's one formatter
    (:func:`webmail.headers.policy.format_duration`, two units, rounded half up), with a sign;
    ``unknown`` for None."""
    if seconds is None:
        return "unknown"
    sign = "-" if seconds < 0 else ""
    return sign + format_duration(timedelta(seconds=abs(seconds)))


_UNIT_WORDS = {"d": ("day", "days"), "h": ("hour", "hours"), "min": ("minute", "minutes"),
               "s": ("second", "seconds")}


def duration_words(seconds: int | float | None) -> str:
    """:func:`duration` with its units in words, for screen readers: ``1 day 19 hours``."""
    text = duration(seconds)
    parts = text.lstrip("-").split()
    if len(parts) % 2:
        return text
    words = [
        f"{n} {_UNIT_WORDS[u][0] if n == '1' else _UNIT_WORDS[u][1]}"
        for n, u in zip(parts[::2], parts[1::2], strict=True)
    ]
    return ("minus " if text.startswith("-") else "") + " ".join(words)


def late_words(seconds: int | None) -> str:
    """``delivered 1 day 19 hours late``: the late badge in words."""
    return f"delivered {duration_words(seconds)} late"


def late_text(seconds: int | None) -> str:
    """``delivered 2 d 4 h late``: what a late badge says."""
    return f"delivered {duration(seconds)} late"


def file_size(size: int | None) -> str:
    """``512 B``, ``4.2 KB``, ``1.3 MB`` (powers of 1024)."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
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
    )
