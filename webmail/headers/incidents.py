"""Delivery incidents: late mail held at the same host at the same time, grouped.

Pure like the rest of the library: values in, values out, no I/O, never raises on input.
Shared by the command line (``python -m webmail.headers --incidents``) and the web
(``/delays``, ``/api/delays``), so both name the same incidents for the same mail.

The rule:

- A *late* message (``Analysis.delayed``) whose headers name a holding host
  (``Analysis.held_at``) was held there from the stamp of the hop before its bottleneck to
  the bottleneck hop's own stamp: :func:`hold_of` gives that :class:`Hold`. The start is the
  bottleneck's time minus its ``delay_seconds`` (the previous *dated* hop's stamp).
- Holds at one host whose intervals overlap, or whose gap is at most the late threshold,
  form one :class:`Incident` (:func:`group_incidents`). Hosts compare case-insensitively.
- A hold no longer than the threshold makes no incident: that message was late, but no host
  of its path held it for longer than the limit (it was late before its first stamp, as when
  the sender's outbox kept it, or a little at each of several hosts).
- Mail that is not late (on time, a sender clock skewed within tolerance, re-filed mail:
  the policy in :mod:`webmail.headers.policy` already says ``delayed=False`` for those)
  has no hold and never makes an incident. Late mail whose headers name no holding host
  is late but belongs to no incident.

Work is O(n log n) in the number of holds (one sort per host); memory is the holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from webmail.headers.model import Analysis, iso_utc

__all__ = ["Hold", "Incident", "group_incidents", "hold_of", "incident_query"]

# A host that the search syntax reads as one bare word; anything else is quoted.
_BARE_HOST = re.compile(r"[A-Za-z0-9._:\-\[\]]+")


@dataclass(frozen=True, slots=True)
class Hold:
    """Where and when one late message waited longest.

    :ivar host: the holding host (``Analysis.held_at``).
    :ivar start: when it reached the host (the stamp before the bottleneck), UTC.
    :ivar end: when the host released it (the bottleneck hop's stamp), UTC; never before
        ``start``.
    :ivar sent: the message's true sent time, UTC (the search query's days come from it).
    :ivar delay_seconds: the message's whole delay, ``delivered - sent``.
    """

    host: str
    start: datetime
    end: datetime
    sent: datetime
    delay_seconds: int


@dataclass(frozen=True, slots=True)
class Incident:
    """Late messages held at one host over one stretch of time.

    :ivar host: the holding host, spelled as in the earliest hold.
    :ivar start: the earliest hold start, UTC.
    :ivar end: the latest release, UTC.
    :ivar count: how many late messages it holds (at least 1).
    :ivar max_delay_seconds: the longest whole delay among them.
    :ivar median_delay_seconds: their median delay, whole seconds (the lower of the two
        middle values when ``count`` is even: always one message's real delay).
    :ivar first_sent: the earliest true sent time among them, UTC.
    :ivar last_sent: the latest true sent time among them, UTC.
    :ivar query: the search (issue "Find and organise") that lists them:
        ``held:HOST after:DAY before:DAY is:late``, days of ``first_sent`` and ``last_sent``
        in the zone it was made for (``after`` inclusive, ``before`` exclusive). It may also
        list other late mail held at that host and sent on those days.
    """

    host: str
    start: datetime
    end: datetime
    count: int
    max_delay_seconds: int
    median_delay_seconds: int
    first_sent: datetime
    last_sent: datetime
    query: str

    def to_json(self) -> dict[str, Any]:
        """The incident as ``/api/delays`` and the CLI's ``--incidents --json`` give it:
        ``host``, ``start``, ``end`` (ISO 8601 UTC ending in ``Z``), ``count``,
        ``max_delay_seconds``, ``median_delay_seconds``, ``query``."""
        return {
            "host": self.host,
            "start": iso_utc(self.start),
            "end": iso_utc(self.end),
            "count": self.count,
            "max_delay_seconds": self.max_delay_seconds,
            "median_delay_seconds": self.median_delay_seconds,
            "query": self.query,
        }


def hold_of(analysis: Analysis) -> Hold | None:
    """The hold of a late message, or ``None`` when it is not late (``delayed`` is false),
    names no holding host, or lacks the sent time, the delay or the bottleneck's stamp.
    Never raises (a stamp whose hold start would fall outside the calendar gives ``None``)."""
    if not analysis.delayed or analysis.sent is None or analysis.delay_seconds is None:
        return None
    host, hop = analysis.held_at, analysis.bottleneck_hop
    if not host or hop is None or hop.time is None or hop.delay_seconds is None:
        return None
    try:
        end = hop.time.astimezone(UTC)
        start = end - timedelta(seconds=max(0, hop.delay_seconds))
        sent = analysis.sent.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return Hold(host, start, end, sent, analysis.delay_seconds)


def incident_query(host: str, first_sent: datetime, last_sent: datetime, zone: tzinfo = UTC) -> str:
    """``held:HOST after:YYYY-MM-DD before:YYYY-MM-DD is:late``: the late mail held at
    ``host`` and really sent from the day of ``first_sent`` to the day of ``last_sent`` in
    ``zone`` (``before`` is the day after: it is exclusive). A host that is not one plain
    word is double-quoted, without any double quote of its own."""
    word = host if _BARE_HOST.fullmatch(host) else '"' + host.replace('"', "") + '"'
    try:
        after = first_sent.astimezone(zone).date()
        before = last_sent.astimezone(zone).date() + timedelta(days=1)
    except (OverflowError, ValueError):  # the last day of the calendar: no upper bound
        return f"held:{word} is:late"
    return f"held:{word} after:{after.isoformat()} before:{before.isoformat()} is:late"


def group_incidents(
    holds: Iterable[Hold], threshold: timedelta, *, zone: tzinfo = UTC
) -> tuple[Incident, ...]:
    """Group ``holds`` into incidents, newest first (latest ``start`` first; ties: latest
    ``end``, then host).

    Holds no longer than ``threshold`` are left out (see the module docstring). The others
    join one incident per host (compared case-insensitively) while each next hold, in order
    of start, begins at most ``threshold`` after the latest release so far: overlapping
    intervals, and gaps up to and including ``threshold``. ``zone`` gives the days of each
    incident's :attr:`Incident.query` (the reader's zone; UTC by default).
    """
    by_host: dict[str, list[Hold]] = {}
    for hold in holds:
        if hold.end - hold.start > threshold:
            by_host.setdefault(hold.host.casefold(), []).append(hold)
    incidents: list[Incident] = []
    for group in by_host.values():
        group.sort(key=lambda h: (h.start, h.end))
        run: list[Hold] = []
        release = group[0].end  # the latest end of the holds in ``run``
        for hold in group:
            if run and hold.start - release > threshold:
                incidents.append(_incident(run, release, zone))
                run = []
            release = max(release, hold.end) if run else hold.end
            run.append(hold)
        incidents.append(_incident(run, release, zone))
    incidents.sort(key=lambda i: (i.start, i.end, i.host), reverse=True)
    return tuple(incidents)


def _incident(run: list[Hold], release: datetime, zone: tzinfo) -> Incident:
    """One incident of ``run`` (holds at one host, sorted by start; ``release`` their
    latest end)."""
    delays = sorted(h.delay_seconds for h in run)
    first_sent = min(h.sent for h in run)
    last_sent = max(h.sent for h in run)
    host = run[0].host
    return Incident(
        host=host,
        start=run[0].start,
        end=release,
        count=len(run),
        max_delay_seconds=delays[-1],
        median_delay_seconds=delays[(len(delays) - 1) // 2],
        first_sent=first_sent,
        last_sent=last_sent,
        query=incident_query(host, first_sent, last_sent, zone),
    )
