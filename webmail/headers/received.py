"""Received headers (RFC 5321 §4.4) as real MTAs write them.

    Received = "from" From-domain "by" By-domain [Via] [With] [ID] [For] ";" date-time

Real headers drop clauses, reorder them, add free text (Exchange's ``with Microsoft SMTP
Server (...) id 15.20...``, qmail's ``(qmail 123 invoked by uid 1000)``), nest comments and
fold over many lines. :func:`parse_received` reads them with one linear scan over tokens:
comments are skipped, and each keyword ``from``/``by``/``via``/``with``/``id``/``for``
(any case) takes the first word after it; the time is the date-time after the last ``;``
outside comments. It never raises.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime

from webmail.headers.dates import (
    MAX_DATE_CHARS,
    OUT_OF_RANGE,
    fast_date,
    general_date_value,
    strip_comments,
)
from webmail.headers.model import Hop

# Clause text scanned per header; a longer header keeps its head for the clauses and its
# tail for the date (the date is at the end).
MAX_RECEIVED_CHARS = 8192

_PARENS = re.compile(r"\\.|[()]", re.DOTALL)
# A comment without nesting or quoted pairs (as dates.strip_comments removes first).
_SIMPLE_COMMENT = re.compile(r"\([^()\\]*\)")
# Comments nested this deep are removed on the common path (real mail: "(Exim 4.96 #2 (Debian))",
# "(using TLSv1.3 with cipher ... (256/256 bits))"); deeper ones go the general way.
_NESTING_LEVELS = 4
# A keyword (a whole word, any case) and the word after it, comments already removed.
_CLAUSE = re.compile(r"(?<!\S)(from|by|via|with|id|for)\s+(\S+)", re.IGNORECASE)
_KEYWORDS = frozenset(("from", "by", "via", "with", "id", "for"))
# Each keyword in every mix of cases -> the keyword in lower case (ASCII only).
_KEYWORD_OF = {
    "".join(letters): keyword
    for keyword in _KEYWORDS
    for letters in itertools.product(*((c, c.upper()) for c in keyword))
}


def parse_received(text: str | bytes) -> Hop:
    """Read one Received header value into a :class:`Hop`.

    ``from_``, ``by``, ``via``, ``with_`` and ``id`` are the first word after their
    keyword (the first occurrence, outside comments, before the date); ``for_`` is the
    address without angle brackets; ``time`` is the date-time after the last ``;``
    outside comments (tz-aware) or ``None``. ``delay_seconds`` is left ``None`` (the
    chain sets it). Never raises; linear in the input.
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    elif not isinstance(text, str):
        return Hop(warnings=("Received header is not text",))
    return Hop(*scan_received(text))


HopParts = tuple[
    str | None, str | None, str | None, str | None, str | None, str | None, datetime | None,
    None, str, tuple[str, ...],
]  # fmt: skip


def scan_received(text: str) -> HopParts:
    """The fields of :class:`Hop`, in order, for ``Hop(*parts)`` (see :func:`parse_received`).

    The common Received header is read here; any other goes to :func:`scan_received_general`,
    which gives the same parts for every header read here (``tests/headers/test_fast_paths.py``).

    Common: ASCII, within the cap, a last ``;`` with the date after it (a ``(PST)`` comment at
    most), comments before it without quoted pairs, balanced and nested at most
    :data:`_NESTING_LEVELS` deep, no keyword right after a keyword. The clauses are then the
    words after each keyword, found by splitting on white space (the general scan's regular
    expression finds the same pairs: a keyword is a whole word, its value the next word); the
    date goes through :func:`fast_date` first.
    """
    if len(text) > MAX_RECEIVED_CHARS or not text.isascii():
        return scan_received_general(text)
    semicolon = text.rfind(";")
    if semicolon < 0:
        return scan_received_general(text)
    after = text[semicolon + 1 :]
    if ")" in after:
        opening = after.find("(")
        if after.count(")") != 1 or "\\" in after or not 0 <= opening < after.find(")"):
            return scan_received_general(text)
    clauses = text[:semicolon]
    if "(" in clauses or ")" in clauses:
        if "\\" in clauses:
            return scan_received_general(text)
        clauses = _SIMPLE_COMMENT.sub(" ", clauses)
        if "(" in clauses or ")" in clauses:  # nested: "(Exim 4.96 (Debian))"
            unnested = _nested_comments_removed(clauses)
            if unnested is None:
                return scan_received_general(text)
            clauses = unnested
    words = clauses.replace(";", " ").split()
    values: dict[str, str] = {}
    keyword_of = _KEYWORD_OF
    rest = iter(words)
    for word in rest:
        if word in keyword_of:
            value = next(rest, None)  # the keyword's value (None: it was the last word)
            if value is None:
                break
            if value in keyword_of:  # "from by x": the general scan redoes it word by word
                return scan_received_general(text)
            keyword = keyword_of[word]
            if keyword not in values:
                values[keyword] = value
    time, hop_warnings = _received_date(after)
    return _hop_parts(values, time, text, hop_warnings)


