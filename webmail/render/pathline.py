"""A message's path as a time line drawn to scale, for the read view of a late message.

Pure: an :class:`~webmail.headers.Analysis` in, positions out (the template
``mail/_pathline.html`` draws them as SVG). The line runs from the true sent time through
each dated hop to the delivery; each stretch between two stamps is as long as the time it
took, so the wait at the holding host fills the line and the hops around it shrink to dots.
The stretch that ends at the bottleneck hop is the hold, highlighted.

A hop stamped earlier than the point before it (a skewed clock) is drawn where that point is:
the line never runs backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from webmail.headers import Analysis

__all__ = ["WIDTH", "PathLine", "Stamp", "Stretch", "path_line"]

#: The drawing's width in SVG units (it scales to the page); the line keeps a margin of PAD.
WIDTH = 640
PAD = 12
LABEL_HALF = 130  # about half the width of "held 2 d 3 h at mx2.example.com"


@dataclass(frozen=True, slots=True)
class Stamp:
    """A point of the line.

    :ivar x: its position, 0 to :data:`WIDTH`.
    :ivar time: the instant (UTC).
    :ivar label: ``"sent"``, the host that stamped it, or ``"delivered"``.
    """

    x: float
    time: datetime
    label: str


@dataclass(frozen=True, slots=True)
class Stretch:
    """The time between two stamps.

    :ivar x: where it starts.
    :ivar width: how long it is drawn (to scale).
    :ivar seconds: how long it took (0 when a clock ran backwards).
    :ivar at: where the message was meanwhile (the host that stamped the start, or
        ``"the sender"`` before the first hop), or ``None`` when unknown.
    :ivar held: it is the hold at the bottleneck (the longest wait).
    """

    x: float
    width: float
    seconds: int
    at: str | None
    held: bool


@dataclass(frozen=True, slots=True)
class PathLine:
    """The drawn line.

    :ivar stamps: sent, each dated hop, delivered, in order.
    :ivar stretches: one between each two stamps.
    :ivar seconds: sent to delivered (or to the last stamp).
    :ivar held: the highlighted stretch, or ``None``.
    """

    stamps: tuple[Stamp, ...]
    stretches: tuple[Stretch, ...]
    seconds: int
    held: Stretch | None

    @property
    def width(self) -> int:
        """The drawing's width, :data:`WIDTH`."""
        return WIDTH

    @property
    def label_x(self) -> float:
        """Where the hold's label is centred: over the hold, kept clear of the edges."""
        if self.held is None:
            return WIDTH / 2
        middle = self.held.x + self.held.width / 2
        return min(max(middle, PAD + LABEL_HALF), WIDTH - PAD - LABEL_HALF)


def path_line(analysis: Analysis) -> PathLine | None:
    """The time line of ``analysis``, or ``None`` when fewer than two instants are known or
    they all fall on the same second."""
    points: list[tuple[datetime, str, bool]] = []  # (time, label, ends the hold)
    if analysis.sent is not None:
        points.append((analysis.sent, "sent", False))
    for index, hop in enumerate(analysis.hops):
        if hop.time is not None:
            points.append((hop.time, hop.by or hop.from_ or "?", index == analysis.bottleneck))
    if analysis.delivered is not None and (not points or analysis.delivered > points[-1][0]):
        points.append((analysis.delivered, "delivered", False))
    if len(points) < 2:
        return None
    times = [points[0][0]]
    for when, _, _ in points[1:]:
        times.append(max(when, times[-1]))
    total = (times[-1] - times[0]).total_seconds()
    if total <= 0:
        return None

    def x(when: datetime) -> float:
        return PAD + (when - times[0]).total_seconds() / total * (WIDTH - 2 * PAD)

    stamps = tuple(Stamp(x(t), t, label) for t, (_, label, _) in zip(times, points, strict=True))
    stretches = []
    for n in range(1, len(points)):
        at = "the sender" if points[n - 1][1] == "sent" else points[n - 1][1]
        stretches.append(Stretch(
            stamps[n - 1].x, stamps[n].x - stamps[n - 1].x,
            int((times[n] - times[n - 1]).total_seconds()), at, points[n][2],
        ))  # fmt: skip
    held = next((s for s in stretches if s.held), None)
    return PathLine(stamps, tuple(stretches), int(total), held)
