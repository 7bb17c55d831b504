"""The one interface the views use to reach mail: :class:`Mailbox`.

Two implementations exist: ``webmail.mailbox.imap.ImapMailbox`` (any IMAP server) and
``webmail.mailbox.demo.DemoMailbox`` (the bundled outage replay). Views never talk IMAP.
Errors are :class:`MailboxError` subclasses with a ``user_message`` fit to show a person;
one error handler turns them into pages.
"""

from __future__ import annotations

import email.header
import email.utils
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy as email_policy
from email.parser import BytesHeaderParser
from typing import Protocol

from webmail.headers import Analysis, analyze

SEEN = "\\Seen"
FLAGGED = "\\Flagged"
ANSWERED = "\\Answered"
DELETED = "\\Deleted"

# Header fields the list needs; fetched with BODY.PEEK[HEADER.FIELDS (...)] so nothing is marked read.
LIST_HEADER_FIELDS = (
    "DATE", "FROM", "TO", "CC", "SUBJECT", "MESSAGE-ID", "RECEIVED", "DKIM-SIGNATURE",
    "CONTENT-TYPE",
)

#: An IMAP section number (RFC 3501 §6.4.5) as the part endpoints accept it: ``2``, ``1.2`` ...
SECTION = re.compile(r"[1-9][0-9]{0,5}(?:\.[1-9][0-9]{0,5}){0,31}")

_FOLD = re.compile(r"\r?\n(?=[ \t])")

ROLE_ORDER = ("inbox", "drafts", "sent", "junk", "trash", "archive")


class MailboxError(Exception):
    """A failure talking to the mail store; ``user_message`` is plain words for the reader."""

    user_message = "The mail server could not be reached. Please try again in a moment."
    status = 503

    def __init__(self, detail: str = "", user_message: str | None = None) -> None:
        super().__init__(detail or self.user_message)
        if user_message is not None:
            self.user_message = user_message


class AuthError(MailboxError):
    user_message = "Wrong username or password."
    status = 401


class ServerUnavailable(MailboxError):
    user_message = "The mail server cannot be reached right now. Please try again later."


class ServerTimeout(MailboxError):
    user_message = "The mail server took too long to answer. Please try again."
    status = 504


class TLSFailure(MailboxError):
    user_message = "A secure connection to the mail server could not be made (TLS failed)."


class ConnectionLost(MailboxError):
    user_message = "The mail server closed the connection. Please try again."


class NotFound(MailboxError):
    user_message = "That message or folder no longer exists."
    status = 404


@dataclass(frozen=True)
class Folder:
    """A mailbox folder.

    :ivar name: the folder name as the server knows it (decoded from modified UTF-7).
    :ivar display_name: what to show ("Inbox", "Sent", or the last path segment).
    :ivar role: special-use role: inbox, sent, drafts, trash, junk, archive, or ``None``.
    :ivar unseen: unread count, or ``None`` when unknown.
    :ivar total: message count, or ``None`` when unknown.
    :ivar delimiter: hierarchy delimiter, or ``None``.
    :ivar depth: nesting level (0 for top level).
    """

    name: str
    display_name: str
    role: str | None = None
    unseen: int | None = None
    total: int | None = None
    delimiter: str | None = None
    depth: int = 0


class FlagState:
    """``seen`` and ``flagged`` read from a ``flags`` set of IMAP flag strings."""

    __slots__ = ()
    flags: frozenset[str]

    @property
    def seen(self) -> bool:
        return SEEN in self.flags

    @property
    def flagged(self) -> bool:
        return FLAGGED in self.flags


