"""One list row of a message: :class:`MessageSummary`, and :func:`summarize`, the ONE place a
header block becomes a row.

Pure: no I/O. Every list path builds its rows here, from the same header fields and with the
same decoder (:func:`webmail.message.text.decode_header_line`), so a Subject, a sender, a
sent time, a late verdict and a "held at" host read the same in the list without an index,
from the SQLite or the Redis index, in the read view and in the CLI
(``tests/agreement/`` proves it). It is also the only caller of ``webmail.headers.analyze``
for list rows.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from webmail.headers import Analysis, analyze
from webmail.message.text import cut_header_value, decode_header_line

__all__ = [
    "ANSWERED",
    "DELETED",
    "FLAGGED",
    "LIST_HEADER_FIELDS",
    "MAX_LIST_FIELD_BYTES",
    "SEEN",
    "UNKNOWN_SENDER",
    "FlagState",
    "MessageSummary",
    "fixed_zone",
    "header_block",
    "list_fields",
    "parse_from",
    "summarize",
]

SEEN = "\\Seen"
FLAGGED = "\\Flagged"
ANSWERED = "\\Answered"
DELETED = "\\Deleted"

#: The header fields a row is built from (a mailbox fetches exactly these for its list).
LIST_HEADER_FIELDS = (
    "DATE", "FROM", "TO", "CC", "SUBJECT", "MESSAGE-ID", "RECEIVED", "DKIM-SIGNATURE",
    "CONTENT-TYPE",
)
UNKNOWN_SENDER = "(unknown sender)"
#: A row's From, To, Subject and Message-ID are cut to this many bytes before decoding (a
#: list shows one line of each; a megabyte Subject must not cost a megabyte per row). A cut
#: value ends with "…".
MAX_LIST_FIELD_BYTES = 4 * 1024

# The row's own header fields: first occurrence, folded continuation lines included.
_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_LIST_FIELD = re.compile(
    rb"^(from|to|cc|subject|message-id)[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.M | re.I
)
# The common From forms, read without email.utils.parseaddr (~25 µs): `Name <a@b>`,
# `"Name, Inc." <a@b>` and `a@b`. Anything else (comments, escapes, groups) goes to parseaddr.
_NAME_ADDR = re.compile(
    r'\s*(?:"([^"\\]*)"|([^"<>()\\,;:@]*?))\s*<([^<>\s"()\\,;:]+@[^<>\s"()\\,;:]+)>\s*'
)
_BARE_ADDR = re.compile(r'\s*([^<>\s"()\\,;:]+@[^<>\s"()\\,;:]+)\s*')


_ZONES: dict[int, timezone] = {}


def fixed_zone(minutes: int) -> timezone:
    """The fixed-offset zone ``minutes`` east of UTC (``UTC`` itself for 0), one object per
    offset: an IMAP INTERNALDATE or a Date header keeps the offset it was written with."""
    zone = _ZONES.get(minutes)
    if zone is None:
        zone = _ZONES[minutes] = UTC if minutes == 0 else timezone(timedelta(minutes=minutes))
    return zone


class FlagState:
    """``seen``, ``flagged`` and ``deleted`` read from a ``flags`` set of IMAP flag strings."""

    __slots__ = ()
    flags: frozenset[str]

    @property
    def seen(self) -> bool:
        return SEEN in self.flags

    @property
    def flagged(self) -> bool:
        return FLAGGED in self.flags

    @property
    def deleted(self) -> bool:
        """Marked ``\\Deleted`` (by any client): it goes at the folder's next expunge."""
        return DELETED in self.flags


@dataclass(frozen=True)
class MessageSummary(FlagState):
    """One row of the message list, with its header analysis.

    :ivar uid: the message's UID in its folder.
    :ivar folder: the folder name.
    :ivar sender_name: display name of the From address (decoded), else the address, else
        ``"(unknown sender)"``.
    :ivar sender_address: the From address, or "".
    :ivar recipients: the To header, decoded.
    :ivar subject: decoded subject ("" when none).
    :ivar arrival: IMAP INTERNALDATE, tz-aware.
    :ivar flags: IMAP flags as strings (``\\Seen``, ``\\Flagged``, keywords).
    :ivar size: RFC822.SIZE in bytes.
    :ivar has_attachments: the structure shows an attachment (:mod:`webmail.message.structure`).
    :ivar message_id: the Message-ID header, or "".
    :ivar analysis: what the headers say about sent and delivered times.
    :ivar cc: the Cc header, decoded ("" when none); searched with To.
    """

    uid: int
    folder: str
    sender_name: str
    sender_address: str
    recipients: str
    subject: str
    arrival: datetime
    flags: frozenset[str]
    size: int
    has_attachments: bool
    message_id: str
    analysis: Analysis
    cc: str = ""

    @property
    def sent(self) -> datetime:
        """The true sent time (the analysis' estimate; the arrival when it has none)."""
        return self.analysis.sent or self.arrival

    @property
    def late(self) -> bool:
        return self.analysis.delayed

    @property
    def held_at(self) -> str | None:
        """The host where the message waited longest (``Analysis.held_at``)."""
        return self.analysis.held_at


