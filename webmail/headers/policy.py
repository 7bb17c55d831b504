"""The policy: when a message was sent, when it was delivered, how late, where it was held.

Exactly the rules of the header-analysis issue, so every view agrees:

- ``sent`` is the Date header when it parses and is plausible: year >= 1970 (as written),
  not more than 1 hour later than the oldest dated hop nor than ``delivered``, not more
  than 30 days earlier than the oldest dated hop. Source ``"date"``. Otherwise the oldest
  dated hop (``"received"``), else the DKIM-Signature ``t=`` (``"dkim"``), else the
  arrival (``"arrival"``), else ``None``.
- ``delivered`` is the arrival when given (``"arrival"``), else the newest dated hop
  (``"received"``). An arrival more than 30 days after the newest dated hop means the
  message was re-filed: ``delivered`` is then the newest dated hop, with a warning.
- ``delay_seconds = delivered - sent`` in whole seconds; ``delayed`` when it exceeds the
  threshold. A hop's ``delay_seconds`` is its time minus the previous dated hop's time;
  negative values are kept and reported as clock skew.

"Oldest" and "newest" are by position: the bottom Received header is the oldest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from webmail.headers.dates import OUT_OF_RANGE, fast_date, in_range, parse_date_value
from webmail.headers.fields import analysed_fields
from webmail.headers.model import Analysis, DeliveredSource, Hop, SentSource, new_analysis, new_hop
from webmail.headers.received import scan_received

# Received headers read per message; a longer chain keeps its newest (top) headers.
# RFC 5321 §6.3: an MTA counts Received headers and treats 100 or more as a mail loop.
MAX_HOPS = 100
DATE_AHEAD_LIMIT = timedelta(hours=1)
DATE_BEHIND_LIMIT = timedelta(days=30)
REFILED_LIMIT = timedelta(days=30)
MIN_PLAUSIBLE_YEAR = 1970
DEFAULT_THRESHOLD = timedelta(hours=1)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def analyze(
    headers: object,
    arrival: datetime | None = None,
    threshold: timedelta = DEFAULT_THRESHOLD,
) -> Analysis:
    """Analyse a message's headers.

    ``headers`` may be the raw bytes of a message or of its header block, the same as
    ``str``, an ``email.message.Message``, or ``(name, value)`` pairs (values ``str`` or
    ``bytes``). ``arrival`` is when the mailbox received it (IMAP INTERNALDATE); a naive
    datetime is read as UTC. Only the top-level header block is read: Received and Date
    lines in the body or in attached messages are not hops.

    Returns an :class:`Analysis` following the policy in this module's docstring. Never
    raises: what cannot be read is ``None`` plus a warning. Linear in the input.
    """
    try:
        return analyze_unguarded(headers, arrival, threshold)
    except Exception as exc:  # a bug must not take the caller down; the tests hunt them
        problem = f"internal error while analysing headers ({type(exc).__name__})"
        return Analysis(warnings=(problem,))


def analyze_unguarded(
    headers: object,
    arrival: datetime | None = None,
    threshold: timedelta = DEFAULT_THRESHOLD,
) -> Analysis:
    """:func:`analyze` without its last-resort guard (for tests that hunt exceptions).

    The steps, in the order their warnings appear: pick the fields, read the Date header, read
    the Received chain, the DKIM time, check the arrival; then ``delivered``, ``sent``, the delay
    and the bottleneck by the policy.
    """
    fields, warnings = analysed_fields(headers)  # a list of its own: the warnings go on
    date_text, received_texts, dkim_text = _pick_fields(fields, warnings)
    date_header = fast_date(date_text) if date_text is not None else None
    if date_header is None:  # absent, or not the common form: the general path and its notes
        date_header = _read_date_header(date_text, warnings)
    hops = _read_hops(received_texts, warnings)
    dkim_time = _dkim_time(dkim_text, warnings) if dkim_text is not None else None
    if arrival is not None:
        arrival = _check_arrival(arrival, warnings)

    oldest: datetime | None
    newest: datetime | None
    if hops and hops[0].time is not None and hops[-1].time is not None:  # all dated, usually
        oldest, newest = hops[0].time, hops[-1].time
    else:
        dated = [hop.time for hop in hops if hop.time is not None]
        oldest = dated[0] if dated else None
        newest = dated[-1] if dated else None
    delivered, delivered_source = _delivered(arrival, newest, warnings)
    sent, sent_source = _sent(date_header, oldest, delivered, dkim_time, arrival, warnings)
    delay_seconds, delayed = _delay(sent, delivered, threshold)
    return new_analysis(
        date_header,
        None if sent is None else sent.astimezone(UTC),
        sent_source,
        None if delivered is None else delivered.astimezone(UTC),
        delivered_source,
        delay_seconds,
        delayed,
        tuple(hops),
        _bottleneck(hops),
        dkim_time,
        tuple(warnings),
    )


def _pick_fields(
    fields: Iterable[tuple[str, str]], warnings: list[str]
) -> tuple[str | None, list[str], str | None]:
    """The fields the policy reads: the first Date, every Received (top first) and the first
    DKIM-Signature, each ``None`` or empty when absent; warns when there are several Dates."""
    date_text: str | None = None
    received_texts: list[str] = []
    dkim_text: str | None = None
    date_count = 0
    for name, value in fields:
        lower = name.lower()
        if lower == "received":
            received_texts.append(value)
        elif lower == "date":
            date_count += 1
            if date_text is None:
                date_text = value
        elif lower == "dkim-signature" and dkim_text is None:
            dkim_text = value
    if date_count > 1:
        warnings.append(f"{date_count} Date headers: the first is used")
    return date_text, received_texts, dkim_text


def _read_date_header(date_text: str | None, warnings: list[str]) -> datetime | None:
    """The Date header's instant with its own offset, or ``None`` (absent or unreadable, with a
    warning); the parser's notes become ``Date header: ...`` warnings."""
    if date_text is None:
        warnings.append("no Date header")
        return None
    date_warnings: list[str] = []
    date_header = parse_date_value(date_text, date_warnings)
    if date_header is None:
        what = "out of range" if OUT_OF_RANGE in date_warnings else "unreadable"
        warnings.append(f"Date header {what}: {date_text.strip()[:80]!r}")
    else:
        warnings.extend(f"Date header: {w}" for w in date_warnings)
    return date_header


