"""Reading one MIME part, IMAP section numbering, and a parse that survives deep nesting.

Pure: no Flask, no IMAP, no I/O; nothing here raises on any ``bytes``.

Part ids are IMAP section numbers (RFC 3501 §6.4.5), so the web layer can fetch one part with
``BODY.PEEK[<id>]`` from a real server or :func:`extract_part` from raw bytes: the children of a
multipart are ``1``, ``2`` ...; a child of part ``2`` is ``2.1``; a single-part message's body
is ``1``; the parts of an attached ``message/rfc822`` at ``3`` are ``3.1``, ``3.2`` ...

The email package's parser recurses once per nested multipart or attached message, so a message
nested about a thousand levels deep hits Python's recursion limit. :func:`parse_bytes` refuses
such a message up front (:func:`nesting_depth`, one linear scan) rather than parse it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from email.policy import compat32

from webmail.message.model import ExtractedPart, Part
from webmail.message.text import decode_header_value, decode_param, decode_raw_header

__all__ = [
    "MAX_DEPTH",
    "MAX_PARSE_DEPTH",
    "attached_message_bytes",
    "child_section",
    "extract_part",
    "iter_sections",
    "listed_part",
    "nesting_depth",
    "parse_bytes",
    "part_children",
    "part_content_id",
    "part_disposition",
    "part_filename",
    "part_payload",
    "part_type",
    "raw_header_values",
]

#: Deeper multipart nesting is not walked (with a warning); real mail stays below 10.
MAX_DEPTH = 32
#: Messages nested deeper than this are not parsed at all (the parser would recurse this deep;
#: Python's limit is 1,000 frames, shared with the caller's stack).
MAX_PARSE_DEPTH = 100

_TYPE = re.compile(r"[a-z0-9!#$&.+^_`{}~-]+/[a-z0-9!#$&.+^_`{}~-]+")
_SECTION = re.compile(r"[1-9][0-9]{0,5}(?:\.[1-9][0-9]{0,5}){0,31}")
# What opens a nesting level (a boundary parameter, an attached message's Content-Type) and
# every line that may be a MIME delimiter.
_DEPTH_TOKENS = re.compile(
    rb'^--([^\r\n]*)|boundary\*?[0-9]*\*?[ \t]*=[ \t]*(?:"([^"\r\n]*)"|([^\s;"]+))'
    rb"|^content-type:[ \t\r\n]*message/",
    re.IGNORECASE | re.MULTILINE,
)


def nesting_depth(raw: bytes, limit: int = MAX_PARSE_DEPTH) -> int:
    """An upper estimate of how deeply ``raw``'s multiparts and attached messages nest.

    Linear in ``len(raw)``; counting stops just past ``limit``. A boundary parameter opens a
    level that its close delimiter (``--b--``) or a delimiter of an enclosing boundary ends;
    an attached message's level ends with its enclosing part. Boundary-like text in a body can
    only raise the estimate.
    """
    lower = raw.lower()
    openers = lower.count(b"boundary") + lower.count(b"message/")  # at least every opener
    if openers <= limit:
        return openers
    deepest = 0
    stack: list[bytes | None] = []  # None: an attached message
    levels: dict[bytes, list[int]] = {}  # boundary -> its indexes in stack
    for match in _DEPTH_TOKENS.finditer(raw):
        line, quoted, bare = match.groups()
        if line is None:
            boundary = quoted if quoted is not None else bare
            if boundary:
                levels.setdefault(boundary, []).append(len(stack))
            stack.append(boundary or None)
            deepest = max(deepest, len(stack))
            if deepest > limit:
                return deepest
            continue
        text = line.rstrip(b" \t")
        if levels.get(text):
            keep = levels[text][-1] + 1  # a part delimiter ends the levels inside it
        elif text.endswith(b"--") and levels.get(text[:-2]):
            keep = levels[text[:-2]][-1]  # a close delimiter ends its own level too
        else:
            continue
        while len(stack) > keep:
            closed = stack.pop()
            if closed is not None:
                levels[closed].pop()
    return deepest


def parse_bytes(raw: bytes) -> Message | None:
    """``raw`` parsed (compat32), or ``None`` when nested deeper than :data:`MAX_PARSE_DEPTH`.

    Other parser failures raise, as from ``email.message_from_bytes``.
    """
    if nesting_depth(raw) > MAX_PARSE_DEPTH:
        return None
    try:
        return message_from_bytes(raw, policy=compat32)
    except RecursionError:  # a deep caller stack: the estimate above is the usual guard
        return None


def raw_header_values(msg: Message, name: str) -> list[str]:
    """Header values as stored (raw 8-bit as surrogate escapes), not compat32's Header objects."""
    return [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]