def _nested_comments_removed(clauses: str) -> str | None:
    """``clauses`` (no quoted pairs, innermost comments already removed) with its nested
    comments removed innermost first, as many times as they nest (at most
    :data:`_NESTING_LEVELS` in all): each outermost comment ends as one space, the result of
    ``dates.strip_comments``. ``None`` when a parenthesis has no partner (a stray ``)`` or an
    unterminated comment, which the general scan reports) or the comments nest deeper."""
    for _ in range(_NESTING_LEVELS - 1):
        clauses, removed = _SIMPLE_COMMENT.subn(" ", clauses)
        if "(" not in clauses and ")" not in clauses:
            return clauses
        if not removed:
            return None
    return None


def _hop_parts(
    values: dict[str, str], time: datetime | None, text: str, warnings: tuple[str, ...]
) -> HopParts:
    """:data:`HopParts` from a header's clauses by keyword, its time and its warnings."""
    get = values.get
    for_ = get("for")
    if for_ is not None:
        for_ = for_.rstrip(",").strip("<>") or None
    return (
        get("from"),
        get("by"),
        get("via"),
        get("with"),
        get("id"),
        for_,
        time,
        None,
        text.strip(),
        warnings,
    )


def _received_date(after: str) -> tuple[datetime | None, tuple[str, ...]]:
    """The time after the last ``;`` and the hop's date warnings: both scans' one reading."""
    time = fast_date(after)
    if time is not None:
        return time, ()
    warnings: list[str] = []
    if after and not after.isspace():
        date_warnings: list[str] = []
        time = general_date_value(after, date_warnings)
        if time is None:
            what = "out of range" if OUT_OF_RANGE in date_warnings else "unreadable"
            warnings.append(f"Received date {what}: {after.strip()[:80]!r}")
        elif date_warnings:
            warnings.extend(f"Received date: {w}" for w in date_warnings)
    else:
        warnings.append("Received header has no date")
    return time, tuple(warnings)


def scan_received_general(text: str) -> HopParts:
    """:func:`scan_received` without its fast path: every Received header, however odd."""
    warnings: list[str] = []
    tail = ""
    if len(text) > MAX_RECEIVED_CHARS:
        warnings.append(f"Received header longer than {MAX_RECEIVED_CHARS} characters was cut")
        tail = text[-MAX_DATE_CHARS:]
        text = text[:MAX_RECEIVED_CHARS]
    clause_text, date_text = _split_date(text)
    if tail:
        date_text = tail.rpartition(";")[2]
    comment_warnings: list[str] = []
    words = strip_comments(clause_text, comment_warnings).replace(";", " ").split()
    if comment_warnings:
        warnings.append("unterminated comment in Received header")
    values: dict[str, str] = {}
    # The words joined by single spaces: _CLAUSE finds the same pairs (a keyword is a whole word,
    # its value the next word; str.split and \s agree on white space) in a text that may have
    # been 8 KB of white space or ";".
    for keyword, word in _CLAUSE.findall(" ".join(words)):
        lower = keyword.lower()
        if word.lower() in _KEYWORDS:  # "from by x": redo it word by word
            values = _clauses_by_word(words)
            break
        if lower not in values:
            values[lower] = word
    time, date_warnings = _received_date(date_text)
    return _hop_parts(values, time, text, (*warnings, *date_warnings))


def _clauses_by_word(words: list[str]) -> dict[str, str]:
    """Each keyword's first following word, where a keyword may follow a keyword."""
    values: dict[str, str] = {}
    pending: str | None = None
    for word in words:
        lower = word.lower() if len(word) <= 4 else ""
        if lower in _KEYWORDS:
            pending = lower if lower not in values else None
            continue
        if pending is not None:
            values[pending] = word
            pending = None
    return values


def _split_date(text: str) -> tuple[str, str]:
    """Split at the last ``;`` outside comments: ``(clauses, date text)``.

    Without such a ``;`` the date text is empty, unless an unterminated comment
    swallowed the last ``;`` (then that one is used).
    """
    semicolon = text.rfind(";")
    if semicolon < 0:
        return text, ""
    after = text[semicolon + 1 :]
    if ")" not in after or _closes_no_comment(after):  # usually "... +0000 (PST)"
        return text[:semicolon], after
    # The last ";" is inside a comment: find the last one at depth 0 (rare, linear).
    depth = 0
    last = -1
    escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == ";" and depth == 0:
            last = index
    if last < 0:
        return text[:semicolon], after
    return text[:last], text[last + 1 :]


def _closes_no_comment(text: str) -> bool:
    """``text`` never closes a comment it did not open (so it starts outside one)."""
    opening = text.find("(")
    if text.count(")") == 1 and "\\" not in text and 0 <= opening < text.find(")"):
        return True
    depth = 0
    for match in _PARENS.finditer(text):
        if match.group() == "(":
            depth += 1
        elif match.group() == ")":
            if depth == 0:
                return False
            depth -= 1
    return True
