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
(gettext, and day and month names from its locale), so this module stays pure. The frame
the marks are drawn in (its size, the scale, the axes and their ticks, :class:`Words`) is
:mod:`webmail.render.plotframe`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from html import escape
from typing import Protocol

from webmail.render.plotframe import (
    BOTTOM,
    ENGLISH,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    Scale,
    Words,
    axes,
    top_tick,
)

__all__ = ["ENGLISH", "HOST_STYLES", "LegendEntry", "Plot", "Words", "delay_plot", "shape_path"]

#: Late mail gets one of these many host classes (``host-0`` ...); further hosts share one.
HOST_STYLES = 8
_SHAPES = ("circle", "square", "diamond", "triangle", "down", "circle", "square", "diamond")
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
    top = top_tick(longest)
    now = datetime.now(UTC).timestamp()
    scale = Scale(min(times, default=now), max(times, default=now), top)
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
    out.extend(axes(scale, top, zone, words))
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


def _style(late: bool, held_at: str | None, host_class: dict[str, str]) -> tuple[str, str, str]:
    """A mark's kind, class and shape: late mail by the host that held it, on-time mail a
    grey circle."""
    if late:
        css = host_class.get(held_at or "", "host-other")
        return "late", css, _shape_of(css)
    return "on-time", "ontime", "circle"


def _linked(href: str, classes: str, d: str, parts: list[str]) -> str:
    """A mark: its path, its details as the ``<title>``, in a link out of the tab order."""
    return (
        f'<a href="{_attr(href)}" tabindex="-1"><path class="mark {classes}"'
        f' d="{d}"><title>{escape(" · ".join(parts))}</title></path></a>'
    )


def _bands(
    incidents: Iterable[IncidentLike],
    scale: Scale,
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


def _mark(
    m: MarkLike,
    scale: Scale,
    host_class: dict[str, str],
    when: Callable[[datetime | None], str],
    duration: Callable[[int | None], str],
    href: str,
    words: Words = ENGLISH,
) -> str:
    gettext = words.gettext
    x, y = scale.x(m.sent.timestamp()), scale.y(m.delay_seconds)
    kind, css, shape = _style(m.late, m.held_at, host_class)
    r = 4.5 if m.late else 2.6
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
    return _linked(href, f"{kind} {css}", shape_path(shape, x, y, r), parts)


def _cluster(
    c: ClusterLike,
    scale: Scale,
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
    kind, css, shape = _style(c.late, c.held_at, host_class)
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
    return _linked(href, f"cluster {kind} {css}", shape_path(shape, x, y, r), parts)

