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
from collections.abc import Iterable, Iterator
from email import message_from_bytes
from email.message import Message
from email.policy import compat32

from webmail.message.model import ExtractedPart, Part
from webmail.message.text import decode_header_value, decode_param, decode_raw_header

__all__ = [
    "MAX_BOUNDARY_CHARS",
    "MAX_DEPTH",
    "MAX_PARSE_DEPTH",
    "attached_message_bytes",
    "child_section",
    "extract_part",
    "extract_parts",
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
    "server_boundaries",
]

#: Deeper multipart nesting is not walked (with a warning); real mail stays below 10.
MAX_DEPTH = 32
#: Messages nested deeper than this are not parsed at all (the parser would recurse this deep;
#: Python's limit is 1,000 frames, shared with the caller's stack).
MAX_PARSE_DEPTH = 100
#: A MIME boundary is read to this many characters, as Dovecot reads it (BOUNDARY_STRING_MAX_LEN
#: in lib-mail/message-parser-private.h); RFC 2046 §5.1.1 allows 70.
MAX_BOUNDARY_CHARS = 80

_TYPE = re.compile(r"[a-z0-9!#$&.+^_`{}~-]+/[a-z0-9!#$&.+^_`{}~-]+")
_SECTION = re.compile(r"[1-9][0-9]{0,5}(?:\.[1-9][0-9]{0,5}){0,31}")
# What opens a nesting level (a boundary parameter, an attached message's Content-Type) and
# every line that may be a MIME delimiter.
# Any parameter value longer than MAX_BOUNDARY_CHARS: a quick test before the lower-case copy.
_LONG_VALUE = re.compile(rb'=[ \t]*"?[^\s;"]{81}')
# A boundary parameter longer than MAX_BOUNDARY_CHARS (searched in lower case).
_LONG_BOUNDARY = re.compile(rb'boundary[ \t]*=[ \t]*(?:"[^"\r\n]{81}|[^\s;"]{81})')
_CONTENT_TYPE = re.compile(rb"^content-type[ \t]*:((?:[^\r\n]|\r?\n[ \t])*)", re.I | re.M)
_BOUNDARY_PARAM = re.compile(rb'boundary[ \t]*=[ \t]*(?:"([^"\r\n]*)"|([^\s;"]+))', re.I)
_FOLD_BYTES = re.compile(rb"\r?\n[ \t]")
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


def server_boundaries(raw: bytes) -> bytes:
    """``raw`` with its MIME boundaries rewritten so the email package splits it as an IMAP
    server does, when a boundary is longer than :data:`MAX_BOUNDARY_CHARS`; else ``raw``.

    Part numbers are the server's (a download asks for ``BODY[2]``), so they must agree. For
    over-long boundaries they would not: Dovecot cuts a boundary to 80 characters and, as MIME
    allows, takes any line that begins with ``--`` and a boundary as its delimiter (the newest
    boundary first, the longest match among them), where the email package wants the whole
    boundary. Here each multipart gets a boundary of its own (``=_webmail_<n>``) and every
    delimiter line the server's reading assigns to it is rewritten to match. One pass over the
    lines; a message with RFC 2046's short boundaries costs one search and is returned as is.
    """
    if _LONG_VALUE.search(raw) is None or _LONG_BOUNDARY.search(raw.lower()) is None:
        return raw
    out: list[bytes] = []
    stack: list[tuple[bytes, bytes]] = []  # (boundary as the server keeps it, our boundary)
    header: list[bytes] = []
    in_header = True
    for line in raw.splitlines(keepends=True):
        match = _server_delimiter(line, stack)
        if in_header and match is None:  # (a delimiter ends a header block too, as in Dovecot)
            if line.strip(b"\r\n"):
                header.append(line)
                continue
            block, opened, inner = _server_header(b"".join(header), len(out))
            out.extend((block, line))
            header = []
            if opened is not None:
                stack.append(opened)
            in_header = inner  # a message/rfc822 part: its own header follows
            continue
        if header:
            out.append(_server_header(b"".join(header), len(out))[0])
            header = []
        elif in_header and match is not None:  # an empty part: the email package drops one
            out.append(b"\r\n")  # without even a blank line, where the server counts it
        if match is None:
            out.append(line)
            continue
        index, close = match
        own = stack[index][1]
        del stack[index if close else index + 1 :]  # the newer ones end here; a close ends it
        ending = line[len(line.rstrip(b"\r\n")) :]
        out.append(b"--" + own + (b"--" if close else b"") + ending)
        in_header = not close
    if header:
        out.append(_server_header(b"".join(header), len(out))[0])
    return b"".join(out)


