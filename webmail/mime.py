"""Read a raw RFC 5322 message into what the read view shows.

Headers, body, inline parts and attachments.

Pure: no Flask, no IMAP, no I/O. :func:`parse_message` and :func:`extract_part` never raise on any
``bytes``; what they cannot read becomes a readable warning.

Part ids are IMAP section numbers (RFC 3501 §6.4.5), so the web layer can fetch one part with
``BODY.PEEK[<id>]`` from a real server or :func:`extract_part` from raw bytes: the children of a
multipart are ``1``, ``2`` ...; a child of part ``2`` is ``2.1``; a single-part message's body
is ``1``; the parts of an attached ``message/rfc822`` at ``3`` are ``3.1``, ``3.2`` ...

Body choice: in ``multipart/alternative`` the last HTML alternative wins, else the last plain
text one (RFC 2046 §5.1.4: richest last); ``multipart/related`` shows its root (the ``start``
parameter, else the first child) and maps its other parts by Content-ID; ``multipart/mixed``
and every other multipart show their first displayable child and list the rest as attachments,
as do text parts after the body (a mailing-list footer is listed, not merged). An attached
message is one attachment: its headers and parts are never the outer message's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses
from typing import Literal

from webmail.textcodec import decode_header_value, decode_param, decode_raw_header, decode_text

__all__ = [
    "MAX_DEPTH",
    "MAX_PARTS",
    "Address",
    "Body",
    "ExtractedPart",
    "ParsedMessage",
    "Part",
    "extract_part",
    "parse_message",
]

#: Deeper multipart nesting is not walked (with a warning); real mail stays below 10.
MAX_DEPTH = 32
#: Parts beyond this many are not listed (with a warning).
MAX_PARTS = 1000

_DISPLAYABLE = ("text/plain", "text/html")


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


# Readable words for the email package's defect classes.
_DEFECTS = {
    "StartBoundaryNotFoundDefect": (
        "the MIME boundary was never found; the part is shown as one block"
    ),
    "CloseBoundaryNotFoundDefect": "the message ends before its last MIME boundary (truncated?)",
    "MultipartInvariantViolationDefect": "a multipart part has no parts",
    "NoBoundaryInMultipartDefect": "a multipart part has no boundary",
    "InvalidBase64PaddingDefect": "damaged base64 encoding; content may be incomplete",
    "InvalidBase64CharactersDefect": "invalid characters in base64 encoding were skipped",
    "InvalidBase64LengthDefect": "truncated base64 encoding; content may be incomplete",
}


@dataclass(slots=True)
class _Walk:
    html: Body | None = None
    text: Body | None = None
    inline: dict[str, Part] = field(default_factory=dict)
    attachments: list[Part] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    parts: int = 0


def _ctype(part: Message) -> str:
    """Lower-case ``type/subtype``; ``application/octet-stream`` when missing or malformed."""
    raw = part.get("Content-Type")
    value = part.get_content_type()
    if raw is None and part.get_default_type() == "message/rfc822":
        return "message/rfc822"
    if not re.fullmatch(r"[a-z0-9!#$&.+^_`{}~-]+/[a-z0-9!#$&.+^_`{}~-]+", value):
        return "application/octet-stream"
    if raw is None and value == "text/plain":
        return "text/plain"
    return value


def _disposition(part: Message) -> str:
    value = str(part.get("Content-Disposition", "")).split(";", 1)[0].strip().lower()
    return value


def _filename(part: Message) -> str | None:
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        raw = _raw_all(part, header)
        if not raw:
            continue
        # A fresh Message over the decoded header: compat32 turns raw 8-bit (UTF-8 names
        # sent by Outlook/Yahoo without any encoding) into U+FFFD otherwise.
        shadow = Message()
        shadow[header] = decode_raw_header(raw[0])
        value = shadow.get_param(param, None, header)
        if value is not None:
            name = decode_param(value)
            if name:
                return name
    return None


def _content_id(part: Message) -> str | None:
    raw = _raw_all(part, "Content-ID")
    if not raw:
        return None
    cid = decode_header_value(raw[0]).strip().strip("<>").strip()
    return cid or None


def _payload(part: Message, section: str, walk: _Walk | None) -> bytes:
    """Transfer-decoded bytes of a leaf part (never raises; b"" when unreadable)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - damaged encodings must not stop the message
        data = None
        if walk is not None:
            walk.warnings.append(
                f"Part {section}: the encoding is damaged; it could not be decoded."
            )
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _note_defects(part: Message, section: str, walk: _Walk) -> None:
    for defect in getattr(part, "defects", ()):
        name = type(defect).__name__
        walk.warnings.append(
            f"Part {section}: {_DEFECTS.get(name, 'the MIME structure is damaged (' + name + ')')}."
        )


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _sub(prefix: str, index: int) -> str:
    return f"{prefix}.{index}" if prefix else str(index)


