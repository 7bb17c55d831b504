"""The header block of a message as a list of unfolded ``(name, value)`` fields.

Accepts what a caller may hold: raw bytes of a whole message or of its header block,
the same as ``str``, an ``email.message.Message``, or ``(name, value)`` pairs as an
IMAP header fetch yields them. Never raises; work is linear in the input and bounded
by the caps below.

The header block ends at the first empty line, like ``email.parser`` (RFC 5322 §2.1);
a line that is neither a field nor a continuation also ends it (the stdlib treats it as
the start of the body), and an mbox ``From `` line before the first field is skipped.
Line ends may be CRLF, LF or a bare CR.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import chain
from typing import Any, AnyStr

# Only this much of a message is searched for the end of its header block; beyond it,
# the block is cut. Postfix refuses header blocks over 102400 bytes (header_size_limit),
# so 256 KiB keeps every real header block whole; a 1 MB header is hostile, not mail.
MAX_HEADER_BYTES = 256 * 1024
# Fields in one header block; the rest are dropped with a warning.
MAX_FIELDS = 20_000

# An empty line: LF LF, LF CR LF (CRLF CRLF contains it) or CR CR (CR-only files).
_NEWLINE = re.compile(r"\r\n|\r|\n")
# A field: its name (printable US-ASCII but ":", RFC 5322 §3.6.8), the colon, and the
# value with its continuation lines (each starts with white space).
_FIELD_RE = re.compile(r"^([!-9;-~]+)([ \t]*:)([^\n]*(?:\n[ \t][^\n]*)*)", re.MULTILINE)
# The start of a line that is neither a field, a continuation nor empty.
_NOT_A_FIELD_LINE = re.compile(r"^(?![ \t]|[!-9;-~]+[ \t]*:|$)", re.MULTILINE)
# In "\n" + a header block: each Date, Received and DKIM-Signature field with its continuation
# lines (as _FIELD_RE matches them), and, as ("", ""), each line that is neither a field's
# first line nor a continuation (an empty line, a line without a colon ...). The leading "\n"
# lets the search skip from line start to line start in C.
_ANALYSED_OR_ODD = re.compile(
    r"\n(?:(date|received|dkim-signature)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)"
    r"|(?![ \t]|[!-9;-~]+[ \t]*:))",
    re.IGNORECASE | re.ASCII,
)
_ODD = ("", "")
_ANALYSED_NAMES = frozenset(("date", "received", "dkim-signature"))
# A longer block (near Postfix's limit of 100 KiB: hostile, or nearly) goes the general way, in
# one pass, rather than checked first. Within it MAX_FIELDS fields cannot fit (a field takes at
# least 3 characters with its line end: 48 KiB < 3 * 20,000).
_FAST_BLOCK_CHARS = 48 * 1024


def analysed_fields(headers: object) -> tuple[list[tuple[str, str]], list[str]]:
    """The Date, Received and DKIM-Signature fields of ``headers`` (in order, unfolded) and the
    warnings, exactly as those of :func:`header_fields` with the other fields left out.

    The fast way for a header block that is fields only (nearly all mail): one regular
    expression, tried at each line's start, picks the three names and finds any line that is
    not a field's; the other fields are never built. Anything else (other input types, a line
    that is not a field, a block over ``_FAST_BLOCK_CHARS``) goes the way of
    :func:`header_fields`.
    """
    if isinstance(headers, bytes):
        warnings: list[str] = []
        block = whole = _decode(_header_block_bytes(headers, warnings))
    elif isinstance(headers, str):
        warnings = []
        block = whole = _header_block_str(headers, warnings)
    else:
        return _analysed(*header_fields(headers))
    if not block:
        return [], warnings
    before = len(warnings)
    if "\x00" in block:
        warnings.append("NUL bytes in the header block were removed")
        block = block.replace("\x00", "")
    if "\r" in block:
        block = block.replace("\r\n", "\n").replace("\r", "\n")
    if block.startswith("From "):  # mbox separator line
        block = block.partition("\n")[2]
    block = block.rstrip("\n")
    if len(block) <= _FAST_BLOCK_CHARS and block[:1] not in (" ", "\t", ""):
        found = _ANALYSED_OR_ODD.findall("\n" + block)
        if _ODD not in found:
            return [(name, value.replace("\n", "")) for name, value in found], warnings
    del warnings[before:]
    return _analysed(*_fields_from_text(whole, warnings))  # as header_fields does


def _analysed(
    fields: list[tuple[str, str]], warnings: list[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    return [(n, v) for n, v in fields if n.lower() in _ANALYSED_NAMES], warnings


def header_fields(headers: object) -> tuple[list[tuple[str, str]], list[str]]:
    """Return the unfolded fields of ``headers`` in order, and readable warnings.

    Names keep their case; values are unfolded (line breaks removed, the white space
    after them kept) and are never longer than the header block itself. Input of an
    unsupported type gives no fields and a warning. Never raises.
    """
    warnings: list[str] = []
    if isinstance(headers, (bytes, bytearray, memoryview)):
        return _fields_from_text(_decode(_header_block_bytes(bytes(headers), warnings)), warnings)
    if isinstance(headers, str):
        return _fields_from_text(_header_block_str(headers, warnings), warnings)
    if callable(getattr(headers, "raw_items", None)):  # an email.message.Message
        return _fields_from_pairs(_message_items(headers, warnings), warnings)
    if isinstance(headers, (list, tuple)):
        return _fields_from_pairs(headers, warnings)
    warnings.append(f"headers of type {type(headers).__name__} cannot be read")
    return [], warnings


def _decode(data: bytes) -> str:
    """Header bytes as text: UTF-8 (RFC 6532) when valid, else UTF-8 with replacement."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