def part_type(part: Message) -> str:
    """Lower-case ``type/subtype``; ``application/octet-stream`` when missing or malformed."""
    raw = part.get("Content-Type")
    value = part.get_content_type()
    if raw is None and part.get_default_type() == "message/rfc822":
        return "message/rfc822"
    if not _TYPE.fullmatch(value):
        return "application/octet-stream"
    if raw is None and value == "text/plain":
        return "text/plain"
    return value


def part_disposition(part: Message) -> str:
    """The Content-Disposition type, lower-case ("" when absent)."""
    return str(part.get("Content-Disposition", "")).split(";", 1)[0].strip().lower()


def part_filename(part: Message) -> str | None:
    """The decoded file name (``filename``, else the Content-Type ``name``), or ``None``."""
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        raw = raw_header_values(part, header)
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


def part_content_id(part: Message) -> str | None:
    """The Content-ID without ``<>``, or ``None``."""
    raw = raw_header_values(part, "Content-ID")
    if not raw:
        return None
    cid = decode_header_value(raw[0]).strip().strip("<>").strip()
    return cid or None


def part_payload(part: Message, section: str, warnings: list[str] | None) -> bytes:
    """Transfer-decoded bytes of a leaf part (never raises; b"" when unreadable)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - damaged encodings must not stop the message
        data = None
        if warnings is not None:
            warnings.append(f"Part {section}: the encoding is damaged; it could not be decoded.")
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def part_children(part: Message) -> list[Message]:
    """The parts of a multipart (or the message of a ``message/rfc822``); ``[]`` for a leaf."""
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def child_section(prefix: str, index: int) -> str:
    """The IMAP section of child ``index`` (from 1) of the part at ``prefix`` ("" for the top)."""
    return f"{prefix}.{index}" if prefix else str(index)


def attached_message_bytes(part: Message) -> bytes:
    """The whole attached message of a ``message/rfc822`` part (b"" when it cannot be written)."""
    inner = part_children(part)
    if not inner:
        return part_payload(part, "", None)
    try:
        return inner[0].as_bytes(policy=compat32)
    except Exception:  # noqa: BLE001 - the generator can fail on damaged input
        return b""


def listed_part(part: Message, section: str, *, inline: bool = False) -> Part:
    """The :class:`Part` listing ``part`` (an attached message is named after its Subject)."""
    ctype = part_type(part)
    if ctype == "message/rfc822":
        size = len(attached_message_bytes(part))
        name = part_filename(part)
        if name is None:
            inner = part_children(part)
            subject = decode_header_value(str(inner[0].get("Subject", ""))) if inner else ""
            name = f"{subject.strip() or 'message'}.eml"
    else:
        size = len(part_payload(part, section, None))
        name = part_filename(part)
    return Part(section, ctype, name, size, part_content_id(part), inline)


def iter_sections(part: Message, section: str, depth: int) -> Iterator[tuple[str, Message]]:
    """Yield ``(section, part)`` for every part in IMAP numbering (RFC 3501 §6.4.5)."""
    if section:
        yield section, part
    if depth >= MAX_DEPTH:
        return
    ctype = part_type(part)
    if ctype.startswith("multipart/"):
        for index, child in enumerate(part_children(part), 1):
            yield from iter_sections(child, child_section(section, index), depth + 1)
    elif not section:
        yield from iter_sections(part, "1", depth + 1)  # a single-part message's body is "1"
    elif ctype == "message/rfc822" and part_children(part):
        inner = part_children(part)[0]
        if part_type(inner).startswith("multipart/"):
            for index, child in enumerate(part_children(inner), 1):
                yield from iter_sections(child, child_section(section, index), depth + 1)
        else:
            yield child_section(section, 1), inner


def extract_part(raw: bytes, section: str) -> ExtractedPart | None:
    """Return the decoded content of the part at IMAP ``section`` (``"2"``, ``"1.2"``), or ``None``.

    ``None`` when no such part exists, the section is malformed, it is a multipart, or the
    message is nested too deeply to parse. Never raises.
    """
    if not _SECTION.fullmatch(section):
        return None
    try:
        msg = parse_bytes(raw)
        if msg is None:
            return None
        for sub, part in iter_sections(msg, "", 0):
            if sub != section:
                continue
            ctype = part_type(part)
            if ctype.startswith("multipart/"):
                return None
            if ctype == "message/rfc822":
                data = attached_message_bytes(part)
            else:
                data = part_payload(part, sub, None)
            return ExtractedPart(sub, ctype, part_filename(part), data)
    except Exception:  # noqa: BLE001
        return None
    return None
