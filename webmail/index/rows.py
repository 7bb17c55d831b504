"""Rows of the index: :class:`IndexRow`, :func:`row_values` (a ``MessageSummary`` as a stored
row) and the compact storage form of an analysis.

The index stores what ``webmail.message.summary.summarize`` built; it never builds a row
itself and never sees an IMAP record. An :class:`IndexRow` has the attributes of
``MessageSummary`` that a list row reads (``uid``, ``sender_name``, ``subject``, ``arrival``,
``sent``, ``late``, ``seen``, ``flagged``, ``has_attachments``, ``held_at``, ``analysis``
...), so a template can take either; :meth:`IndexRow.to_summary` gives a real one.

Each row also keeps the late message's hold (``hold_start``, ``hold_end``: where
:func:`webmail.headers.incidents.hold_of` says it waited), so the delays page reads incidents
without decoding analyses; :class:`DelayRow` and :class:`DelayBucket` are what it reads. And
it keeps what search compares (:func:`webmail.message.searchfields.search_columns`: the
Subject, sender and recipients folded once, when the row is written).

The analysis is stored as a JSON array (:func:`encode_analysis`), not ``Analysis.to_json()``:
it is about four times cheaper to write, which matters when 100,000 rows are indexed.
It keeps everything the tooltip shows; a hop's ``raw`` text is not kept (the read view
analyses the full message again).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from webmail.headers.incidents import hold_of
from webmail.headers.model import Analysis, Hop
from webmail.index.store import utc_from_epoch
from webmail.message.searchfields import search_columns
from webmail.message.summary import FlagState, MessageSummary, fixed_zone

# Column order of a row in the messages table after (folder_id, uidvalidity).
DB_ORDER = (
    "uid",
    "arrival",
    "sent",
    "delivered",
    "delay",
    "delayed",
    "flags",
    "size",
    "attachments",
    "sender_name",
    "sender_address",
    "recipients",
    "subject",
    "message_id",
    "bottleneck",  # the column of IndexRow.held_at
    "analysis",
    "hold_start",  # a late message's hold (headers.incidents.hold_of), epoch seconds, else NULL
    "hold_end",
    # What search compares (webmail.message.searchfields.search_columns): folded subject, sender
    # (name, address) and recipients (To, Cc).
    "search_subject",
    "search_from",
    "search_to",
)
ROW_COLUMNS = ", ".join(DB_ORDER)

_UTC = UTC


def _epoch(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def encode_flags(flags: Iterable[str]) -> str:
    """Flags as one space-separated string (IMAP flags are atoms: no spaces)."""
    return " ".join(sorted(flags))


def encode_analysis(a: Analysis) -> str:
    """The analysis as a compact JSON array; :func:`decode_analysis` reverses it."""
    date = a.date_header
    date_part = None
    if date is not None:
        offset = date.utcoffset()
        date_part = [
            int(date.timestamp()),
            0 if offset is None else int(offset.total_seconds() // 60),
        ]
    hops = [
        [
            h.from_,
            h.by,
            h.via,
            h.with_,
            h.id,
            h.for_,
            _epoch(h.time),
            h.delay_seconds,
            list(h.warnings),
        ]
        for h in a.hops
    ]
    return json.dumps(
        [
            date_part,
            _epoch(a.sent),
            a.sent_source,
            _epoch(a.delivered),
            a.delivered_source,
            a.delay_seconds,
            a.delayed,
            hops,
            a.bottleneck,
            _epoch(a.dkim_time),
            list(a.warnings),
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def decode_analysis(text: str) -> Analysis:
    """The :class:`Analysis` stored by :func:`encode_analysis` (hops without ``raw``);
    datetimes are UTC except ``date_header``, which keeps its offset."""
    d: list[Any] = json.loads(text)
    date_header = None if d[0] is None else utc_from_epoch(d[0][0])
    if date_header is not None:
        try:
            date_header = date_header.astimezone(fixed_zone(d[0][1]))
        except OverflowError:  # stored before dates were kept a day inside the calendar
            date_header = None
    hops = tuple(
        Hop(
            from_=h[0],
            by=h[1],
            via=h[2],
            with_=h[3],
            id=h[4],
            for_=h[5],
            time=utc_from_epoch(h[6]),
            delay_seconds=h[7],
            warnings=tuple(h[8]),
        )
        for h in d[7]
    )
    return Analysis(
        date_header=date_header,
        sent=utc_from_epoch(d[1]),
        sent_source=d[2],
        delivered=utc_from_epoch(d[3]),
        delivered_source=d[4],
        delay_seconds=d[5],
        delayed=bool(d[6]),
        hops=hops,
        bottleneck=d[8],
        dkim_time=utc_from_epoch(d[9]),
        warnings=tuple(d[10]),
    )


@dataclass(frozen=True, slots=True)
class IndexRow(FlagState):
    """One list row read from the index.

    :ivar uid: the message's UID in ``folder``.
    :ivar folder: the folder name.
    :ivar arrival: INTERNALDATE, UTC.
    :ivar sent: the true sent time (the analysis' estimate, else the arrival), UTC.
    :ivar delivered: when it reached the mailbox per the analysis, or ``None``.
    :ivar delay_seconds: delivered - sent, or ``None``.
    :ivar late: the analysis says it arrived late (over the index's threshold).
    :ivar flags: IMAP flags.
    :ivar size: RFC822.SIZE.
    :ivar has_attachments: the body structure shows an attachment.
    :ivar sender_name: display name of From, else the address, else "(unknown sender)".
    :ivar sender_address: the From address or "".
    :ivar recipients: the To header, decoded.
    :ivar subject: decoded subject ("" when none).
    :ivar message_id: the Message-ID header or "".
    :ivar held_at: the host where the message waited longest (``Analysis.held_at``), or ``None``.
    :ivar analysis_data: the stored analysis (see :func:`decode_analysis`).
    """

    uid: int
    folder: str
    arrival: datetime
    sent: datetime
    delivered: datetime | None
    delay_seconds: int | None
    late: bool
    flags: frozenset[str]
    size: int
    has_attachments: bool
    sender_name: str
    sender_address: str
    recipients: str
    subject: str
    message_id: str
    held_at: str | None
    analysis_data: str

    @classmethod
    def from_db(cls, folder: str, r: Sequence[Any]) -> IndexRow:
        """Build a row from a ``SELECT ROW_COLUMNS`` result."""
        return cls(
            uid=r[0],
            folder=folder,
            arrival=datetime.fromtimestamp(r[1], _UTC),
            sent=datetime.fromtimestamp(r[2], _UTC),
            delivered=utc_from_epoch(r[3]),
            delay_seconds=r[4],
            late=bool(r[5]),
            flags=frozenset(r[6].split()),
            size=r[7],
            has_attachments=bool(r[8]),
            sender_name=r[9],
            sender_address=r[10],
            recipients=r[11],
            subject=r[12],
            message_id=r[13],
            held_at=r[14],
            analysis_data=r[15],
        )

    @property
    def analysis(self) -> Analysis:
        """The stored header analysis (decoded on each access; hops without ``raw``)."""
        return decode_analysis(self.analysis_data)

    def to_summary(self) -> MessageSummary:
        """The same row as a ``MessageSummary`` (for code written against the Mailbox)."""
        return MessageSummary(
            uid=self.uid,
            folder=self.folder,
            sender_name=self.sender_name,
            sender_address=self.sender_address,
            recipients=self.recipients,
            subject=self.subject,
            arrival=self.arrival,
            flags=self.flags,
            size=self.size,
            has_attachments=self.has_attachments,
            message_id=self.message_id,
            analysis=self.analysis,
        )


class DelayRow(NamedTuple):
    """One message as the delays page reads it (:meth:`webmail.index.IndexStore.delay_rows`);
    times are epoch seconds (cheap to read by the hundred thousand).

    :ivar uid: the message's UID.
    :ivar sent: the true sent time (as :attr:`IndexRow.sent`).
    :ivar delivered: when it reached the mailbox, or ``None``.
    :ivar delay_seconds: delivered - sent, or ``None``.
    :ivar late: it arrived late.
    :ivar held_at: the host where it waited longest, or ``None``.
    :ivar hold_start: a late message's hold at ``held_at`` (``hold_of``), else ``None``.
    :ivar hold_end: when that host released it, else ``None``.
    :ivar subject: the decoded subject.
    """

    uid: int
    sent: int
    delivered: int | None
    delay_seconds: int | None
    late: bool
    held_at: str | None
    hold_start: int | None
    hold_end: int | None
    subject: str


#: :meth:`IndexStore.delay_buckets` cuts each power of ten of delay into this many buckets.
DELAY_BUCKETS_PER_DECADE = 20


class DelayBucket(NamedTuple):
    """On-time messages of a folder alike on the delays plot (:meth:`IndexStore.delay_buckets`):
    sent in one time bucket, delayed within one log bucket. (Late mail is few; the plot reads
    it row by row with ``delay_rows(late_only=True)``.)

    :ivar time_bucket: ``floor(sent / bucket_seconds)``.
    :ivar delay_bucket: ``floor(log10(delay) * DELAY_BUCKETS_PER_DECADE)`` with delays of 1 s
        or less (clock skew included) in bucket 0; ``None`` for an unknown delay.
    :ivar messages: how many messages (at least 1).
    """

    time_bucket: int
    delay_bucket: int | None
    messages: int


def delay_bucket_of(delay: int | None) -> int | None:
    """The :attr:`DelayBucket.delay_bucket` of a delay in seconds (the SQL of the SQLite
    index computes the same)."""
    if delay is None:
        return None
    return 0 if delay <= 1 else int(math.log10(delay) * DELAY_BUCKETS_PER_DECADE)


def buckets_of(rows: Iterable[DelayRow], bucket_seconds: int) -> list[DelayBucket]:
    """The :class:`DelayBucket` of the on-time ``rows``, in no particular order (for a backend
    without grouped queries)."""
    found: Counter[tuple[int, int | None]] = Counter(
        (r.sent // bucket_seconds, delay_bucket_of(r.delay_seconds)) for r in rows if not r.late
    )
    return [DelayBucket(tb, db, n) for (tb, db), n in found.items()]


def row_values(summary: MessageSummary) -> tuple[object, ...]:
    """The stored row (``DB_ORDER``) of a list row built by ``summarize``."""
    a = summary.analysis
    hold = hold_of(a)
    arrival = int(summary.arrival.timestamp())
    return (
        summary.uid,
        arrival,
        arrival if a.sent is None else int(a.sent.timestamp()),
        _epoch(a.delivered),
        a.delay_seconds,
        int(a.delayed),
        encode_flags(summary.flags),
        summary.size,
        int(summary.has_attachments),
        summary.sender_name,
        summary.sender_address,
        summary.recipients,
        summary.subject,
        summary.message_id,
        a.held_at,
        encode_analysis(a),
        None if hold is None else int(hold.start.timestamp()),
        None if hold is None else int(hold.end.timestamp()),
        *search_columns(summary),
    )
