"""The delays plot's frame: its size, its words, the scale from a message's sent time and
delay to a position, and the axes with their ticks.

Pure, as :mod:`webmail.render.delayplot` that draws the marks in it: y is the delay on a log
scale from 1 s (a delay of a second or less, unknown ones included, on the bottom line) up to
the first tick at or above the longest delay; x is the true sent time, ticked on round local
times of the reader's zone (hours, midnights, first days of months or years), at most 8.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from html import escape

__all__ = [
    "BOTTOM", "ENGLISH", "HEIGHT", "LEFT", "RIGHT", "TOP", "WIDTH", "Scale", "Words", "axes",
    "top_tick",
]

WIDTH, HEIGHT = 960, 400
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 16, 54
# The y axis: (seconds, label); the top is the first at or above the longest delay.
_Y_TICKS = (
    (1, "1 s"), (10, "10 s"), (60, "1 min"), (600, "10 min"), (3600, "1 h"), (6 * 3600, "6 h"),
    (86400, "1 d"), (7 * 86400, "1 wk"), (30 * 86400, "30 d"), (365 * 86400, "1 yr"),
    (10 * 365 * 86400, "10 yr"),
)
#: Each y tick as (number, unit), for :func:`_y_label`.
_Y_UNITS = (
    (1, "s"), (10, "s"), (1, "min"), (10, "min"), (1, "h"), (6, "h"), (1, "d"), (1, "wk"),
    (30, "d"), (1, "yr"), (10, "yr"),
)
_HOUR, _DAY = 3600, 86400
# x tick steps: (seconds, kind); the first giving at most 8 ticks is used.
_X_STEPS = (
    (_HOUR, "h"), (3 * _HOUR, "h"), (6 * _HOUR, "h"), (12 * _HOUR, "h"), (_DAY, "d"),
    (2 * _DAY, "d"), (7 * _DAY, "d"), (14 * _DAY, "d"), (31 * _DAY, "m"), (92 * _DAY, "m"),
    (366 * _DAY, "y"), (5 * 366 * _DAY, "y"), (25 * 366 * _DAY, "y"),
)


def _english(text: str, **values: object) -> str:
    return text % values if values else text


def _english_plural(singular: str, plural: str, num: int, **values: object) -> str:
    values.setdefault("num", num)
    return (singular if num == 1 else plural) % values


_EN_DATES = {"weekday_time": "%a %H:%M", "day_month": "%d %b", "weekday": "%a", "month": "%b",
             "year": "%Y"}


def _english_date(at: datetime, kind: str) -> str:
    text = f"{at:{_EN_DATES[kind]}}"
    return text.lstrip("0") if kind == "day_month" else text


@dataclass(frozen=True, slots=True)
class Words:
    """The plot's words: ``gettext(msgid, **values)`` and ``ngettext(singular, plural, num,
    **values)`` with ``%(name)s`` placeholders, and ``date(at, kind)`` for the time axis (kinds
    ``weekday_time``, ``day_month``, ``weekday``, ``month``, ``year``)."""

    gettext: Callable[..., str] = _english
    ngettext: Callable[..., str] = _english_plural
    date: Callable[[datetime, str], str] = _english_date


ENGLISH = Words()


def top_tick(longest: int) -> int:
    """The top of the y axis for delays up to ``longest`` seconds: the first tick at or above
    it (10 years at the most)."""
    return next((s for s, _ in _Y_TICKS if s >= longest), _Y_TICKS[-1][0])


class Scale:
    """Positions on the plot: x from epoch seconds, y from a delay in seconds."""

    def __init__(self, first: float, last: float, top_seconds: int) -> None:
        pad = max((last - first) * 0.03, 1800.0)
        self.first, self.last = first - pad, last + pad
        self.top = math.log10(top_seconds)

    def x(self, epoch: float) -> float:
        span = self.last - self.first
        return LEFT + (epoch - self.first) / span * (WIDTH - LEFT - RIGHT)

    def y(self, delay: float | None) -> float:
        value = 0.0 if delay is None or delay <= 1 else min(math.log10(delay), self.top)
        return HEIGHT - BOTTOM - value / self.top * (HEIGHT - TOP - BOTTOM)


def _y_label(seconds: int, words: Words) -> str:
    """A y tick's label (``1 min``, ``1 wk``) in the plot's language."""
    n, unit = next((n, u) for s, (n, u) in zip((s for s, _ in _Y_TICKS), _Y_UNITS, strict=True)
                   if s == seconds)
    gettext = words.gettext
    # TRANSLATORS: the delays plot's axis ticks: short units (s, min, h, d, week, year).
    units = {
        "s": gettext("%(num)s s", num=n), "min": gettext("%(num)s min", num=n),
        "h": gettext("%(num)s h", num=n), "d": gettext("%(num)s d", num=n),
        "wk": gettext("%(num)s wk", num=n), "yr": gettext("%(num)s yr", num=n),
    }
    return units[unit]


def axes(scale: Scale, top: int, zone: tzinfo, words: Words = ENGLISH) -> Iterator[str]:
    """The axes' markup, escaped: the y grid and its labels up to ``top`` seconds, the x ticks
    in ``zone`` with their two-line labels, the frame and the y axis' title."""
    bottom = HEIGHT - BOTTOM
    # TRANSLATORS: the title of the delays plot's vertical axis (how late mail arrived).
    axis_title = escape(words.gettext("delay"))
    yield '<g class="axis">'
    for seconds, _label in _Y_TICKS:
        if seconds > top:
            break
        y = scale.y(seconds)
        yield (
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_y_label(seconds, words))}</text>"
        )
    for at, first, second in _x_ticks(scale, zone, words):
        x = scale.x(at.timestamp())
        yield (
            f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 5}"/>'
            f'<text x="{x:.1f}" y="{bottom + 20}" text-anchor="middle">{escape(first)}</text>'
        )
        if second:
            yield (
                f'<text x="{x:.1f}" y="{bottom + 36}" text-anchor="middle">{escape(second)}</text>'
            )
    yield (
        f'<line class="frame" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}"/>'
        f'<line class="frame" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}"/>'
        f'<text class="axis-title" x="16" y="{TOP + (bottom - TOP) / 2:.0f}" text-anchor="middle"'
        f' transform="rotate(-90 16 {TOP + (bottom - TOP) / 2:.0f})">'
        f"{axis_title}</text></g>"
    )