def _as_part(part: Message, section: str, *, inline: bool = False) -> Part:
    ctype = _ctype(part)
    if ctype == "message/rfc822":
        size = len(_message_bytes(part))
        name = _filename(part)
        if name is None:
            inner = _children(part)
            subject = decode_header_value(str(inner[0].get("Subject", ""))) if inner else ""
            name = f"{subject.strip() or 'message'}.eml"
    else:
        size = len(_payload(part, section, None))
        name = _filename(part)
    return Part(section, ctype, name, size, _content_id(part), inline)


def _message_bytes(part: Message) -> bytes:
    inner = _children(part)
    if not inner:
        return _payload(part, "", None)
    try:
        return inner[0].as_bytes(policy=compat32)
    except Exception:  # noqa: BLE001 - the generator can fail on damaged input
        return b""


def _take_body(part: Message, section: str, walk: _Walk, ctype: str | None = None) -> None:
    ctype = ctype or _ctype(part)
    data = _payload(part, section, walk)
    text, codec, notes = decode_text(
        data,
        part.get_content_charset(None) if part.get("Content-Type") else None,
        html=ctype == "text/html",
    )
    walk.warnings.extend(f"Part {section}: {note}" for note in notes)
    if ctype == "text/html":
        walk.html = Body("html", text, section, codec)
    else:
        walk.text = Body("text", text, section, codec)


def _is_body_candidate(part: Message) -> bool:
    if _disposition(part) == "attachment" or _filename(part) is not None:
        return False
    ctype = _ctype(part)
    return ctype in _DISPLAYABLE or ctype in ("multipart/alternative", "multipart/related")


def _walk(part: Message, section: str, walk: _Walk, depth: int, want_body: bool) -> bool:
    """Walk ``part``; return True when it supplied the body."""
    walk.parts += 1
    if walk.parts > MAX_PARTS:
        if walk.parts == MAX_PARTS + 1:
            walk.warnings.append(
                f"The message has more than {MAX_PARTS} parts; the rest are not listed."
            )
        return False
    _note_defects(part, section or "1", walk)
    ctype = _ctype(part)
    if not ctype.startswith("multipart/"):
        if want_body and _is_body_candidate(part):
            _take_body(part, section or "1", walk)
            return True
        walk.attachments.append(_as_part(part, section or "1"))
        return False
    if depth >= MAX_DEPTH:
        walk.warnings.append(
            f"Part {section or 'message'}: nested too deeply; its parts are not shown."
        )
        return False
    children = _children(part)
    if not children:
        # No boundary found: the email package keeps the whole body as one string.
        payload = part.get_payload()
        if want_body and isinstance(payload, str) and payload.strip():
            _take_body(part, section or "1", walk, "text/plain")
            return True
        return False
    if ctype == "multipart/alternative" and want_body:
        return _alternative(children, section, walk, depth)
    if ctype == "multipart/related":
        return _related(part, children, section, walk, depth, want_body)
    found = False
    for index, child in enumerate(children, 1):
        took = _walk(child, _sub(section, index), walk, depth + 1, want_body and not found)
        found = found or took
    return found


def _alternative(children: list[Message], section: str, walk: _Walk, depth: int) -> bool:
    """Body from the richest alternatives; non-text alternatives (text/calendar ...) are listed."""
    html_i = text_i = None
    for index, child in enumerate(children, 1):
        ctype = _ctype(child)
        if (
            ctype in ("text/html", "multipart/related", "multipart/mixed")
            and _disposition(child) != "attachment"
        ):
            html_i = index
        elif ctype == "text/plain" and _disposition(child) != "attachment":
            text_i = index
    for index, child in enumerate(children, 1):
        sub = _sub(section, index)
        if index == text_i:
            walk.parts += 1
            _note_defects(child, sub, walk)
            _take_body(child, sub, walk)
        elif index == html_i:
            _walk(child, sub, walk, depth + 1, True)
        elif _ctype(child) not in _DISPLAYABLE:
            _walk(child, sub, walk, depth + 1, False)
    return walk.html is not None or walk.text is not None