def list_fields(header: bytes) -> dict[bytes, bytes]:
    """From, To, Cc, Subject and Message-ID of a header block (lower-case names, first wins),
    unfolded (RFC 5322 §2.2.3: the CRLF goes, the space stays), still encoded, each cut to
    :data:`MAX_LIST_FIELD_BYTES` (then ending in ``…``, UTF-8)."""
    out: dict[bytes, bytes] = {}
    for m in _LIST_FIELD.finditer(header):
        name = m.group(1).lower()
        if name in out:
            continue
        value = m.group(2)
        if len(value) > MAX_LIST_FIELD_BYTES:
            # Unfolding drops at most 2 of every 3 bytes, so this much still holds more than
            # the cap once unfolded.
            value = _FOLD.sub(b"", value[: 3 * MAX_LIST_FIELD_BYTES + 3])
            if len(value) > MAX_LIST_FIELD_BYTES:
                value = cut_header_value(value, MAX_LIST_FIELD_BYTES).rstrip() + " …".encode()
        elif b"\n" in value:
            value = _FOLD.sub(b"", value)
        out[name] = value
    return out


def header_block(raw: bytes) -> bytes:
    """The header section of a message, its blank line included (all of ``raw`` if none)."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(sep)
        if end >= 0:
            return raw[: end + len(sep)]
    return raw


def parse_from(text: str) -> tuple[str, str]:
    """(display name, address) of a From value, as ``email.utils.parseaddr`` gives them; an
    encoded display name is returned still encoded."""
    m = _NAME_ADDR.fullmatch(text)
    if m is not None:
        return (m.group(1) if m.group(1) is not None else m.group(2)).strip(), m.group(3)
    m = _BARE_ADDR.fullmatch(text)
    if m is not None:
        return "", m.group(1)
    return email.utils.parseaddr(text)


def _line(value: str | bytes | None) -> str:
    """:func:`webmail.message.text.decode_header_line`, with its commonest case (ASCII, no
    encoded word) done here: that case decodes to the same text with its white space runs
    made one space."""
    if value is None:
        return ""
    text = value.decode("ascii") if isinstance(value, bytes) and value.isascii() else value
    if isinstance(text, str) and text.isascii() and "=?" not in text:
        return " ".join(text.split())
    return decode_header_line(value)


def summarize(
    *,
    uid: int,
    folder: str,
    header: bytes,
    arrival: datetime,
    flags: Iterable[str | bytes],
    size: int,
    has_attachments: bool,
    threshold: timedelta,
) -> MessageSummary:
    """The list row of one message from its header block (at least :data:`LIST_HEADER_FIELDS`)
    and what the mailbox knows of it. ``arrival`` must be tz-aware. ``\\Recent`` is dropped
    from ``flags`` (it describes an IMAP session, not the message). Never raises on
    malformed headers."""
    fields = list_fields(header)
    # Split the address first, decode the name afterwards (as the read view does): an encoded
    # display name may hold a comma or angle brackets.
    raw_from = fields.get(b"from")
    from_text = raw_from.decode("utf-8", "surrogateescape") if raw_from else ""
    name, address = parse_from(from_text) if from_text else ("", "")
    name, address = _line(name), _line(address)
    return MessageSummary(
        uid=uid,
        folder=folder,
        sender_name=name or address or UNKNOWN_SENDER,
        sender_address=address,
        recipients=_line(fields.get(b"to")),
        subject=_line(fields.get(b"subject")),
        arrival=arrival,
        flags=frozenset(
            text
            for text in (f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f)
                         for f in flags)
            if text.lower() != "\\recent"
        ),
        size=size,
        has_attachments=has_attachments,
        message_id=(fields.get(b"message-id") or b"").decode("utf-8", "replace").strip(),
        analysis=analyze(header, arrival=arrival, threshold=threshold),
        cc=_line(fields.get(b"cc")),
    )
