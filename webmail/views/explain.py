"""What the read view says about a message's times, as plain sentences with the dates in them
(issue 13, defects 5-8): where Sent and Delivered came from, the late limit, a sender's clock
that ran ahead, mail filed here long after it was delivered, and the analysis' warnings.

The library's warnings keep their words (they are part of its JSON, which stays as specified);
this module is the web's wording of them, in the reader's zone, with hops numbered from 1 as
the delivery path table numbers them. The words are those of the README's glossary.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask

from webmail.headers import Analysis
from webmail.message.summary import MessageSummary
from webmail.services import services
from webmail.views.timefmt import duration, full_time

SENT_SOURCES = {
    "date": "from the Date header",
    "received": "from the first server stamp",
    "dkim": "from the DKIM signature",
    "arrival": "no usable date: the time it was delivered",
}
DELIVERED_SOURCES = {
    "arrival": "when your mail server filed it",
    "received": "from the last server stamp",
}
_SENT_FROM = {
    "received": "the first server stamp",
    "dkim": "the DKIM signature",
    "arrival": "the time it was delivered",
}

_AHEAD = re.compile(r"^Date header is .+ after the first Received hop \(sender's clock ahead\?\)")
_BEHIND = re.compile(r"^Date header is .+ before the first Received hop")
_FUTURE = re.compile(r"^Date header is .+ after delivery \(in the future\)")
_REFILED = "arrival time is more than 30 days after the last Received hop"
_HOP = re.compile(r"\bhop (\d+)\b")


@dataclass(frozen=True, slots=True)
class TimeStory:
    """The read view's words about one message's times.

    :ivar sent_source: where Sent came from, e.g. ``from the Date header``.
    :ivar delivered_source: where Delivered came from.
    :ivar verdict: ``Delivered 3 s after it was sent: on time.``
    :ivar limit: ``Mail is late when it is delivered more than 1 h after it was sent.``
    :ivar notes: what else explains the times (a sender's clock ahead, filed here later).
    :ivar warnings: the analysis' warnings as sentences.
    """

    sent_source: str
    delivered_source: str
    verdict: str
    limit: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def first_stamp(analysis: Analysis) -> datetime | None:
    """The time of the oldest dated server stamp (Received header), or ``None``."""
    return next((h.time for h in analysis.hops if h.time is not None), None)


def time_story(
    analysis: Analysis,
    filed: datetime | None,
    limit: timedelta,
    when: Callable[[datetime | None], str] = full_time,
) -> TimeStory:
    """The sentences for ``analysis`` of a message filed in its folder at ``filed`` (IMAP's
    INTERNALDATE), with the late ``limit``; times written by ``when``."""
    limit_text = duration(int(limit.total_seconds()))
    if analysis.delay_seconds is None:
        verdict = "Not enough dates to tell whether it was late."
    elif analysis.delayed:
        verdict = f"Delivered {duration(analysis.delay_seconds)} after it was sent: late."
    elif analysis.delay_seconds < 0:
        early = duration(-analysis.delay_seconds)
        verdict = f"Delivered {early} before the time it says it was sent: on time."
    else:
        verdict = f"Delivered {duration(analysis.delay_seconds)} after it was sent: on time."
    notes: list[str] = []
    first = first_stamp(analysis)
    sent = analysis.sent
    if analysis.sent_source == "date" and sent is not None and first is not None:
        ahead = int((sent - first).total_seconds())
        if ahead >= 60:
            notes.append(
                f"The sender's clock ran {duration(ahead)} ahead: the Date header says "
                f"{when(sent)}, but the first server stamped the message at {when(first)}. "
                "Sent is shown as the Date header says."
            )
    delivered = analysis.delivered
    if (
        analysis.delivered_source == "received"
        and filed is not None
        and delivered is not None
        and filed > delivered
    ):
        later = duration(int((filed - delivered).total_seconds()))
        notes.append(
            f"Filed in this folder {when(filed)}, {later} "
            f"after its last server stamp ({when(delivered)}): it was imported, restored or "
            "moved here later. That is not a late delivery, so Delivered is the last server stamp."
        )
    return TimeStory(
        sent_source=SENT_SOURCES.get(analysis.sent_source or "", SENT_SOURCES["arrival"]),
        delivered_source=DELIVERED_SOURCES.get(analysis.delivered_source or "", "unknown"),
        verdict=verdict,
        limit=f"Mail is late when it is delivered more than {limit_text} after it was sent.",
        notes=notes,
        warnings=[
            w for w in (warning_sentence(w, analysis, when) for w in analysis.warnings) if w
        ],
    )


def warning_sentence(
    warning: str, analysis: Analysis, when: Callable[[datetime | None], str] = full_time
) -> str:
    """One of the analysis' warnings as a plain sentence with its dates ("" when a note of
    :func:`time_story` already says it)."""
    if warning.startswith(_REFILED):
        return ""
    date, first, delivered = analysis.date_header, first_stamp(analysis), analysis.delivered
    used = _SENT_FROM.get(analysis.sent_source or "", "the time it was delivered")
    if date is not None and first is not None and _AHEAD.match(warning):
        return (
            f"The Date header says it was sent {when(date)}, "
            f"{duration((date - first).total_seconds())} after the first server stamped it "
            f"({when(first)}): the sender's clock was wrong, so Sent is taken from {used}."
        )
    if date is not None and first is not None and _BEHIND.match(warning):
        return (
            f"The Date header says it was sent {when(date)}, "
            f"{duration((first - date).total_seconds())} before the first server stamped it "
            f"({when(first)}): too early to be true, so Sent is taken from {used}."
        )
    if date is not None and delivered is not None and _FUTURE.match(warning):
        return (
            f"The Date header says it was sent {when(date)}, "
            f"{duration((date - delivered).total_seconds())} after it was delivered "
            f"({when(delivered)}): a date in the future, so Sent is taken from {used}."
        )
    if warning == "no Date header":
        return f"The message has no Date header, so Sent is taken from {used}."
    text = _HOP.sub(lambda m: f"hop {int(m.group(1)) + 1}", warning.strip())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def init_app(app: Flask) -> None:
    """``time_story(msg)`` for the read view, with the app's late limit."""

    def story(msg: MessageSummary) -> TimeStory:
        limit = timedelta(minutes=services().settings.late_threshold_minutes)
        return time_story(msg.analysis, msg.arrival, limit)

    app.jinja_env.globals["time_story"] = story