def _read_hops(received_texts: list[str], warnings: list[str]) -> list[Hop]:
    """The hops of the newest :data:`MAX_HOPS` Received headers, oldest first (see
    :func:`_chain`); warns when headers were dropped or there are none."""
    if len(received_texts) > MAX_HOPS:
        warnings.append(
            f"{len(received_texts)} Received headers: only the newest {MAX_HOPS} are read"
        )
        received_texts = received_texts[:MAX_HOPS]
    if not received_texts:
        warnings.append("no Received headers")
    return _chain(received_texts, warnings)


def _check_arrival(arrival: object, warnings: list[str]) -> datetime | None:
    """``arrival`` as an aware datetime (a naive one read as UTC, with a warning), or ``None``
    when it is absent, not a datetime or out of range (see ``dates.LATEST``; ignored, with a
    warning)."""
    if arrival is None:
        return None
    if not isinstance(arrival, datetime):
        warnings.append("arrival is not a datetime: ignored")
        return None
    if arrival.tzinfo is None or arrival.utcoffset() is None:
        warnings.append("arrival has no zone: read as UTC")
        arrival = arrival.replace(tzinfo=UTC)
    if not in_range(arrival):
        warnings.append("arrival is out of range: ignored")
        return None
    return arrival


def _delivered(
    arrival: datetime | None, newest: datetime | None, warnings: list[str]
) -> tuple[datetime | None, DeliveredSource | None]:
    """``delivered`` and its source by the policy: the arrival, unless it is more than
    :data:`REFILED_LIMIT` after the newest dated hop (re-filed: the hop, with a warning); else
    the newest dated hop; else ``(None, None)``."""
    if arrival is not None:
        if newest is not None and arrival - newest > REFILED_LIMIT:
            warnings.append(
                "arrival time is more than 30 days after the last Received hop: "
                "the message was re-filed (imported or restored), not late"
            )
            return newest, "received"
        return arrival, "arrival"
    if newest is not None:
        return newest, "received"
    return None, None


def _sent(
    date_header: datetime | None,
    oldest: datetime | None,
    delivered: datetime | None,
    dkim_time: datetime | None,
    arrival: datetime | None,
    warnings: list[str],
) -> tuple[datetime | None, SentSource | None]:
    """``sent`` and its source by the policy: the Date header when plausible (see
    :func:`_date_is_plausible`, which warns), else the oldest dated hop, the DKIM time, the
    arrival, else ``(None, None)``."""
    if date_header is not None and _date_is_plausible(date_header, oldest, delivered, warnings):
        return date_header, "date"
    if oldest is not None:
        return oldest, "received"
    if dkim_time is not None:
        return dkim_time, "dkim"
    if arrival is not None:
        return arrival, "arrival"
    return None, None


def _delay(
    sent: datetime | None, delivered: datetime | None, threshold: timedelta
) -> tuple[int | None, bool]:
    """``delivered - sent`` in whole seconds and whether it exceeds ``threshold``; ``(None,
    False)`` when either is unknown."""
    if sent is None or delivered is None:
        return None, False
    delay_seconds = _seconds(delivered - sent)
    return delay_seconds, delay_seconds > threshold.total_seconds()