@dataclass(frozen=True)
class MessageSummary(FlagState):
    """One row of the message list, with its header analysis.

    :ivar uid: the message's UID in its folder.
    :ivar folder: the folder name.
    :ivar sender_name: display name of the From address (decoded), or the address.
    :ivar sender_address: the From address, or "".
    :ivar recipients: the To header, decoded.
    :ivar subject: decoded subject ("" when none).
    :ivar arrival: IMAP INTERNALDATE, tz-aware.
    :ivar flags: IMAP flags as strings (``\\Seen``, ``\\Flagged``, keywords).
    :ivar size: RFC822.SIZE in bytes.
    :ivar has_attachments: the body structure shows an attachment.
    :ivar message_id: the Message-ID header, or "".
    :ivar analysis: what the headers say about sent and delivered times.
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

    @property
    def sent(self) -> datetime:
        """The true sent time (the analysis' estimate; the arrival when it has none)."""
        return self.analysis.sent or self.arrival

    @property
    def late(self) -> bool:
        return self.analysis.delayed


@dataclass(frozen=True)
class FullMessage:
    """A whole message for the read view: its list row plus the raw RFC 5322 bytes."""

    summary: MessageSummary
    raw: bytes


class Mailbox(Protocol):
    """What the views may do with a user's mail. Reading never changes a message."""

    def folders(self) -> list[Folder]:
        """All folders, special-use roles first (in ROLE_ORDER), then by name."""
        ...

    def summaries(self, folder: str) -> list[MessageSummary]:
        """Every message of ``folder`` as list rows, in no particular order; never marks read."""
        ...

    def message(self, folder: str, uid: int) -> FullMessage:
        """One whole message (BODY.PEEK[]); raises NotFound. Does not mark it read."""
        ...

    def part_header(self, folder: str, uid: int, section: str) -> bytes:
        """The MIME header block of the part at IMAP ``section`` (``BODY.PEEK[<section>.MIME]``;
        a single-part message's section ``1`` gives the message header). Raises NotFound for an
        unknown message or section. Does not mark the message read."""
        ...

    def part_bytes(self, folder: str, uid: int, section: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes of the part's body *as stored* (still transfer-encoded),
        from ``offset`` (IMAP partial fetch ``BODY.PEEK[<section>]<offset.length>``); ``b""``
        past the end. Raises NotFound for an unknown message. Does not mark it read."""
        ...

    def set_flags(
        self, folder: str, uid: int, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        """Add and remove flags on one message."""
        ...

    def move_to_trash(self, folder: str, uid: int) -> None:
        """Move one message to the Trash folder (delete it for good when already in Trash)."""
        ...

    def close(self) -> None:
        """Release the connection; the object may not be used afterwards."""
        ...


def decode_header_text(value: str | bytes | None) -> str:
    """Decode RFC 2047 encoded-words into text; never raises; folding removed."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    # Unfold first (RFC 5322 §2.2.3): decode_header() drops the whitespace that follows an
    # encoded-word when it is a line break, gluing "Grüße" to the next word.
    value = _FOLD.sub(" ", value)
    try:
        parts = email.header.decode_header(value)
        text = "".join(
            part.decode(charset or "utf-8", "replace") if isinstance(part, bytes) else part
            for part, charset in _safe_charsets(parts)
        )
    except Exception:  # a broken encoded-word must never break a list
        text = value
    return " ".join(text.split())


def _safe_charsets(parts: list[tuple[bytes | str, str | None]]) -> Iterable[tuple[bytes | str, str | None]]:
    import codecs

    for part, charset in parts:
        if charset:
            try:
                codecs.lookup(charset)
            except LookupError:
                charset = "utf-8"
        yield part, charset


def summarize(
    *,
    uid: int,
    folder: str,
    header_bytes: bytes,
    arrival: datetime,
    flags: Iterable[str | bytes],
    size: int,
    has_attachments: bool,
    threshold: timedelta,
) -> MessageSummary:
    """Build a list row from a header block; never raises on malformed headers."""
    msg = BytesHeaderParser(policy=email_policy.compat32).parsebytes(header_bytes)
    raw_from = msg.get("From")
    name, address = email.utils.parseaddr(decode_header_text(str(raw_from)) if raw_from else "")
    return MessageSummary(
        uid=uid,
        folder=folder,
        sender_name=name or address or "(unknown sender)",
        sender_address=address,
        recipients=decode_header_text(str(msg.get("To") or "")),
        subject=decode_header_text(str(msg.get("Subject") or "")),
        arrival=arrival,
        flags=frozenset(
            f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f) for f in flags
        ),
        size=size,
        has_attachments=has_attachments,
        message_id=str(msg.get("Message-ID") or "").strip(),
        analysis=analyze(header_bytes, arrival=arrival, threshold=threshold),
    )


def sort_folders(folders: Iterable[Folder]) -> list[Folder]:
    """Special-use folders first, in ROLE_ORDER, then the rest by name (case-insensitive)."""

    def key(f: Folder) -> tuple[int, str]:
        rank = ROLE_ORDER.index(f.role) if f.role in ROLE_ORDER else len(ROLE_ORDER)
        return rank, f.name.lower()

    return sorted(folders, key=key)
