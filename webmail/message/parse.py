"""Read a raw RFC 5322 message into what the read view shows.

Headers, body, inline parts and attachments.

Pure: no Flask, no IMAP, no I/O. :func:`parse_message` and :func:`extract_part` never raise on any
``bytes``; what they cannot read becomes a readable warning. The result types live in
:mod:`webmail.message.model`; reading one part, IMAP section numbers and :func:`extract_part` in
:mod:`webmail.message.parts`. Every public name is importable from here.

Body choice: in ``multipart/alternative`` the last HTML alternative wins, else the last plain
text one (RFC 2046 §5.1.4: richest last); ``multipart/related`` shows its root (the ``start``
parameter, else the first child) and maps its other parts by Content-ID; ``multipart/mixed``
and every other multipart show their first displayable child and list the rest as attachments,
as do text parts after the body (a mailing-list footer is listed, not merged). An attached
message is one attachment: its headers and parts are never the outer message's.

A message nested deeper than :data:`MAX_PARSE_DEPTH` (which the email package cannot parse) keeps
its top-level headers; its body is shown as raw text, with a warning and no attachments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

from webmail.message.model import Address, Body, ExtractedPart, ParsedMessage, Part
from webmail.message.parts import (
    MAX_DEPTH,
    MAX_PARSE_DEPTH,
    child_section,
    extract_part,
    extract_parts,
    listed_part,
    parse_bytes,
    part_children,
    part_content_id,
    part_disposition,
    part_filename,
    part_payload,
    part_type,
    raw_header_values,
)
from webmail.message.text import (
    cut_header_value,
    decode_header_line,
    decode_header_value,
    decode_text,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_PARSE_DEPTH",
    "MAX_PARTS",
    "MAX_RAW_BODY_BYTES",
    "MAX_SUBJECT_BYTES",
    "TOO_DEEP",
    "Address",
    "Body",
    "ExtractedPart",
    "ParsedMessage",
    "Part",
    "extract_part",
    "extract_parts",
    "parse_message",
    "subject_cut_note",
]

#: Parts beyond this many are not listed (with a warning).
MAX_PARTS = 1000
#: A message too deeply nested to parse shows at most this much of its body, as raw text.
MAX_RAW_BODY_BYTES = 300_000
#: The read view shows this much of a Subject (still encoded); a longer one is cut, with a note
#: (:func:`subject_cut_note`). Real subjects are under 1 KiB; a list row shows 4 KiB.
MAX_SUBJECT_BYTES = 64 * 1024
#: The warning on a message too deeply nested to parse.
TOO_DEEP = (
    f"The message is nested more than {MAX_PARSE_DEPTH} MIME levels deep and could not be "
    "taken apart; it is shown as raw text and its attachments are not listed."
)

_DISPLAYABLE = ("text/plain", "text/html")
_HEADER_END = re.compile(rb"\r?\n\r?\n")

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


def _note_defects(part: Message, section: str, walk: _Walk) -> None:
    for defect in getattr(part, "defects", ()):
        name = type(defect).__name__
        walk.warnings.append(
            f"Part {section}: {_DEFECTS.get(name, 'the MIME structure is damaged (' + name + ')')}."
        )


def _take_body(part: Message, section: str, walk: _Walk, ctype: str | None = None) -> None:
    ctype = ctype or part_type(part)
    data = part_payload(part, section, walk.warnings)
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
    if part_disposition(part) == "attachment" or part_filename(part) is not None:
        return False
    ctype = part_type(part)
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
    ctype = part_type(part)
    if not ctype.startswith("multipart/"):
        if want_body and _is_body_candidate(part):
            _take_body(part, section or "1", walk)
            return True
        if not part.keys() and not part.get_payload():
            return False  # an empty part (two delimiters in a row): nothing to download
        walk.attachments.append(listed_part(part, section or "1"))
        return False
    if depth >= MAX_DEPTH:
        walk.warnings.append(
            f"Part {section or 'message'}: nested too deeply; its parts are not shown."
        )
        return False
    children = part_children(part)
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
        took = _walk(child, child_section(section, index), walk, depth + 1, want_body and not found)
        found = found or took
    return found


def _alternative(children: list[Message], section: str, walk: _Walk, depth: int) -> bool:
    """Body from the richest alternatives; non-text alternatives (text/calendar ...) are listed."""
    html_i = text_i = None
    for index, child in enumerate(children, 1):
        ctype = part_type(child)
        if (
            ctype in ("text/html", "multipart/related", "multipart/mixed")
            and part_disposition(child) != "attachment"
        ):
            html_i = index
        elif ctype == "text/plain" and part_disposition(child) != "attachment":
            text_i = index
    for index, child in enumerate(children, 1):
        sub = child_section(section, index)
        if index == text_i:
            walk.parts += 1
            _note_defects(child, sub, walk)
            _take_body(child, sub, walk)
        elif index == html_i:
            _walk(child, sub, walk, depth + 1, True)
        elif part_type(child) not in _DISPLAYABLE:
            _walk(child, sub, walk, depth + 1, False)
    return walk.html is not None or walk.text is not None


def _related(
    part: Message, children: list[Message], section: str, walk: _Walk, depth: int, want_body: bool
) -> bool:
    start = part.get_param("start", None)
    root = 1
    if isinstance(start, str):
        wanted = start.strip().strip("<>")
        root = next((i for i, c in enumerate(children, 1) if part_content_id(c) == wanted), 1)
    found = False
    for index, child in enumerate(children, 1):
        sub = child_section(section, index)
        if index == root:
            found = _walk(child, sub, walk, depth + 1, want_body)
            continue
        cid = part_content_id(child)
        if cid is not None and not part_type(child).startswith("multipart/"):
            walk.parts += 1
            walk.inline.setdefault(cid, listed_part(child, sub, inline=True))
        else:
            _walk(child, sub, walk, depth + 1, False)
    return found


def _addresses(msg: Message, name: str) -> tuple[Address, ...]:
    # Split on the raw value, decode afterwards: an encoded display name may hold a comma.
    values = [v if "=?" in v else decode_header_value(v) for v in raw_header_values(msg, name)]
    out: list[Address] = []
    try:
        pairs = getaddresses(values)
    except Exception:  # noqa: BLE001
        pairs = [(v, "") for v in values]
    for display, addr in pairs:
        if display or addr:
            out.append(Address(decode_header_line(display), decode_header_line(addr)))
    return tuple(out)


def _header(msg: Message, name: str) -> str | None:
    values = raw_header_values(msg, name)
    return decode_header_line(values[0]) if values else None


def subject_cut_note(size: int) -> str:
    """The note on a Subject of ``size`` bytes, longer than :data:`MAX_SUBJECT_BYTES`."""
    return f"This subject was cut: it is {size // 1024:,} KB long."


def _subject(msg: Message, walk: _Walk) -> str:
    """The decoded Subject, cut to :data:`MAX_SUBJECT_BYTES` before decoding (with a note)."""
    values = raw_header_values(msg, "Subject")
    if not values:
        return ""
    if len(values[0]) <= MAX_SUBJECT_BYTES:  # one character per byte (surrogate escapes)
        return decode_header_line(values[0])
    raw = values[0].encode("utf-8", "surrogateescape")
    walk.warnings.insert(0, subject_cut_note(len(raw)))
    return decode_header_line(cut_header_value(raw, MAX_SUBJECT_BYTES)) + " …"


def _too_deep(raw: bytes, walk: _Walk) -> Message:
    """Top-level headers only; the body as raw text (cut at a line end) with :data:`TOO_DEEP`."""
    walk.warnings.append(TOO_DEEP)
    end = _HEADER_END.search(raw)
    body = raw[end.end() :] if end is not None else b""
    if len(body) > MAX_RAW_BODY_BYTES:
        cut = body.rfind(b"\n", 0, MAX_RAW_BODY_BYTES)
        body = body[: cut + 1 if cut > 0 else MAX_RAW_BODY_BYTES]
        walk.warnings.append(
            f"Only the first {MAX_RAW_BODY_BYTES:,} bytes of the raw message are shown."
        )
    text, codec, _notes = decode_text(body, None)
    if text.strip():
        walk.text = Body("text", text, "1", codec)
    return BytesHeaderParser(policy=compat32).parsebytes(raw)


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw RFC 5322 bytes for the read view; never raises.

    Headers are decoded (RFC 2047, raw 8-bit as UTF-8 else windows-1252); bodies are decoded
    with their declared charset, falling back to UTF-8 then windows-1252 with a warning.
    """
    walk = _Walk()
    try:
        msg = parse_bytes(raw)
        parsed = msg is not None
        if msg is None:
            msg = _too_deep(raw, walk)
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
    if parsed:
        try:
            _walk(msg, "", walk, 0, True)
        except Exception as exc:  # noqa: BLE001 - never fail the whole message on one part
            walk.warnings.append(f"Part of the message could not be read ({type(exc).__name__}).")
    if walk.html is None and walk.text is None and not walk.attachments:
        walk.warnings.append("The message has no body.")
    subject = _subject(msg, walk)
    return ParsedMessage(
        subject=subject,
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