def _server_header(block: bytes, serial: int) -> tuple[bytes, tuple[bytes, bytes] | None, bool]:
    """A part's header block with its multipart boundary renamed: ``(block, (the server's
    boundary, ours) or None, whether an attached message's header follows)``."""
    content_type = _CONTENT_TYPE.search(block)
    if content_type is None:
        return block, None, False
    value = _FOLD_BYTES.sub(b" ", content_type.group(1)).strip().lower()
    if value.startswith(b"message/rfc822"):
        return block, None, True
    param = _BOUNDARY_PARAM.search(block, content_type.start(1), content_type.end(1))
    if not value.startswith(b"multipart/") or param is None:
        return block, None, False
    theirs = (param.group(1) if param.group(1) is not None else param.group(2))
    ours = b"=_webmail_%d" % serial
    start, end = param.span(1) if param.group(1) is not None else param.span(2)
    return block[:start] + ours + block[end:], (theirs[:MAX_BOUNDARY_CHARS], ours), False


def _server_delimiter(line: bytes, stack: list[tuple[bytes, bytes]]) -> tuple[int, bool] | None:
    """``(index in stack, is a close delimiter)`` of the boundary the server reads ``line`` as
    a delimiter of, or ``None`` (Dovecot's boundary_find: newest first, longest wins)."""
    if not line.startswith(b"--") or not stack:
        return None
    text = line[2:].rstrip(b"\r\n")
    found = text[:-2] if len(text) > 2 and text.endswith(b"--") else text
    best: int | None = None
    for index in range(len(stack) - 1, -1, -1):
        theirs = stack[index][0]
        if found.startswith(theirs) and (best is None or len(stack[best][0]) < len(theirs)):
            best = index
            if len(theirs) == len(found):
                break
    if best is None:
        return None
    return best, text[len(stack[best][0]) :].startswith(b"--")


def parse_bytes(raw: bytes) -> Message | None:
    """``raw`` parsed (compat32), or ``None`` when nested deeper than :data:`MAX_PARSE_DEPTH`;
    over-long boundaries are read as the server reads them (:func:`server_boundaries`).

    Other parser failures raise, as from ``email.message_from_bytes``.
    """
    if nesting_depth(raw) > MAX_PARSE_DEPTH:
        return None
    try:
        return message_from_bytes(server_boundaries(raw), policy=compat32)
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
    return extract_parts(raw, (section,)).get(section)


def extract_parts(raw: bytes, sections: Iterable[str]) -> dict[str, ExtractedPart]:
    """:func:`extract_part` of each of ``sections`` with one parse of ``raw`` (the read view's
    frame embeds a message's ``cid:`` images: one parse for all of them, not one each): section
    -> part, for each one :func:`extract_part` would not answer ``None``. Never raises."""
    wanted = {s for s in sections if _SECTION.fullmatch(s)}
    found: dict[str, ExtractedPart] = {}
    if not wanted:
        return found
    try:
        msg = parse_bytes(raw)
        if msg is None:
            return found
        for sub, part in iter_sections(msg, "", 0):
            if sub not in wanted:
                continue
            wanted.discard(sub)  # the first part of that number decides, as it always did
            try:
                ctype = part_type(part)
                if ctype.startswith("multipart/"):
                    continue
                if ctype == "message/rfc822":
                    data = attached_message_bytes(part)
                else:
                    data = part_payload(part, sub, None)
                found[sub] = ExtractedPart(sub, ctype, part_filename(part), data)
            except Exception:  # noqa: BLE001 - this part is None, the others still count
                continue
            if not wanted:
                break
    except Exception:  # noqa: BLE001
        return found
    return found
    return None