def _bottleneck(hops: list[Hop]) -> int | None:
    """Index of the hop with the largest positive ``delay_seconds`` (the first of equals), or
    ``None`` when no hop has a positive delay."""
    bottleneck: int | None = None
    longest = 0
    for index, hop in enumerate(hops):
        if hop.delay_seconds is not None and hop.delay_seconds > longest:
            bottleneck, longest = index, hop.delay_seconds
    return bottleneck


def _seconds(delta: timedelta) -> int:
    """Whole seconds of a timedelta, truncated toward zero."""
    return int(delta.total_seconds())


def _chain(received_texts: list[str], warnings: list[str]) -> list[Hop]:
    """Parse the Received headers (top first) into hops, oldest first, each with its
    ``delay_seconds`` from the previous dated hop; report clock skew."""
    previous: datetime | None = None
    hops: list[Hop] = []
    undated = 0
    for index, text in enumerate(reversed(received_texts)):
        from_, by, via, with_, id_, for_, time, _, raw, hop_warnings = scan_received(text)
        delay: int | None = None
        if time is None:
            undated += 1
            if any(w.startswith("Received date out of range: ") for w in hop_warnings):
                stamp = text.rpartition(";")[2].strip()[:80]
                warnings.append(
                    f"hop {index} ({by or '?'}) is dated out of range ({stamp!r}): "
                    "its time is unknown"
                )
        else:
            if previous is not None:
                delay = int((time - previous).total_seconds())  # _seconds, inlined
                if delay < 0:
                    warnings.append(
                        f"clock skew: hop {index} ({by or '?'}) is dated {-delay} s"
                        " before the hop below it"
                    )
            previous = time
        hops.append(new_hop(from_, by, via, with_, id_, for_, time, delay, raw, hop_warnings))
    if undated:
        warnings.append(f"{undated} Received header(s) without a readable date")
    return hops


def _date_is_plausible(
    date: datetime,
    oldest: datetime | None,
    delivered: datetime | None,
    warnings: list[str],
) -> bool:
    """The policy's test of the Date header; each failure adds a warning."""
    if date.year < MIN_PLAUSIBLE_YEAR:
        warnings.append(f"Date header is before {MIN_PLAUSIBLE_YEAR}: not used")
        return False
    if oldest is not None:
        if date - oldest > DATE_AHEAD_LIMIT:
            warnings.append(
                f"Date header is {_warning_duration(date - oldest)} after the first Received hop "
                "(sender's clock ahead?): not used"
            )
            return False
        if oldest - date > DATE_BEHIND_LIMIT:
            warnings.append(
                f"Date header is {_warning_duration(oldest - date)} before the first Received hop: "
                "not used"
            )
            return False
    if delivered is not None and date - delivered > DATE_AHEAD_LIMIT:
        warnings.append(
            f"Date header is {_warning_duration(date - delivered)} after delivery (in the future): "
            "not used"
        )
        return False
    return True


def format_duration(delta: timedelta) -> str:
    """``delta`` without its sign in its two largest units, the smaller rounded half up:
    ``2 d 3 h``, ``3 h 5 min``, ``4 min 2 s``, ``9 s``; a smaller unit that rounds to 0 is
    left out (``2 d``, ``1 h``), and rounding carries (23 h 59 min 40 s is ``1 d``). THE
    duration formatter: the CLI report and every page of the web app write durations with it,
    so "late by" and "held" never disagree by a truncated hour."""
    seconds = abs(delta.total_seconds())
    for big, small, big_name, small_name in (
        (86400, 3600, "d", "h"), (3600, 60, "h", "min"), (60, 1, "min", "s"),
    ):
        count = int((seconds + small / 2) // small)  # whole smaller units, half up
        if count * small >= big:
            whole, rest = divmod(count, big // small)
            return f"{whole} {big_name} {rest} {small_name}" if rest else f"{whole} {big_name}"
    return f"{int(seconds + 0.5)} s"


def _warning_duration(delta: timedelta) -> str:
    """The durations inside the analysis' warnings, truncated as they always were: the
    warnings are part of the JSON, which stays exactly as specified. The web app does not show
    these words; it writes its own sentence with the dates (``views/explain.py``)."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"


def _dkim_time(value: str, warnings: list[str]) -> datetime | None:
    """The DKIM-Signature ``t=`` tag (RFC 6376 §3.5) as an aware UTC datetime, or ``None``
    (absent or unreadable; a number past 11 digits, year 5138, is out of range, with a
    warning)."""
    if "t" not in value:
        return None
    compact = value if len(value) <= 65536 else value[:65536]
    for tag in compact.split(";"):
        name, sep, tag_value = tag.partition("=")
        if sep and name.strip() == "t":
            digits = "".join(tag_value.split())
            if not digits.isdigit():
                return None
            if len(digits) > 11:
                warnings.append("DKIM-Signature t= is out of range: ignored")
                return None
            return _EPOCH + timedelta(seconds=int(digits))
    return None
