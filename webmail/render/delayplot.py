"""The delays plot: every message of a folder as a mark, drawn server-side as SVG.

Pure: values in, markup out (no Flask, no I/O). x is the true sent time, y the delay on a
log scale (1 s at the bottom; a delay of a second or less, clock skew included, sits on the
bottom line; an unknown delay is a hollow mark there); the late threshold is a dashed line;
each incident is a band over its hold; late mail is coloured and shaped by the host that held
it (one of :data:`HOST_STYLES` classes, the rest ``host-other``), on-time mail is a small grey
dot. Each mark is a link with the message's details in its ``<title>``.

The markup is built here rather than in a template because a plot of 2,000 marks renders
about five times faster this way. Every text and attribute value goes through
:func:`html.escape`; the ``<svg>`` carries no script, no ``style`` attribute and no inline
event handler (the page's CSP allows neither), only classes that ``static/style.css`` colours
for light, dark and print. The marks are hidden from screen readers and out of the tab
order: the incidents table under the plot is their accessible alternative.

Its words come from a :class:`Words` (English by default): the web passes the page's language
(gettext, and day and month names from its locale), so this module stays pure.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from html import escape
from typing import Protocol

__all__ = ["ENGLISH", "HOST_STYLES", "LegendEntry", "Plot", "Words", "delay_plot", "shape_path"]

WIDTH, HEIGHT = 960, 400
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 16, 54
#: Late mail gets one of these many host classes (``host-0`` ...); further hosts share one.
HOST_STYLES = 8
_SHAPES = ("circle", "square", "diamond", "triangle", "down", "circle", "square", "diamond")
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


class MarkLike(Protocol):
    """One message (``webmail.delays.Mark``)."""

    @property
    def sent(self) -> datetime: ...
    @property
    def delivered(self) -> datetime | None: ...
    @property
    def delay_seconds(self) -> int | None: ...
    @property
    def late(self) -> bool: ...
    @property
    def held_at(self) -> str | None: ...
    @property
    def subject(self) -> str: ...


class ClusterLike(Protocol):
    """Alike messages sharing a mark (``webmail.delays.Cluster``)."""

    @property
    def count(self) -> int: ...
    @property
    def first_sent(self) -> datetime: ...
    @property
    def last_sent(self) -> datetime: ...
    @property
    def min_delay(self) -> int | None: ...
    @property
    def max_delay(self) -> int | None: ...
    @property
    def late(self) -> bool: ...
    @property
    def held_at(self) -> str | None: ...


class IncidentLike(Protocol):
    """An incident (``webmail.headers.Incident``)."""

    @property
    def host(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def count(self) -> int: ...


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """One line of the plot's legend.

    :ivar label: the host, or ``"on time"`` / ``"other hosts"``.
    :ivar css: the class its marks carry (``host-0`` ... ``host-other``, ``ontime``).
    :ivar shape: the SVG path of its swatch, in a 16×16 box.
    :ivar count: how many messages it stands for.
    """

    label: str
    css: str
    shape: str
    count: int


@dataclass(frozen=True, slots=True)
class Plot:
    """A drawn plot.

    :ivar svg: the ``<svg>`` element, escaped, ready to be placed in a page.
    :ivar legend: the hosts (most late messages first), then other hosts and on-time mail.
    :ivar marks: how many marks it holds.
    """

    svg: str
    legend: tuple[LegendEntry, ...]
    marks: int


def shape_path(shape: str, cx: float, cy: float, r: float) -> str:
    """The SVG path data of a mark: ``circle``, ``square``, ``diamond``, ``triangle`` or
    ``down`` (a triangle pointing down) of radius ``r`` around (``cx``, ``cy``)."""
    if shape == "square":
        s = r * 0.9
        return f"M{cx - s:.1f} {cy - s:.1f}h{2 * s:.1f}v{2 * s:.1f}h{-2 * s:.1f}Z"
    if shape == "diamond":
        s = r * 1.25
        return f"M{cx:.1f} {cy - s:.1f}l{s:.1f} {s:.1f}l{-s:.1f} {s:.1f}l{-s:.1f} {-s:.1f}Z"
    if shape in ("triangle", "down"):
        s = r * 1.3 if shape == "triangle" else -r * 1.3
        return f"M{cx:.1f} {cy - s:.1f}l{abs(s) * 1.1:.1f} {s * 1.7:.1f}h{-abs(s) * 2.2:.1f}Z"
    arc = f"a{r:.1f} {r:.1f} 0 1 0"
    return f"M{cx - r:.1f} {cy:.1f}{arc} {2 * r:.1f} 0{arc} {-2 * r:.1f} 0Z"


class _Scale:
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


def _attr(text: str) -> str:
    return escape(text, quote=True)


def delay_plot(
    marks: Sequence[MarkLike],
    clusters: Sequence[ClusterLike],
    incidents: Sequence[IncidentLike],
    *,
    threshold: timedelta,
    zone: tzinfo,
    when: Callable[[datetime | None], str],
    duration: Callable[[int | None], str],
    mark_href: Callable[[MarkLike], str],
    cluster_href: Callable[[ClusterLike], str],
    title: str,
    words: Words = ENGLISH,
) -> Plot:
    """Draw ``marks`` (one per message) or ``clusters`` (shared marks) with the ``incidents``
    as bands. ``when`` and ``duration`` write times and delays as the rest of the page does
    (the reader's zone); ``zone`` places the time axis' ticks on local days. ``mark_href`` and
    ``cluster_href`` give each mark's link; ``title`` names the plot for screen readers."""
    when = _by_the_minute(when)
    gettext = words.gettext
    host_class, legend = _hosts(marks, clusters)
    times = [m.sent.timestamp() for m in marks]
    times += [t for c in clusters for t in (c.first_sent.timestamp(), c.last_sent.timestamp())]
    times += [t for i in incidents for t in (i.start.timestamp(), i.end.timestamp())]
    delays = [m.delay_seconds or 0 for m in marks] + [c.max_delay or 0 for c in clusters]
    longest = max([*delays, int(threshold.total_seconds()) * 4, 3600])
    top = next((s for s, _ in _Y_TICKS if s >= longest), _Y_TICKS[-1][0])
    now = datetime.now(UTC).timestamp()
    scale = _Scale(min(times, default=now), max(times, default=now), top)
    out = [
        # A group, not an image: its marks are links (an image cannot hold focusable parts).
        f'<svg class="delay-plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="group"'
        ' aria-labelledby="delay-plot-title delay-plot-desc">',
        f'<title id="delay-plot-title">{escape(title)}</title>',
        '<desc id="delay-plot-desc">'
        + escape(gettext(
            "Each mark is a message: across, when it was really sent; up, how late it arrived"
            " (log scale). Shaded bands are delivery incidents; the table below lists them."
        ))
        + "</desc>",
    ]
    out.extend(_bands(incidents, scale, host_class, when, words))
    out.extend(_axes(scale, top, zone, words))
    limit = scale.y(threshold.total_seconds())
    out.append(
        f'<line class="threshold" x1="{LEFT}" x2="{WIDTH - RIGHT}"'
        f' y1="{limit:.1f}" y2="{limit:.1f}"/>'
        f'<text class="threshold-label" x="{WIDTH - RIGHT - 4}" y="{limit - 5:.1f}"'
        ' text-anchor="end">'
        + escape(gettext(
            "late: over %(duration)s", duration=duration(int(threshold.total_seconds()))
        ))
        + "</text>"
    )
    out.append('<g class="marks" aria-hidden="true">')
    for m in marks:
        out.append(_mark(m, scale, host_class, when, duration, mark_href(m), words))
    for c in clusters:
        out.append(_cluster(c, scale, host_class, when, duration, cluster_href(c), words))
    out.append("</g></svg>")
    return Plot("".join(out), legend, len(marks) + len(clusters))


def _by_the_minute(when: Callable[[datetime | None], str]) -> Callable[[datetime | None], str]:
    """``when`` asked once per minute: the page's times show minutes, and 2,000 marks repeat
    many of them (a reader's zone changes its offset only on a whole minute)."""
    seen: dict[int, str] = {}

    def cached(value: datetime | None) -> str:
        if value is None:
            return when(None)
        try:
            minute = int(value.timestamp()) // 60
        except (OverflowError, ValueError, OSError):
            return when(value)
        text = seen.get(minute)
        if text is None:
            text = seen[minute] = when(value)
        return text

    return cached


def _hosts(
    marks: Sequence[MarkLike], clusters: Sequence[ClusterLike]
) -> tuple[dict[str, str], tuple[LegendEntry, ...]]:
    """Each holding host's class (the most late messages first) and the legend."""
    late: Counter[str] = Counter()
    on_time = 0
    for m in marks:
        if m.late:
            late[m.held_at or ""] += 1
        else:
            on_time += 1
    for c in clusters:
        if c.late:
            late[c.held_at or ""] += c.count
        else:
            on_time += c.count
    ranked = sorted(late, key=lambda h: (-late[h], h))
    named = [h for h in ranked if h][: HOST_STYLES - 1]
    classes = {h: f"host-{n}" for n, h in enumerate(named)}
    legend = [
        LegendEntry(h, classes[h], shape_path(_SHAPES[n], 8, 8, 5), late[h])
        for n, h in enumerate(named)
    ]
    others = sum(count for h, count in late.items() if h not in classes)
    if others:
        label = "other hosts" if len(named) else "unknown host"
        legend.append(LegendEntry(label, "host-other", shape_path("circle", 8, 8, 5), others))
    if on_time:
        legend.append(LegendEntry("on time", "ontime", shape_path("circle", 8, 8, 3), on_time))
    return classes, tuple(legend)


def _shape_of(css: str) -> str:
    if css.startswith("host-") and css[5:].isdigit():
        return _SHAPES[int(css[5:]) % len(_SHAPES)]
    return "circle"


def _bands(
    incidents: Iterable[IncidentLike],
    scale: _Scale,
    host_class: dict[str, str],
    when: Callable[[datetime | None], str],
    words: Words = ENGLISH,
) -> Iterator[str]:
    for i in incidents:
        x1, x2 = scale.x(i.start.timestamp()), scale.x(i.end.timestamp())
        css = host_class.get(i.host, "host-other")
        label = words.ngettext(
            "%(host)s held %(num)s message from %(start)s until %(end)s",
            "%(host)s held %(num)s messages from %(start)s until %(end)s",
            i.count, host=i.host, start=when(i.start), end=when(i.end),
        )
        yield (
            f'<rect class="band {css}" x="{x1:.1f}" y="{TOP}" width="{max(x2 - x1, 2.0):.1f}"'
            f' height="{HEIGHT - TOP - BOTTOM}"><title>{escape(label)}</title></rect>'
        )


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


def _axes(scale: _Scale, top: int, zone: tzinfo, words: Words = ENGLISH) -> Iterator[str]:
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
    scale: _Scale, zone: tzinfo, words: Words = ENGLISH
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


def _mark(
    m: MarkLike,
    scale: _Scale,
    host_class: dict[str, str],
    when: Callable[[datetime | None], str],
    duration: Callable[[int | None], str],
    href: str,
    words: Words = ENGLISH,
) -> str:
    gettext = words.gettext
    x, y = scale.x(m.sent.timestamp()), scale.y(m.delay_seconds)
    if m.late:
        css = host_class.get(m.held_at or "", "host-other")
        shape, r, kind = _shape_of(css), 4.5, "late"
    else:
        css, shape, r, kind = "ontime", "circle", 2.6, "on-time"
    if m.delay_seconds is None:
        kind += " unknown"
    parts = [
        m.subject or gettext("(no subject)"),
        gettext("sent %(time)s", time=when(m.sent)),
        gettext("delivered %(time)s", time=when(m.delivered)),
    ]
    if m.late:
        parts.append(gettext("delivered %(duration)s late", duration=duration(m.delay_seconds)))
    elif m.delay_seconds is None:
        parts.append(gettext("delay unknown"))
    if m.held_at:
        parts.append(gettext("held at %(host)s", host=m.held_at))
    return (
        f'<a href="{_attr(href)}" tabindex="-1"><path class="mark {kind} {css}"'
        f' d="{shape_path(shape, x, y, r)}"><title>{escape(" · ".join(parts))}</title></path></a>'
    )


def _cluster(
    c: ClusterLike,
    scale: _Scale,
    host_class: dict[str, str],
    when: Callable[[datetime | None], str],
    duration: Callable[[int | None], str],
    href: str,
    words: Words = ENGLISH,
) -> str:
    gettext = words.gettext
    middle = (c.first_sent.timestamp() + c.last_sent.timestamp()) / 2
    low, high = c.min_delay, c.max_delay
    typical = None if low is None or high is None else math.sqrt(max(low, 1) * max(high, 1))
    x, y = scale.x(middle), scale.y(typical)
    r = min(9.0, 2.6 + 1.3 * math.log2(max(c.count, 1)))
    if c.late:
        css = host_class.get(c.held_at or "", "host-other")
        shape, kind = _shape_of(css), "late"
    else:
        css, shape, kind = "ontime", "circle", "on-time"
    if low is None or high is None:
        delays = gettext("delay unknown")
    elif low == high:
        delays = gettext("delayed %(duration)s", duration=duration(low))
    else:
        delays = gettext("delayed %(low)s to %(high)s", low=duration(low), high=duration(high))
    parts = [
        words.ngettext(
            "%(num)s message sent %(first)s to %(last)s",
            "%(num)s messages sent %(first)s to %(last)s",
            c.count, first=when(c.first_sent), last=when(c.last_sent),
        ),
        delays,
    ]
    if c.late and c.held_at:
        parts.append(gettext("held at %(host)s", host=c.held_at))
    return (
        f'<a href="{_attr(href)}" tabindex="-1"><path class="mark cluster {kind} {css}"'
        f' d="{shape_path(shape, x, y, r)}"><title>{escape(" · ".join(parts))}</title></path></a>'
    )

