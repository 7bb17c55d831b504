"""The search records and flag buckets of the Redis index: their format, written by
:mod:`.writes` and read by :mod:`.search`.

A row's search record is its folded subject, sender and recipients (which hold no control
character: :func:`webmail.message.query.fold`), the paperclip, the late verdict, sent and
arrival epochs, then the holding host last (it may hold anything: split at most 7 times),
joined by US (``\\x1f``). The records of 1024 UIDs are one string, one field of the folder's
``search`` hash: ``member RS record`` items joined by GS (``\\x1e``, ``\\x1d``); the
``flagbuckets`` hash holds the rows' flags the same way. A search reads a hundred strings,
not 100,000 fields.
"""

from __future__ import annotations

from collections.abc import Sequence

from webmail.index.rows import DB_ORDER
from webmail.message.query import Fields, fold_host

#: UIDs per field of the search and flagbuckets hashes.
BUCKET = 1024
#: The positions of a record's parts (:func:`record_parts`).
SUBJECT, SENDER, RECIPIENTS, ATTACHMENTS, LATE, SENT, ARRIVAL, HELD = range(8)

_SEP = "\x1f"  # between the parts of a record
_RS = "\x1e"  # between a member and its record
_GS = "\x1d"  # between the records of a bucket
_NO_SEPARATORS = str.maketrans({"\x1d": "\x00", "\x1e": "\x00"})
_ROW = {name: i for i, name in enumerate(DB_ORDER)}


def bucket_of(member: str) -> str:
    """The field of the search and flagbuckets hashes that holds ``member``'s record."""
    return str(int(member) // BUCKET)


def search_record(row: Sequence[object]) -> str:
    """A stored row's (``DB_ORDER``) search record. The separators of the bucket string never
    occur in it: the folded fields hold no control character, and the host's are replaced by
    NUL (no typed host holds one either, so neither matches anything)."""
    return _SEP.join((
        str(row[_ROW["search_subject"]]),
        str(row[_ROW["search_from"]]),
        str(row[_ROW["search_to"]]),
        "1" if row[_ROW["attachments"]] else "0",
        "1" if row[_ROW["delayed"]] else "0",
        str(int(row[_ROW["sent"]])),  # type: ignore[call-overload]
        str(int(row[_ROW["arrival"]])),  # type: ignore[call-overload]
        fold_host(row[_ROW["bottleneck"]]).translate(_NO_SEPARATORS),  # type: ignore[arg-type]
    ))


def bucket_flags(flags: object) -> str:
    """A row's flags as kept in its bucket: IMAP flags are atoms (no control character), but
    what a server sent is not trusted to keep the bucket's separators out."""
    return str(flags).translate(_NO_SEPARATORS)


def record_parts(record: str) -> list[str]:
    """A search record's eight parts, by the positions named above (``parts[SENT]``)."""
    return record.split(_SEP, 7)


def fields_of(parts: list[str], flags: frozenset[str]) -> Fields:
    """What :meth:`webmail.message.query.Query.matches` decides on, of a record's parts and
    the row's flags."""
    return Fields(
        subject=parts[SUBJECT], sender=parts[SENDER], recipients=parts[RECIPIENTS],
        flags=flags, attachments=parts[ATTACHMENTS] == "1", late=parts[LATE] == "1",
        held=parts[HELD], sent=int(parts[SENT]),
    )  # fmt: skip


def pack(records: dict[str, str]) -> str:
    """One bucket's string of member -> record (or flags), by member."""
    return _GS.join(f"{m}{_RS}{r}" for m, r in sorted(records.items()))


def unpack(text: str | None) -> dict[str, str]:
    """member -> record (or flags) of one bucket string; ``{}`` for none."""
    if not text:
        return {}
    out: dict[str, str] = {}
    for item in text.split(_GS):
        member, _, record = item.partition(_RS)
        out[member] = record
    return out


def unpack_holding(text: str | None, needle: str) -> dict[str, str]:
    """member -> record of the records of one bucket string that hold ``needle``, found by
    ``str.find`` over the whole string (no split of the other records). ``needle`` holds no
    separator (a folded word has no control character), so a hit never spans two records."""
    out: dict[str, str] = {}
    if not text:
        return out
    start = 0
    while (pos := text.find(needle, start)) >= 0:
        begin = text.rfind(_GS, 0, pos) + 1
        end = text.find(_GS, pos)
        if end < 0:
            end = len(text)
        member, _, record = text[begin:end].partition(_RS)
        if record:  # a hit in the member's digits alone is no hit
            out[member] = record
        start = end + 1
    return out


__all__ = [
    "ARRIVAL", "ATTACHMENTS", "BUCKET", "HELD", "LATE", "RECIPIENTS", "SENDER", "SENT",
    "SUBJECT", "bucket_flags", "bucket_of", "fields_of", "pack", "record_parts",
    "search_record", "unpack", "unpack_holding",
]
