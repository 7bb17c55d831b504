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
from webmail.i18n import N_, gettext
from webmail.message.summary import MessageSummary
from webmail.services import services
from webmail.views.timefmt import duration, full_time

# Each sentence goes through gettext where it is written (the page's language); these tables
# hold the English msgids (N_ marks them for extraction).
SENT_SOURCES = {
    "date": N_("from the Date header"),
    "received": N_("from the first server stamp"),
    "dkim": N_("from the DKIM signature"),
    "arrival": N_("no usable date: the time it was delivered"),
}
DELIVERED_SOURCES = {
    "arrival": N_("when your mail server filed it"),
    "received": N_("from the last server stamp"),
}
_SENT_FROM = {
    "received": N_("the first server stamp"),
    "dkim": N_("the DKIM signature"),
    "arrival": N_("the time it was delivered"),
}

_AHEAD = re.compile(r"^Date header is .+ after the first Received hop \(sender's clock ahead\?\)")
_BEHIND = re.compile(r"^Date header is .+ before the first Received hop")
_FUTURE = re.compile(r"^Date header is .+ after delivery \(in the future\)")
_REFILED = "arrival time is more than 30 days after the last Received hop"
_HOP = re.compile(r"\bhop (\d+)\b")

#: The library's other warnings (webmail/headers/policy.py, received.py), each as a sentence in
#: the page's language: (its English form, the msgid with the same names). ``hop`` is counted
#: from 1 here; ``detail`` is one of the date parser's notes (:data:`_DATE_NOTES`).
_LIBRARY: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), msgid)
    for pattern, msgid in (
        (r"^(?P<num>\d+) Date headers: the first is used$",
         N_("The message has %(num)s Date headers: the first is used.")),
        (r"^Date header unreadable: (?P<value>.*)$",
         N_("The Date header cannot be read: %(value)s.")),
        (r"^Date header out of range: (?P<value>.*)$",
         N_("The Date header is too close to the end of the calendar: %(value)s.")),
        (r"^Date header: (?P<detail>.+)$", N_("The Date header: %(detail)s.")),
        (r"^Date header is before (?P<year>\d+): not used$",
         N_("The Date header is before %(year)s, so it is not used.")),
        (r"^(?P<num>\d+) Received headers: only the newest (?P<max>\d+) are read$",
         N_("The message has %(num)s server stamps: only the newest %(max)s are read.")),
        (r"^no Received headers$",
         N_("The message has no server stamps (Received headers).")),
        (r"^(?P<num>\d+) Received header\(s\) without a readable date$",
         N_("Server stamps without a readable date: %(num)s.")),
        (r"^hop (?P<hop>\d+) \((?P<host>.*?)\) is dated out of range \((?P<stamp>.*)\): "
         r"its time is unknown$",
         N_("Hop %(hop)s (%(host)s) is dated out of range (%(stamp)s): its time is unknown.")),
        (r"^clock skew: hop (?P<hop>\d+) \((?P<host>.*?)\) is dated (?P<seconds>-?\d+) s "
         r"before the hop below it$",
         N_("Clock skew: hop %(hop)s (%(host)s) is dated %(seconds)s s before the hop before it.")),
        (r"^arrival is not a datetime: ignored$",
         N_("The time the mail server filed it is not a time, so it is ignored.")),
        (r"^arrival has no zone: read as UTC$",
         N_("The time the mail server filed it has no zone: read as UTC.")),
        (r"^arrival is out of range: ignored$",
         N_("The time the mail server filed it is out of range, so it is ignored.")),
        (r"^DKIM-Signature t= is out of range: ignored$",
         N_("The DKIM signature's time is out of range, so it is ignored.")),
        (r"^internal error while analysing headers \((?P<kind>\w+)\)$",
         N_("The headers could not be analysed (%(kind)s).")),
    )
)
#: The date parser's notes (webmail/headers/dates.py) that a ``Date header:`` warning carries.
_DATE_NOTES = {
    text: text
    for text in (
        N_("unterminated comment"),
        N_("no date"),
        N_("more than one time of day"),
        N_("no time of day"),
        N_("no day or year"),
        N_("extra numbers in the date were ignored"),
        N_("no zone: read as UTC"),
        N_("leap second read as :59"),
        N_("date or time out of range"),
        N_("no such day"),
        N_("the weekday disagrees with the date (ignored)"),
        N_("no month"),
        N_("unrecognised date form"),
        N_("date in an unusual form (read with dateutil)"),
        N_("the date is too close to the end of the calendar to show in every time zone"),
    )
}
_DATE_NOTE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), msgid)
    for pattern, msgid in (
        (r"^zone (?P<zone>.+) is not \+hhmm: read as UTC$",
         N_("zone %(zone)s is not +hhmm: read as UTC")),
        (r"^zone (?P<zone>.+) has (?P<minutes>\d+) minutes: read as UTC$",
         N_("zone %(zone)s has %(minutes)s minutes: read as UTC")),
        (r"^zone (?P<zone>.+) is out of range: read as UTC$",
         N_("zone %(zone)s is out of range: read as UTC")),
        (r"^zone (?P<zone>.+) is not defined by RFC 5322: read as (?P<offset>.+)$",
         N_("zone %(zone)s is not defined by RFC 5322: read as %(offset)s")),
        (r"^unknown zone (?P<zone>.+): read as UTC$", N_("unknown zone %(zone)s: read as UTC")),
        (r"^date longer than (?P<num>\d+) characters was cut$",
         N_("the date was longer than %(num)s characters and was cut")),
    )
)


