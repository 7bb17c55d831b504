"""Result types of the header analysis: frozen dataclasses, every datetime tz-aware.

``Analysis.to_json()`` produces the CLI's exact JSON schema (see the package docstring).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal

SentSource = Literal["date", "received", "dkim", "arrival"]
DeliveredSource = Literal["arrival", "received"]


def iso_utc(value: datetime | None) -> str | None:
    """Format an aware datetime as ISO 8601 in UTC ending in ``Z``; ``None`` stays ``None``."""
    if value is None:
        return None
    utc = value.astimezone(UTC)
    if utc.year >= 1000:  # isoformat is the faster; below 1000 strftime writes "999", not "0999"
        return utc.isoformat()[:19] + "Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A date-time read from a header.

    :ivar value: the instant, tz-aware with the offset as written (``-0000``, military
        letters and unknown zones give UTC); ``None`` when the text could not be read.
    :ivar text: the text that was parsed (unfolded).
    :ivar warnings: readable notes on what was odd or unreadable.
    """

    value: datetime | None
    text: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hop:
    """One Received header (RFC 5321 §4.4).

    :ivar from_: the first word after ``from`` (serialised as ``"from"``), or ``None``.
    :ivar by: the first word after ``by``.
    :ivar via: the first word after ``via``.
    :ivar with_: the first word after ``with`` (serialised as ``"with"``).
    :ivar id: the first word after ``id``.
    :ivar for_: the address after ``for``, without angle brackets (serialised as ``"for"``).
    :ivar time: the date-time after the last ``;``, tz-aware, or ``None``.
    :ivar delay_seconds: ``time`` minus the previous dated hop's time, whole seconds;
        ``None`` for the first dated hop or an undated hop.
    :ivar raw: the unfolded header value (possibly truncated to a cap).
    :ivar warnings: readable notes about this hop.
    """

    from_: str | None = None
    by: str | None = None
    via: str | None = None
    with_: str | None = None
    id: str | None = None
    for_: str | None = None
    time: datetime | None = None
    delay_seconds: int | None = None
    raw: str = ""
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The hop in the CLI's schema (``from``, ``by``, ``with``, ``id``, ``for``, ``time``,
        ``delay_seconds``, plus ``via``)."""
        return {
            "from": self.from_,
            "by": self.by,
            "with": self.with_,
            "id": self.id,
            "for": self.for_,
            "time": iso_utc(self.time),
            "delay_seconds": self.delay_seconds,
            "via": self.via,
        }


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the headers say about when a message was sent and delivered.

    :ivar date_header: the Date header, tz-aware with its own offset, or ``None``.
    :ivar sent: best estimate of the real sending time (UTC), or ``None``.
    :ivar sent_source: where ``sent`` came from: ``"date"``, ``"received"``, ``"dkim"``,
        ``"arrival"`` or ``None``.
    :ivar delivered: when the message reached the mailbox (UTC), or ``None``.
    :ivar delivered_source: ``"arrival"``, ``"received"`` or ``None``.
    :ivar delay_seconds: ``delivered - sent`` in whole seconds, or ``None``.
    :ivar delayed: ``delay_seconds`` is greater than the threshold.
    :ivar hops: the Received chain, oldest first (the bottom header first).
    :ivar bottleneck: index into ``hops`` of the hop with the largest positive
        ``delay_seconds`` (where the message was held longest), or ``None``.
        :attr:`held_at` names the host where it waited.
    :ivar dkim_time: the DKIM-Signature ``t=`` timestamp (signer's clock), or ``None``.
    :ivar warnings: readable notes (clock skew, Date in the future, unreadable fields, ...).
    """

    date_header: datetime | None = None
    sent: datetime | None = None
    sent_source: SentSource | None = None
    delivered: datetime | None = None
    delivered_source: DeliveredSource | None = None
    delay_seconds: int | None = None
    delayed: bool = False
    hops: tuple[Hop, ...] = ()
    bottleneck: int | None = None
    dkim_time: datetime | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def bottleneck_hop(self) -> Hop | None:
        """The hop where the message was held longest, or ``None``."""
        return None if self.bottleneck is None else self.hops[self.bottleneck]

    @property
    def held_at(self) -> str | None:
        """The host where the message waited longest, or ``None`` when there is no bottleneck.

        The bottleneck hop's delay is the time between the previous hop's stamp and its own, so
        the message sat at the previous hop's ``by`` host (the same machine as the bottleneck's
        ``from``). When that is unknown (the bottleneck is the first hop, or the previous hop
        names no ``by``), the bottleneck hop's ``from_``, then its ``by``; ``None`` when none of
        them is known.
        """
        index = self.bottleneck
        if index is None or not 0 <= index < len(self.hops):
            return None
        hop = self.hops[index]
        previous = self.hops[index - 1].by if index > 0 else None
        return previous or hop.from_ or hop.by

    def to_json(self, path: str | None = None) -> dict[str, Any]:
        """The analysis in the CLI's exact JSON schema (plus ``bottleneck``, ``dkim_time`` and
        ``held_at``)."""
        return {
            "path": path,
            "date_header": None if self.date_header is None else self.date_header.isoformat(),
            "sent": iso_utc(self.sent),
            "sent_source": self.sent_source,
            "delivered": iso_utc(self.delivered),
            "delivered_source": self.delivered_source,
            "delay_seconds": self.delay_seconds,
            "delayed": self.delayed,
            "hops": [hop.to_json() for hop in self.hops],
            "warnings": list(self.warnings),
            "bottleneck": self.bottleneck,
            "dkim_time": iso_utc(self.dkim_time),
            "held_at": self.held_at,
        }