def _blank_line(data: AnyStr) -> int:
    """Index of the first empty line's leading line break (within the cap), or -1.

    An empty line is LF LF, LF CR LF (which CRLF CRLF contains) or CR CR. Plain
    searches, each bounded by the best hit so far: linear and fast.
    """
    if isinstance(data, bytes):
        return _blank_line_bytes(data)
    # The result is the smallest hit whatever the order; the separator of the data's own line
    # ends goes first, so the others only search the header block (not 256 KiB of body).
    newline = data.find("\n", 0, 4096)
    if newline < 0:
        seps: tuple[str, ...] = ("\r\r", "\n\n", "\n\r\n")
    elif data[newline - 1 : newline] == "\r":
        seps = ("\n\r\n", "\n\n", "\r\r")
    else:
        seps = ("\n\n", "\n\r\n", "\r\r")
    best = -1
    for sep in seps:
        end = MAX_HEADER_BYTES if best < 0 else best
        index = data.find(sep, 0, end + len(sep) - 1)
        if index >= 0 and (best < 0 or index < best):
            best = index
    return best


# The separators of an empty line, each searched by a regular expression: for a literal of two
# or three bytes the search in C is about twice as fast as ``bytes.find``'s.
_LF_LF = re.compile(b"\n\n")
_LF_CR_LF = re.compile(b"\n\r\n")
_CR_CR = re.compile(b"\r\r")


def _blank_line_bytes(data: bytes) -> int:
    """:func:`_blank_line` for bytes. A separator is only searched for when the bytes hold its
    line breaks (``memchr``: a CR or an LF within the cap), so a long line or a block without
    an empty line is searched once, not three times."""
    cap = MAX_HEADER_BYTES
    seps: tuple[re.Pattern[bytes], ...]
    newline = data.find(b"\n", 0, 4096)
    if newline >= 0 and data[newline - 1 : newline] != b"\r":  # LF line ends, nearly always
        match = _LF_LF.search(data, 0, cap + 1)
        best = -1 if match is None else match.start()
        # No CR before it: no LF CR LF nor CR CR can come earlier.
        if data.find(b"\r", 0, cap + 1 if best < 0 else best) < 0:
            return best
        seps = (_LF_CR_LF, _CR_CR)
    elif newline >= 0:  # CRLF line ends
        best = -1
        seps = (_LF_CR_LF, _LF_LF, _CR_CR)
    else:  # CR line ends, or a long first line
        best = -1
        has_cr = data.find(b"\r", 0, cap + 1) >= 0
        has_lf = data.find(b"\n", 0, cap + 1) >= 0
        if has_cr:
            seps = (_CR_CR, _LF_LF, _LF_CR_LF) if has_lf else (_CR_CR,)
        elif has_lf:
            seps = (_LF_LF,)
        else:
            return -1
    for sep in seps:
        end = cap if best < 0 else best
        match = sep.search(data, 0, end + len(sep.pattern) - 1)
        if match is not None:
            best = match.start()
    return best