def _related(
    part: Message, children: list[Message], section: str, walk: _Walk, depth: int, want_body: bool
) -> bool:
    start = part.get_param("start", None)
    root = 1
    if isinstance(start, str):
        wanted = start.strip().strip("<>")
        root = next((i for i, c in enumerate(children, 1) if _content_id(c) == wanted), 1)
    found = False
    for index, child in enumerate(children, 1):
        sub = _sub(section, index)
        if index == root:
            found = _walk(child, sub, walk, depth + 1, want_body)
            continue
        cid = _content_id(child)
        if cid is not None and not _ctype(child).startswith("multipart/"):
            walk.parts += 1
            walk.inline.setdefault(cid, _as_part(child, sub, inline=True))
        else:
            _walk(child, sub, walk, depth + 1, False)
    return found


def _raw_all(msg: Message, name: str) -> list[str]:
    """Header values as stored (raw 8-bit as surrogate escapes), not compat32's Header objects."""
    return [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]


def _addresses(msg: Message, name: str) -> tuple[Address, ...]:
    # Split on the raw value, decode afterwards: an encoded display name may hold a comma.
    values = [v if "=?" in v else decode_header_value(v) for v in _raw_all(msg, name)]
    out: list[Address] = []
    try:
        pairs = getaddresses(values)
    except Exception:  # noqa: BLE001
        pairs = [(v, "") for v in values]
    for display, addr in pairs:
        if display or addr:
            out.append(Address(decode_header_value(display), decode_header_value(addr)))
    return tuple(out)


def _header(msg: Message, name: str) -> str | None:
    values = _raw_all(msg, name)
    return decode_header_value(values[0]).strip() if values else None


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw RFC 5322 bytes for the read view; never raises.

    Headers are decoded (RFC 2047, raw 8-bit as UTF-8 else windows-1252); bodies are decoded
    with their declared charset, falling back to UTF-8 then windows-1252 with a warning.
    """
    walk = _Walk()
    try:
        msg = message_from_bytes(raw, policy=compat32)
    except Exception as exc:  # noqa: BLE001 - the parser is lenient; this is a last resort
        return ParsedMessage(
            "",
            (),
            (),
            (),
            (),
            None,
            None,
            None,
            None,
            {},
            (),
            (f"The message could not be read ({type(exc).__name__}).",),
        )
    try:
        _walk(msg, "", walk, 0, True)
    except Exception as exc:  # noqa: BLE001 - never fail the whole message on one part
        walk.warnings.append(f"Part of the message could not be read ({type(exc).__name__}).")
    if walk.html is None and walk.text is None and not walk.attachments:
        walk.warnings.append("The message has no body.")
    return ParsedMessage(
        subject=_header(msg, "Subject") or "",
        from_=_addresses(msg, "From"),
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        reply_to=_addresses(msg, "Reply-To"),
        date=_header(msg, "Date"),
        message_id=_header(msg, "Message-ID"),
        html=walk.html,
        text=walk.text,
        inline=walk.inline,
        attachments=tuple(walk.attachments),
        warnings=tuple(dict.fromkeys(walk.warnings)),
    )


def _iter_sections(part: Message, section: str, depth: int) -> Iterator[tuple[str, Message]]:
    """Yield ``(section, part)`` for every part in IMAP numbering (RFC 3501 §6.4.5)."""
    if section:
        yield section, part
    if depth >= MAX_DEPTH:
        return
    ctype = _ctype(part)
    if ctype.startswith("multipart/"):
        for index, child in enumerate(_children(part), 1):
            yield from _iter_sections(child, _sub(section, index), depth + 1)
    elif not section:
        yield from _iter_sections(part, "1", depth + 1)  # a single-part message's body is "1"
    elif ctype == "message/rfc822" and _children(part):
        inner = _children(part)[0]
        if _ctype(inner).startswith("multipart/"):
            for index, child in enumerate(_children(inner), 1):
                yield from _iter_sections(child, _sub(section, index), depth + 1)
        else:
            yield _sub(section, 1), inner


def extract_part(raw: bytes, section: str) -> ExtractedPart | None:
    """Return the decoded content of the part at IMAP ``section`` (``"2"``, ``"1.2"``), or ``None``.

    ``None`` when no such part exists, the section is malformed, or it is a multipart. Never raises.
    """
    if not re.fullmatch(r"[1-9][0-9]{0,5}(?:\.[1-9][0-9]{0,5}){0,31}", section):
        return None
    try:
        msg = message_from_bytes(raw, policy=compat32)
        for sub, part in _iter_sections(msg, "", 0):
            if sub != section:
                continue
            ctype = _ctype(part)
            if ctype.startswith("multipart/"):
                return None
            data = _message_bytes(part) if ctype == "message/rfc822" else _payload(part, sub, None)
            return ExtractedPart(sub, ctype, _filename(part), data)
    except Exception:  # noqa: BLE001
        return None
    return None