def _date_note(note: str) -> str:
    """One of the date parser's notes in the page's language (as it came when unknown)."""
    if note in _DATE_NOTES:
        return gettext(_DATE_NOTES[note])
    for pattern, msgid in _DATE_NOTE_PATTERNS:
        found = pattern.match(note)
        if found:
            return gettext(msgid, **found.groupdict())
    return note


def _library_sentence(warning: str) -> str | None:
    """A library warning of :data:`_LIBRARY` as a sentence, or ``None`` when it is not one."""
    for pattern, msgid in _LIBRARY:
        found = pattern.match(warning)
        if found:
            values = found.groupdict()
            if "hop" in values:
                values["hop"] = str(int(values["hop"]) + 1)
            if "detail" in values:
                values["detail"] = _date_note(values["detail"])
            return gettext(msgid, **values)
    return None


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
        verdict = gettext("Not enough dates to tell whether it was late.")
    elif analysis.delayed:
        verdict = gettext(
            "Delivered %(duration)s after it was sent: late.",
            duration=duration(analysis.delay_seconds),
        )
    elif analysis.delay_seconds < 0:
        verdict = gettext(
            "Delivered %(duration)s before the time it says it was sent: on time.",
            duration=duration(-analysis.delay_seconds),
        )
    else:
        verdict = gettext(
            "Delivered %(duration)s after it was sent: on time.",
            duration=duration(analysis.delay_seconds),
        )
    notes: list[str] = []
    first = first_stamp(analysis)
    sent = analysis.sent
    if analysis.sent_source == "date" and sent is not None and first is not None:
        ahead = int((sent - first).total_seconds())
        if ahead >= 60:
            notes.append(gettext(
                "The sender's clock ran %(duration)s ahead: the Date header says %(date)s, "
                "but the first server stamped the message at %(stamp)s. "
                "Sent is shown as the Date header says.",
                duration=duration(ahead), date=when(sent), stamp=when(first),
            ))
    delivered = analysis.delivered
    if (
        analysis.delivered_source == "received"
        and filed is not None
        and delivered is not None
        and filed > delivered
    ):
        later = duration(int((filed - delivered).total_seconds()))
        notes.append(gettext(
            "Filed in this folder %(filed)s, %(duration)s after its last server stamp "
            "(%(stamp)s): it was imported, restored or moved here later. That is not a late "
            "delivery, so Delivered is the last server stamp.",
            filed=when(filed), duration=later, stamp=when(delivered),
        ))
    return TimeStory(
        sent_source=gettext(
            SENT_SOURCES.get(analysis.sent_source or "", SENT_SOURCES["arrival"])
        ),
        delivered_source=gettext(
            DELIVERED_SOURCES.get(analysis.delivered_source or "", N_("unknown"))
        ),
        verdict=verdict,
        limit=gettext(
            "Mail is late when it is delivered more than %(limit)s after it was sent.",
            limit=limit_text,
        ),
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
    used = gettext(_SENT_FROM.get(analysis.sent_source or "", _SENT_FROM["arrival"]))
    if date is not None and first is not None and _AHEAD.match(warning):
        return gettext(
            "The Date header says it was sent %(date)s, %(duration)s after the first server "
            "stamped it (%(stamp)s): the sender's clock was wrong, so Sent is taken from "
            "%(source)s.",
            date=when(date), duration=duration((date - first).total_seconds()),
            stamp=when(first), source=used,
        )
    if date is not None and first is not None and _BEHIND.match(warning):
        return gettext(
            "The Date header says it was sent %(date)s, %(duration)s before the first server "
            "stamped it (%(stamp)s): too early to be true, so Sent is taken from %(source)s.",
            date=when(date), duration=duration((first - date).total_seconds()),
            stamp=when(first), source=used,
        )
    if date is not None and delivered is not None and _FUTURE.match(warning):
        return gettext(
            "The Date header says it was sent %(date)s, %(duration)s after it was delivered "
            "(%(stamp)s): a date in the future, so Sent is taken from %(source)s.",
            date=when(date), duration=duration((date - delivered).total_seconds()),
            stamp=when(delivered), source=used,
        )
    if warning == "no Date header":
        return gettext(
            "The message has no Date header, so Sent is taken from %(source)s.", source=used
        )
    sentence = _library_sentence(warning.strip())
    if sentence is not None:
        return sentence
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
