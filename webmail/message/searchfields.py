"""What search compares of a message: its fields folded, so that every path decides alike.

Pure: no Flask, no IMAP, no database, no I/O. :func:`fold` is the one folding of text (NFKC,
Unicode case folding, controls and runs of white space as one space), :func:`fold_host` the
one of a host name (ASCII case only, as DNS compares). :func:`searchable` gives the folded
fields of a ``MessageSummary``; the index stores the same (:func:`search_columns`), so the
SQLite index's SQL, the Redis index and the list without an index all decide on the same
strings with the same rule (:meth:`webmail.message.query.Query.matches`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = [
    "Fields",
    "Searchable",
    "blank_controls",
    "fold",
    "fold_host",
    "search_columns",
    "searchable",
]

# C0 and C1 controls, DEL, and the separators and format characters that look like nothing:
# read as white space (a CR/LF in a query ends a word, never reaches a server).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\ufeff]")
_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def blank_controls(text: str) -> str:
    """``text`` with each control and invisible separator or format character as a space."""
    return _CONTROL.sub(" ", text)


def fold(text: str) -> str:
    """``text`` as search compares it: NFKC, case-folded, control characters as spaces, runs
    of white space as one space, no space at either end. Never raises."""
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text).casefold()
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
    return " ".join(text.split())


def fold_host(host: str | None) -> str:
    """A host name as ``held:`` compares it: ASCII letters lower-cased, nothing else changed
    (RFC 4343: DNS names are case-insensitive in ASCII only); ``""`` for ``None``."""
    return (host or "").translate(_ASCII_UPPER)


class Searchable(Protocol):
    """What a row is searched on (see :func:`searchable`): folded text fields, flags, times."""

    @property
    def subject(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def recipients(self) -> str: ...
    @property
    def flags(self) -> frozenset[str]: ...
    @property
    def attachments(self) -> bool: ...
    @property
    def late(self) -> bool: ...
    @property
    def held(self) -> str: ...
    @property
    def sent(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Fields:
    """The searched form of one row (a :class:`Searchable`).

    :ivar subject: the folded Subject.
    :ivar sender: the folded From display name and address, joined by a newline.
    :ivar recipients: the folded To and Cc, joined by a newline.
    :ivar flags: the IMAP flags.
    :ivar attachments: the row's paperclip.
    :ivar late: the analysis says it arrived late.
    :ivar held: the host it waited longest at (:func:`fold_host`), or ``""``.
    :ivar sent: the true sent time, epoch seconds (as the index stores it).
    """

    subject: str
    sender: str
    recipients: str
    flags: frozenset[str]
    attachments: bool
    late: bool
    held: str
    sent: int


class _Row(Protocol):
    """The attributes of a ``MessageSummary`` that :func:`searchable` reads."""

    @property
    def subject(self) -> str: ...
    @property
    def sender_name(self) -> str: ...
    @property
    def sender_address(self) -> str: ...
    @property
    def recipients(self) -> str: ...
    @property
    def cc(self) -> str: ...
    @property
    def flags(self) -> frozenset[str]: ...
    @property
    def has_attachments(self) -> bool: ...
    @property
    def late(self) -> bool: ...
    @property
    def held_at(self) -> str | None: ...
    @property
    def sent(self) -> datetime: ...


def search_columns(row: _Row) -> tuple[str, str, str]:
    """The folded (subject, sender, recipients) of a row, as the index stores them. The parts
    of a field are joined by a newline, which no folded search word holds, so a phrase never
    matches across two of them."""
    return (
        fold(row.subject),
        fold(row.sender_name) + "\n" + fold(row.sender_address),
        fold(row.recipients) + "\n" + fold(row.cc),
    )


def searchable(row: _Row) -> Fields:
    """The searched form of a list row (``MessageSummary``, or any row with its attributes)."""
    subject, sender, recipients = search_columns(row)
    return Fields(
        subject=subject,
        sender=sender,
        recipients=recipients,
        flags=row.flags,
        attachments=row.has_attachments,
        late=row.late,
        held=fold_host(row.held_at),
        sent=int(row.sent.timestamp()),
    )