def _x_ticks(
    scale: Scale, zone: tzinfo, words: Words = ENGLISH
) -> list[tuple[datetime, str, str]]:
    """Ticks on round local times (hours, midnights, first days of months or years) with a
    two-line label, at most 8."""
    span = scale.last - scale.first
    step, kind = next(((s, k) for s, k in _X_STEPS if span / s <= 8), _X_STEPS[-1])
    try:
        start = datetime.fromtimestamp(scale.first, UTC).astimezone(zone)
        end = datetime.fromtimestamp(scale.last, UTC).astimezone(zone)
    except (OverflowError, ValueError, OSError):
        return []
    ticks: list[tuple[datetime, str, str]] = []
    date = words.date
    if kind == "h":
        hours = step // _HOUR
        at = start.replace(minute=0, second=0, microsecond=0)
        at = at.replace(hour=at.hour - at.hour % hours)
        while at <= end and len(ticks) < 12:
            if at >= start:
                ticks.append((at, date(at, "weekday_time"), date(at, "day_month")))
            at = (at.astimezone(UTC) + timedelta(hours=hours)).astimezone(zone)
    elif kind == "d":
        days = step // _DAY
        day = start.date()
        while len(ticks) < 12:
            at = datetime(day.year, day.month, day.day, tzinfo=zone)
            if at > end:
                break
            if at >= start:
                ticks.append((at, date(at, "weekday"), date(at, "day_month")))
            day += timedelta(days=days)
    else:
        months = {"m": step // (31 * _DAY), "y": 12 * (step // (366 * _DAY))}[kind]
        year, month = start.year, start.month
        while len(ticks) < 12:
            if year > 9998:
                break
            at = datetime(year, month, 1, tzinfo=zone)
            if at > end:
                break
            if at >= start and (kind == "m" or month == 1):
                ticks.append(
                    (at, date(at, "month"), date(at, "year")) if kind == "m"
                    else (at, date(at, "year"), "")
                )
            if kind == "y" and month != 1:
                year, month = year + 1, 1
                continue
            month += months
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return ticks
