"""Turn the bytes and encoded words of a message into text, whatever the sender declared.

Pure: no I/O. Nothing here raises on input; what needed a guess is reported as a note.

- :func:`decode_text`: a body part with its declared charset; undeclared, unknown or mislabelled
  text falls back to UTF-8, then windows-1252 (as browsers do; ISO-8859-1 and US-ASCII are read
  as windows-1252, its superset, per the WHATWG Encoding Standard).
- :func:`decode_header_value`: RFC 2047 encoded words, and raw 8-bit header bytes (RFC 6532
  UTF-8, or legacy windows-1252); :func:`decode_header_line`: the same as one line, as the
  list and the read view show Subject, From and To.
- :func:`decode_param`: an RFC 2231 parameter (``filename*=UTF-8''%D0%...``), a quoted RFC 2047
  name (not allowed by RFC 2047 §5, sent by many mailers anyway), or raw 8-bit.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

__all__ = [
    "cut_header_value",
    "decode_header_line",
    "decode_header_value",
    "decode_param",
    "decode_raw_header",
    "decode_text",
    "lookup_charset",
]

# Python codecs that are not charsets of mail text; a hostile label must not select them.
_NOT_CHARSETS = frozenset(
    {
        "unicode_escape",
        "raw_unicode_escape",
        "idna",
        "punycode",
        "mbcs",
        "oem",
        "undefined",
        "unicode_internal",
        "palmos",
        "charmap",
    }
)
# WHATWG: these labels mean windows-1252.
_AS_CP1252 = frozenset({"ascii", "latin_1", "iso8859_1", "cp1252"})

_SURROGATE_ESCAPE = re.compile("[\udc80-\udcff]")
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(?==\?)")
_ENCODED_WORD_BYTES = re.compile(rb"=\?[^?\s]{1,64}\?[bBqQ]\?[^?\s]*\?=")
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)


def lookup_charset(label: str | None) -> str | None:
    """Return the Python codec name for a charset label, or ``None`` when unknown or not a charset.

    (UTF-7 is accepted: the text is sanitised after decoding and served as UTF-8, so the old
    trick of a UTF-7 ``+ADw-script+AD4-`` reaching a browser cannot work here.)
    """
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name.replace("-", "_") in _NOT_CHARSETS:
        return None
    name = info.name.replace("-", "_")
    return "cp1252" if name in _AS_CP1252 else info.name


def _fallback(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), "cp1252"


def decode_text(
    data: bytes, declared: str | None, *, html: bool = False
) -> tuple[str, str, list[str]]:
    """Decode a text part; return ``(text, codec used, notes)``. Never raises.

    With no usable declared charset, an HTML part's own ``<meta charset>`` is tried next.
    Text that does not decode strictly with the declared charset is decoded with UTF-8 if
    that fits, else windows-1252, with a note naming what happened.
    """
    notes: list[str] = []
    codec = lookup_charset(declared)
    if declared and codec is None:
        notes.append(f"unknown character set {declared[:40]!r}; the text may look wrong.")
    if codec is None and html:
        match = _META_CHARSET.search(data[:4096])
        if match is not None:
            codec = lookup_charset(match.group(1).decode("ascii"))
    if codec == "cp1252" and not data.isascii():
        # US-ASCII/ISO-8859-1/windows-1252 labels on UTF-8 text are common (old mailers, list
        # footers); cp1252 would decode such text without error, as mojibake. Legacy text that
        # happens to be valid UTF-8 is rare.
        try:
            return data.decode("utf-8"), "utf-8", notes
        except UnicodeDecodeError:
            pass
    if codec is not None:
        try:
            return data.decode(codec), codec, notes
        except (UnicodeDecodeError, LookupError, ValueError):
            if codec != "cp1252":
                notes.append(f"the text is not valid {declared or codec}; the text may look wrong.")
    text, used = _fallback(data)
    if codec == "cp1252" and used == "utf-8":
        notes = []  # US-ASCII/ISO-8859-1 labels on UTF-8 text: common, and now read right
    return text, used, notes


def decode_raw_header(raw: str) -> str:
    """A header str from the email package may carry raw 8-bit as surrogate escapes."""
    if raw.isascii() or _SURROGATE_ESCAPE.search(raw) is None:  # the common case, in C
        return raw
    return _fallback(raw.encode("utf-8", "surrogateescape"))[0]


def _decode_word(charset: str, encoding: str, text: str) -> str | None:
    charset = charset.split("*", 1)[0]  # RFC 2231 §5 language suffix: =?utf-8*en?Q?...?=
    try:
        if encoding in "bB":
            data = base64.b64decode(text + "=" * (-len(text) % 4), validate=False)
        else:
            data = re.sub(
                rb"=([0-9A-Fa-f]{2})",
                lambda m: bytes([int(m.group(1), 16)]),
                text.replace("_", " ").encode("ascii", "replace"),
            )
    except (binascii.Error, ValueError):
        return None
    codec = lookup_charset(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError):
            pass
    return _fallback(data)[0]


def decode_header_value(value: str) -> str:
    """Decode RFC 2047 encoded words and raw 8-bit in a header value; never raises.

    Whitespace between adjacent encoded words is dropped (RFC 2047 §6.2); a malformed word is
    kept as written; line folding becomes one space.
    """
    text = decode_raw_header(value)
    text = re.sub(r"\r?\n[ \t]", " ", text).replace("\r", " ").replace("\n", " ")
    if "=?" not in text:
        return text
    text = _BETWEEN_WORDS.sub(r"\1", text)

    def word(match: re.Match[str]) -> str:
        decoded = _decode_word(match.group(1), match.group(2), match.group(3))
        return match.group(0) if decoded is None else decoded

    return _ENCODED_WORD.sub(word, text)


def cut_header_value(value: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes of a still-encoded header value, cut where decoding reads
    them right: an encoded word or a UTF-8 character the cut runs through is left out whole.
    ``value`` itself when it is not longer. Linear in ``limit``; never raises."""
    if len(value) <= limit:
        return value
    cut = value[: max(0, limit)]
    start = cut.rfind(b"=?")
    if start >= 0 and _ENCODED_WORD_BYTES.match(cut, start) is None:
        cut = cut[:start]  # an encoded word the cut runs through
    for back in range(1, min(4, len(cut)) + 1):  # a UTF-8 lead byte whose sequence was cut
        byte = cut[-back]
        if byte < 0x80:
            break
        if byte >= 0xC0:
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            if needed > back:
                cut = cut[:-back]
            break
    return cut


def decode_header_line(value: str | bytes | None) -> str:
    """A header value as one line of text, as lists and the read view show it: encoded words
    and raw 8-bit decoded by :func:`decode_header_value`, every run of white space (folding,
    tabs) one space, no space at either end. Raw bytes are read as UTF-8, else windows-1252.
    Never raises."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        # Undecodable bytes travel as surrogate escapes, which decode_raw_header reads.
        value = value.decode("utf-8", "surrogateescape")
    return " ".join(decode_header_value(value).split())


def decode_param(value: str | tuple[str | None, str | None, str]) -> str:
    """Decode a MIME parameter as returned by ``Message.get_param``; never raises.

    RFC 2231 values arrive as ``(charset, language, text)`` with the text already
    percent-decoded into one character per byte (``email.utils.decode_params``).
    """
    if isinstance(value, tuple):
        charset, _language, text = value
        data = (text or "").encode("raw-unicode-escape")
        codec = lookup_charset(charset)
        decoded: str | None = None
        if codec is not None:
            try:
                decoded = data.decode(codec)
            except (UnicodeDecodeError, LookupError, ValueError):
                decoded = None
        return decoded if decoded is not None else _fallback(data)[0]
    return decode_header_value(value).strip()
