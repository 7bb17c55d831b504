"""What :mod:`webmail.message.parse` makes of a message: the addresses, parts and bodies the
read view shows.

Plain frozen dataclasses; no parsing here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
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

    def with_left_out(self, sizes: Mapping[str, int]) -> ParsedMessage:
        """This parse of bytes that held the parts at ``sizes``'s sections cut short or with
        empty bodies (``FullMessage.left_out``): those parts listed with the given sizes, and a
        warning when the body shown is one of them."""
        if not sizes:
            return self

        def sized(part: Part) -> Part:
            size = sizes.get(part.section)
            return part if size is None else replace(part, size=size)

        warnings = self.warnings
        if self.body is not None and self.body.section in sizes:
            warnings += (
                "The message text is too long to show here whole; only its beginning is shown.",
            )
        return replace(
            self,
            inline={cid: sized(part) for cid, part in self.inline.items()},
            attachments=tuple(sized(part) for part in self.attachments),
            warnings=warnings,
        )


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
