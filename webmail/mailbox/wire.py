"""Reading raw IMAP responses fast, for the bulk paths of :mod:`webmail.mailbox.sync`.

imaplib returns an untagged FETCH response as items: ``(head, literal)`` tuples, one per
literal, then the trailing bytes (measured on Dovecot 2.3: imaplib reads 100,000 header blocks in
~0.7 s of CPU; imapclient's general parser adds ~50 µs per message). :func:`list_records`
reads the list fields item by item with anchored regexes (:func:`fast_record`, in any item
order: Cyrus sends FLAGS before UID) and falls back to
``imapclient.response_parser.parse_fetch_response`` for any response of another shape, so
an unusual server costs speed, never correctness.

Also here: sequence sets (RFC 3501 §9 ``sequence-set``) in and out, ESEARCH and VANISHED
data, and INTERNALDATE to epoch seconds without ``strptime``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from webmail.message.structure import bodystructure_has_attachments
from webmail.message.summary import (
    LIST_HEADER_FIELDS,
    MessageSummary,
    fixed_zone,
    header_block,
    summarize,
)

# One item of imaplib's response data.
Item = bytes | tuple[bytes, bytes] | None

LIST_ITEMS = "UID FLAGS INTERNALDATE RFC822.SIZE BODYSTRUCTURE"
SESSION_FLAGS = frozenset({"\\Recent"})

_MONTHS = {
    m.encode(): i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_INTERNALDATE = re.compile(
    rb"^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$"
)
# The fast reader takes a FETCH response apart item by item, in whatever order the server
# sends them: Dovecot and pymap send "UID n FLAGS (...) INTERNALDATE ...", Cyrus "FLAGS (...)
# UID n ...". One literal (the BODY[...] item) is allowed; it ends imaplib's first segment.
_SEQ_OPEN = re.compile(rb"\d+ \(")
# One item and its value per match (the group's name says which); ``body`` is the literal's
# item, which ends imaplib's segment, ``close`` the response's closing paren.
_ITEM = re.compile(
    rb" *(?:UID (?P<uid>\d+)|FLAGS \((?P<flags>[^()]*)\)|INTERNALDATE \"(?P<date>[^\"]*)\""
    rb"|RFC822\.SIZE (?P<size>\d+)|MODSEQ \((?P<modseq>\d+)\)|(?P<structure>BODYSTRUCTURE) "
    rb"|(?P<body>(?:BODY|BINARY)\[[^\]]*\](?:<\d+>)?) \{\d+\}$|(?P<close>\)) *$)",
    re.I,
)
# BODYSTRUCTURE's tokens that matter for finding its end: quoted strings (may hold parens),
# parens, and a literal (the fast reader then gives up).
_STRUCTURE_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[()]|\{\d+\}')
# Dovecot's order, the common case, in one match: the BODYSTRUCTURE is everything between its
# name and the literal's item that ends the segment (checked for balanced parens after).
_DOVECOT_HEAD = re.compile(
    rb'\d+ \(UID (\d+) FLAGS \(([^()]*)\) INTERNALDATE "([^"]*)" RFC822\.SIZE (\d+)'
    rb" BODYSTRUCTURE (\(.*\)) (?:BODY|BINARY)\[[^\]]*\](?:<\d+>)? \{\d+\}\Z",
    re.S,
)
_FLAGS_ITEM = re.compile(
    rb"\bUID (\d+)\b.*?\bFLAGS \(([^)]*)\)|\bFLAGS \(([^)]*)\).*?\bUID (\d+)\b", re.S
)
_UID_ITEM = re.compile(rb"\bUID (\d+)\b")


@dataclass(frozen=True, slots=True)
class ListRecord:
    """The list fields of one message as the server sent them.

    :ivar uid: the UID.
    :ivar flags: flags without the session flag ``\\Recent``.
    :ivar arrival: INTERNALDATE in epoch seconds.
    :ivar zone_minutes: INTERNALDATE's UTC offset in minutes (the server's zone).
    :ivar size: RFC822.SIZE.
    :ivar has_attachments: the BODYSTRUCTURE shows an attachment (``webmail.message.structure``).
    :ivar literal: the fetched ``BODY[...]``: the list's header fields
        (``BODY[HEADER.FIELDS (...)]``) or the whole message (``BODY[]``); b"" when absent.
    """

    uid: int
    flags: tuple[str, ...]
    arrival: int
    zone_minutes: int
    size: int
    has_attachments: bool
    literal: bytes


def internaldate(text: bytes) -> tuple[int, int] | None:
    """``b"27-Jan-2024 16:59:41 +0900"`` -> (epoch seconds, offset minutes); ``None`` if
    unreadable."""
    m = _INTERNALDATE.match(text)
    if m is None or m.group(2).capitalize() not in _MONTHS:
        return None
    g = m.groups()
    offset = (int(g[7]) * 60 + int(g[8])) * (-1 if g[6] == b"-" else 1)
    local = calendar.timegm(
        (int(g[2]), _MONTHS[g[1].capitalize()], int(g[0]), int(g[3]), int(g[4]), int(g[5]))
    )
    return local - offset * 60, offset


def _flags(text: bytes) -> tuple[str, ...]:
    return tuple(f for f in text.decode("utf-8", "replace").split() if f not in SESSION_FLAGS)


def messages(data: Iterable[Item]) -> Iterator[list[Item]]:
    """Group imaplib's FETCH data into one list of items per message (a message ends with
    its trailing bytes item, after any ``(head, literal)`` tuples)."""
    current: list[Item] = []
    for item in data:
        if item is None:
            continue
        current.append(item)
        if isinstance(item, bytes):
            yield current
            current = []
    if current:
        yield current


def _slow_record(items: list[Item]) -> ListRecord | None:
    """Any FETCH shape, through imapclient's parser; ``None`` without UID or INTERNALDATE."""
    # Imported here: the fast reader's common path (and a sync's helper processes, see
    # webmail.mailbox.analysis) never needs imapclient.
    from imapclient.response_parser import parse_fetch_response

    parsed: dict[Any, dict[bytes, Any]] = parse_fetch_response(
        items, normalise_times=False, uid_is_key=True
    )
    for uid, fields in parsed.items():
        if not isinstance(uid, int):
            continue
        header = b""
        for key, value in fields.items():
            if key.startswith(b"BODY[") and isinstance(value, bytes):
                header = value
        when = fields.get(b"INTERNALDATE")
        if not isinstance(when, datetime) or when.tzinfo is None:
            return None
        offset = when.utcoffset()
        text = b" ".join(i[0] if isinstance(i, tuple) else i for i in items if i is not None)
        return ListRecord(
            uid=uid,
            flags=tuple(
                str(f, "utf-8", "replace") if isinstance(f, bytes) else str(f)
                for f in fields.get(b"FLAGS", ())
                if f not in (b"\\Recent", "\\Recent")
            ),
            arrival=int(when.timestamp()),
            zone_minutes=0 if offset is None else int(offset.total_seconds() // 60),
            size=int(fields.get(b"RFC822.SIZE", 0) or 0),
            has_attachments=bodystructure_has_attachments(text),
            literal=header,
        )
    return None


def _structure_end(text: bytes, pos: int) -> int:
    """Where the parenthesised BODYSTRUCTURE starting at ``pos`` ends, or -1 (not a list, a
    literal inside it, or unbalanced)."""
    if text[pos : pos + 1] != b"(":
        return -1
    depth = 0
    for token in _STRUCTURE_TOKEN.finditer(text, pos):
        t = token.group()
        if t == b"(":
            depth += 1
        elif t == b")":
            depth -= 1
            if depth == 0:
                return token.end()
        elif t[:1] == b"{":
            return -1
    return -1


def _read_items(text: bytes, pos: int, fields: dict[str, bytes]) -> str:
    """Read items from ``pos`` into ``fields`` (by :data:`_ITEM`'s group names) until the
    literal's item (returns ``"body"``), the closing paren (``"close"``) or the end of
    ``text`` (``"end"``); ``""`` for anything else (an item the list does not ask for, a
    literal inside BODYSTRUCTURE)."""
    end = len(text)
    match = _ITEM.match
    while pos < end:
        m = match(text, pos)
        if m is None:
            return ""
        kind = m.lastgroup or ""
        if kind == "structure":
            stop = _structure_end(text, m.end())
            if stop < 0:
                return ""
            fields[kind] = text[m.end() : stop]
            pos = stop
            continue
        if kind in ("body", "close"):
            return kind
        fields[kind] = m.group(kind)
        pos = m.end()
    return "end"


def fast_record(items: list[Item]) -> ListRecord | None:
    """The record of one message's FETCH data read without a general parser, in any item
    order, or ``None`` when it has another shape (no literal or more than one, an item the
    list does not ask for, no UID or INTERNALDATE): then :func:`list_records` uses imapclient's
    parser."""
    if len(items) != 2 or not isinstance(items[0], tuple) or not isinstance(items[1], bytes):
        return None
    (head, literal), tail = items[0], items[1]
    if tail == b")":
        m = _DOVECOT_HEAD.match(head)
        if m is not None:
            uid_text, flags_text, date_text, size_text, structure = m.groups()
            when = internaldate(date_text)
            if when is not None and _structure_end(structure, 0) == len(structure):
                return ListRecord(
                    int(uid_text),
                    _flags(flags_text),
                    when[0],
                    when[1],
                    int(size_text),
                    bodystructure_has_attachments(structure),
                    literal,
                )
    start = _SEQ_OPEN.match(head)
    if start is None:
        return None
    fields: dict[str, bytes] = {}
    if _read_items(head, start.end(), fields) != "body":
        return None
    if tail != b")" and _read_items(tail, 0, fields) != "close":
        return None
    uid, date = fields.get("uid"), fields.get("date")
    when = internaldate(date) if date is not None else None
    if uid is None or when is None:
        return None
    structure = fields.get("structure")
    return ListRecord(
        int(uid),
        _flags(fields.get("flags", b"")),
        when[0],
        when[1],
        int(fields.get("size", b"0")),
        structure is not None and bodystructure_has_attachments(structure),
        literal,
    )


def list_records(data: Iterable[Item]) -> Iterator[ListRecord]:
    """The records of a ``UID FETCH ({LIST_ITEMS} BODY.PEEK[...])`` response (see
    :func:`fetch_items`): :func:`fast_record`, else imapclient's parser; messages without a
    UID or INTERNALDATE are skipped."""
    for items in messages(data):
        record = fast_record(items)
        if record is None:
            record = _slow_record(items)
        if record is not None:
            yield record


def fetched_uids(data: Iterable[Item]) -> list[int]:
    """The UIDs of a ``UID FETCH 1:* (UID)`` response, ascending, without duplicates."""
    out: set[int] = set()
    for item in data:
        text = item[0] if isinstance(item, tuple) else item
        if text:
            m = _UID_ITEM.search(text)
            if m is not None:
                out.add(int(m.group(1)))
    return sorted(out)


def flag_records(data: Iterable[Item]) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(uid, flags) of each message in a ``UID FETCH (UID FLAGS)`` response."""
    for items in messages(data):
        text = b" ".join(i[0] if isinstance(i, tuple) else i for i in items if i is not None)
        m = _FLAGS_ITEM.search(text)
        if m is not None:
            if m.group(1) is not None:
                yield int(m.group(1)), _flags(m.group(2))
            else:
                yield int(m.group(4)), _flags(m.group(3))


_MODSEQ = re.compile(rb"\bMODSEQ \((\d+)\)")


def modseqs(data: Iterable[Item]) -> list[int]:
    """The MODSEQ values in FETCH data (RFC 7162 §3.1.4.1)."""
    out: list[int] = []
    for item in data:
        text = item[0] if isinstance(item, tuple) else item
        if text:
            out.extend(int(m) for m in _MODSEQ.findall(text))
    return out


def parse_sequence_set(text: bytes | str) -> list[int]:
    """``"1:3,7,9:8"`` -> ``[1, 2, 3, 7, 8, 9]`` (ascending, no duplicates); ``*`` and junk
    are skipped."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    out: set[int] = set()
    for part in text.strip().split(","):
        low, _, high = part.partition(":")
        if not low.isdigit() or (high and not high.isdigit()):
            continue
        a, b = int(low), int(high or low)
        out.update(range(min(a, b), max(a, b) + 1))
    return sorted(out)


def sequence_set(uids: Sequence[int]) -> str:
    """Sorted ascending ``uids`` -> the shortest ``a:b,c`` form (ranges of consecutive UIDs)."""
    parts: list[str] = []
    i, n = 0, len(uids)
    while i < n:
        j = i
        while j + 1 < n and uids[j + 1] == uids[j] + 1:
            j += 1
        parts.append(str(uids[i]) if i == j else f"{uids[i]}:{uids[j]}")
        i = j + 1
    return ",".join(parts)


def esearch_uids(lines: Iterable[bytes]) -> list[int]:
    """UIDs from ``* ESEARCH (TAG "x") UID ALL 1:5,9`` data lines (no ALL: none)."""
    out: list[int] = []
    for line in lines:
        words = line.split()
        for i, word in enumerate(words[:-1]):
            if word.upper() == b"ALL":
                out.extend(parse_sequence_set(words[i + 1]))
    return sorted(set(out))


def vanished_uids(lines: Iterable[bytes]) -> list[int]:
    """UIDs from ``* VANISHED (EARLIER) 41,43:116`` data lines (RFC 7162 §3.2.10)."""
    out: list[int] = []
    for line in lines:
        text = line.strip()
        if text.upper().startswith(b"(EARLIER)"):
            text = text[len(b"(EARLIER)") :].strip()
        out.extend(parse_sequence_set(text))
    return sorted(set(out))


def fetch_items(fields: Sequence[str] | None = LIST_HEADER_FIELDS) -> str:
    """The FETCH item list of a list row (``fields``: the header fields it reads), or with
    ``fields=None`` of a whole message (``BODY.PEEK[]``)."""
    body = "BODY.PEEK[]" if fields is None else f"BODY.PEEK[HEADER.FIELDS ({' '.join(fields)})]"
    return f"({LIST_ITEMS} {body})"


def summary_of(record: ListRecord, folder: str, threshold: timedelta) -> MessageSummary:
    """The list row of a fetched record, built by ``webmail.message.summary.summarize``
    (the one row builder). Never raises on malformed headers."""
    return summarize(
        uid=record.uid,
        folder=folder,
        header=header_block(record.literal),
        arrival=datetime.fromtimestamp(record.arrival, fixed_zone(record.zone_minutes)),
        flags=record.flags,
        size=record.size,
        has_attachments=record.has_attachments,
        threshold=threshold,
    )