def _header_block_bytes(data: bytes, warnings: list[str]) -> bytes:
    """The bytes before the first empty line (or the whole input, cut at the cap)."""
    if data[:1] in (b"\n", b"\r"):  # an empty first line: no header block at all
        warnings.append("the message has no header block")
        return b""
    end = _blank_line(data)
    if end >= 0:
        return data[:end]
    if len(data) > MAX_HEADER_BYTES:
        warnings.append(f"header block longer than {MAX_HEADER_BYTES} bytes: the rest is ignored")
        return data[:MAX_HEADER_BYTES]
    return data


def _header_block_str(text: str, warnings: list[str]) -> str:
    """As :func:`_header_block_bytes`, for text."""
    if text[:1] in ("\n", "\r"):
        warnings.append("the message has no header block")
        return ""
    end = _blank_line(text)
    if end >= 0:
        return text[:end]
    if len(text) > MAX_HEADER_BYTES:
        warnings.append(
            f"header block longer than {MAX_HEADER_BYTES} characters: the rest is ignored"
        )
        return text[:MAX_HEADER_BYTES]
    return text


def _fields_from_text(block: str, warnings: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """Split a header block into unfolded fields (RFC 5322 §2.2.3).

    Regular expressions do the scanning (each a single pass: no nested quantifiers
    over the same characters), so the work stays linear and runs in C.
    """
    if not block:
        return [], warnings
    if "\x00" in block:
        warnings.append("NUL bytes in the header block were removed")
        block = block.replace("\x00", "")
    if "\r" in block:
        block = block.replace("\r\n", "\n").replace("\r", "\n")
    if block.startswith("From "):  # mbox separator line
        block = block.partition("\n")[2]
    block = block.rstrip("\n")
    found = _FIELD_RE.findall(block)
    # The fields cover the block exactly unless some line is not a field (or comes
    # before the first one): only then look for that line, as email.parser would.
    covered = sum(map(len, chain.from_iterable(found)))  # of names, colons and values, in C
    if covered + len(found) - 1 != len(block):
        bad = _NOT_A_FIELD_LINE.search(block)
        if bad is not None:
            warnings.append("a line that is not a header field ends the header block early")
            block = block[: bad.start()]
            found = _FIELD_RE.findall(block)
        if block[:1] in (" ", "\t") and block.strip():
            warnings.append("a continuation line before the first field was ignored")
    fields = [(name, value.replace("\n", "")) for name, _, value in found]
    if len(fields) > MAX_FIELDS:
        warnings.append(f"more than {MAX_FIELDS} header fields: the rest are ignored")
        del fields[MAX_FIELDS:]
    return fields, warnings


def _message_items(message: Any, warnings: list[str]) -> list[tuple[str, Any]]:
    """The raw fields of a parsed message (any policy)."""
    try:
        return list(message.raw_items())
    except Exception:  # a Message subclass with a broken policy: fall back
        try:
            return list(message.items())
        except Exception as exc:
            warnings.append(f"the message's headers cannot be read ({type(exc).__name__})")
            return []


def _fields_from_pairs(
    pairs: Iterable[Any], warnings: list[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """Fields from ``(name, value)`` pairs; values may be ``str``, ``bytes`` or header objects."""
    fields: list[tuple[str, str]] = []
    for pair in pairs:
        if len(fields) >= MAX_FIELDS:
            warnings.append(f"more than {MAX_FIELDS} header fields: the rest are ignored")
            break
        try:
            name, value = pair
        except (TypeError, ValueError):
            warnings.append("an item that is not a (name, value) pair was ignored")
            continue
        name_text = _as_text(name).strip()
        value_text = _as_text(value)
        if "\r" in value_text or "\n" in value_text:
            value_text = _NEWLINE.sub("", value_text)
        if "\x00" in value_text:
            value_text = value_text.replace("\x00", "")
        fields.append((name_text, value_text))
    return fields, warnings


def _as_text(value: object) -> str:
    """``bytes`` decoded as header text, anything else through ``str()``."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _decode(bytes(value)[:MAX_HEADER_BYTES])
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except Exception:
        return ""
