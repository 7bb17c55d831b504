"""What :mod:`webmail.message.parse` makes of a message: the addresses, parts and bodies the read view shows.

Plain frozen dataclasses; no parsing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Address", "Body", "ExtractedPart", "ParsedMessage", "Part"]


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox of an address header. :ivar name: decoded display name ("" if none).
    :ivar addr: the address as written ("" for an unparsable entry)."""

    name: str
    addr: str


@dataclass(frozen=True, slots=True)
class Part:
    """A part listed as an attachment or used inline.

    :ivar section: IMAP section number, e.g. ``"2"`` or ``"1.2"``.
    :ivar content_type: lower-case ``type/subtype`` as declared (``application/octet-stream``
        when missing or malformed).
    :ivar filename: decoded file name (RFC 2231, RFC 2047, raw 8-bit), or ``None``.
    :ivar size: size in bytes after transfer decoding.
    :ivar content_id: Content-ID without ``<>``, or ``None``.
    :ivar inline: ``True`` when the part is referenced by Content-ID from a related body.
    """

    section: str
    content_type: str
    filename: str | None
    size: int
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Body:
    """A displayable body. :ivar kind: ``"html"`` or ``"text"``. :ivar text: decoded text.
    :ivar section: its IMAP section. :ivar charset: the codec that decoded it."""

    kind: Literal["html", "text"]
    text: str
    section: str
    charset: str


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """A message as the read view needs it.

    :ivar subject: decoded Subject ("" when absent).
    :ivar from_: decoded From mailboxes (serialises as ``"from"``); also ``to``, ``cc``,
        ``reply_to``.
    :ivar date: the raw Date header, or ``None`` (parsing it is the header library's job).
    :ivar message_id: the Message-ID header, or ``None``.
    :ivar html: the HTML body to show, or ``None``.
    :ivar text: the plain-text body (the alternative to ``html``, or the only body), or ``None``.
    :ivar inline: parts referable as ``cid:``, by Content-ID without ``<>``.
    :ivar attachments: every other part, in message order.
    :ivar warnings: readable notes on damaged structure, charsets and encodings.
    """

    subject: str
    from_: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: str | None
    message_id: str | None
    html: Body | None
    text: Body | None
    inline: dict[str, Part]
    attachments: tuple[Part, ...]
    warnings: tuple[str, ...]

    @property
    def body(self) -> Body | None:
        """The body to show: HTML when present, else plain text."""
        return self.html or self.text


@dataclass(frozen=True, slots=True)
class ExtractedPart:
    """One part's decoded bytes with what a download needs.

    :ivar data: the content after transfer decoding (``message/rfc822``: the whole attached
        message).
    """

    section: str
    content_type: str
    filename: str | None
    data: bytes