def _slot_setters(cls: type) -> tuple[Any, ...]:
    """The ``__set__`` of each slot of a frozen dataclass, in field order."""
    return tuple(getattr(cls, f.name).__set__ for f in fields(cls))


_new = object.__new__
_HOP_SET = _slot_setters(Hop)
_ANALYSIS_SET = _slot_setters(Analysis)


def new_hop(
    from_: str | None, by: str | None, via: str | None, with_: str | None, id: str | None,
    for_: str | None, time: datetime | None, delay_seconds: int | None, raw: str,
    warnings: tuple[str, ...],
) -> Hop:
    """``Hop(...)`` with every field given, in field order, built without the frozen
    dataclass's ``__init__`` (ten ``object.__setattr__`` calls, about 1 µs more per hop):
    the same object, for the analysis' inner loop."""
    hop = _new(Hop)
    s = _HOP_SET
    s[0](hop, from_)
    s[1](hop, by)
    s[2](hop, via)
    s[3](hop, with_)
    s[4](hop, id)
    s[5](hop, for_)
    s[6](hop, time)
    s[7](hop, delay_seconds)
    s[8](hop, raw)
    s[9](hop, warnings)
    return hop


def new_analysis(
    date_header: datetime | None, sent: datetime | None, sent_source: SentSource | None,
    delivered: datetime | None, delivered_source: DeliveredSource | None,
    delay_seconds: int | None, delayed: bool, hops: tuple[Hop, ...], bottleneck: int | None,
    dkim_time: datetime | None, warnings: tuple[str, ...],
) -> Analysis:
    """``Analysis(...)`` with every field given, in field order (see :func:`new_hop`)."""
    analysis = _new(Analysis)
    s = _ANALYSIS_SET
    s[0](analysis, date_header)
    s[1](analysis, sent)
    s[2](analysis, sent_source)
    s[3](analysis, delivered)
    s[4](analysis, delivered_source)
    s[5](analysis, delay_seconds)
    s[6](analysis, delayed)
    s[7](analysis, hops)
    s[8](analysis, bottleneck)
    s[9](analysis, dkim_time)
    s[10](analysis, warnings)
    return analysis
