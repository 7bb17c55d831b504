"""The imaplib connection under an imapclient one: the ONLY module that touches imapclient's
private attributes.

Why reach under imapclient at all: imapclient 4.x cannot fetch a UID range (``1:*``) and a
UID list must fit the server's line limit (Dovecot: 64 KiB, about 9,000 UIDs), so bulk
FETCH and SEARCH go through imaplib and are read by :mod:`webmail.mailbox.wire`;
``LIST ... RETURN (STATUS ...)`` (RFC 5819) has no imapclient method either. Should a future
imapclient rename these privates, this module is what changes.
"""

from __future__ import annotations

import imaplib
from collections.abc import Iterable, Sequence
from typing import Any

from imapclient import IMAPClient
from imapclient.imap_utf7 import decode as decode_utf7
from imapclient.response_parser import parse_response

from webmail.mailbox import wire
from webmail.mailbox.errors import ServerRefused

__all__ = [
    "batches",
    "create_with_use",
    "imaplib_of",
    "list_with_status",
    "search_header_uids",
    "search_text_uids",
    "search_uids",
    "uid_command",
    "uid_transfer",
]

Listed = tuple[tuple[bytes, ...], bytes | str | None, str]


def imaplib_of(client: IMAPClient) -> imaplib.IMAP4:
    """The imaplib connection the client drives (state, untagged responses, raw commands)."""
    imap: imaplib.IMAP4 = client._imap
    return imap


def uid_command(imap: imaplib.IMAP4, *args: str) -> list[Any]:
    """``UID <args>`` through imaplib; raises ServerRefused (with the server's words) on a NO,
    imaplib's error on a BAD."""
    typ, data = imap.uid(*args)
    if typ != "OK":
        words = data[0] if data and isinstance(data[0], bytes) else b""
        raise ServerRefused(f"UID {args[0]} failed: {words.decode('utf-8', 'replace')}")
    return list(data)


def search_uids(imap: imaplib.IMAP4, criteria: str, esearch: bool) -> list[int]:
    """UIDs matching ``criteria``, ascending (ESEARCH's compact answer when the server has it)."""
    if esearch:
        imap.untagged_responses.pop("ESEARCH", None)
        uid_command(imap, "SEARCH", "RETURN", "(ALL)", criteria)
        lines = imap.untagged_responses.pop("ESEARCH", [])
        return wire.esearch_uids(line for line in lines if isinstance(line, bytes))
    data = uid_command(imap, "SEARCH", criteria)
    return sorted({int(w) for line in data if line for w in line.split()})


def batches(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    """``items`` in consecutive slices of at most ``size``."""
    for i in range(0, len(items), max(1, size)):
        yield items[i : i + size]


def list_with_status(
    client: IMAPClient, *, special_use: bool
) -> tuple[list[Listed], dict[str, dict[bytes, Any]]]:
    """``LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN))`` (RFC 5819), with the ``SPECIAL-USE``
    return option too when ``special_use`` (only a server that offers SPECIAL-USE takes it,
    RFC 6154 §5): the folders as imapclient's ``list_folders`` gives them, and each folder's
    STATUS items by name. Raises imaplib's error on a NO or BAD."""
    imap = imaplib_of(client)
    options = "STATUS (MESSAGES UNSEEN)"
    if special_use:
        options = "SPECIAL-USE " + options
    imap.untagged_responses.pop("STATUS", None)  # none left over from an earlier command
    try:
        typ, data = imap._simple_command("LIST", '""', '"*"', "RETURN", f"({options})")
        client._checkok("list", typ, data)
    except imaplib.IMAP4.error:
        for leftover in ("LIST", "STATUS"):  # a refused LIST's partial answer is no answer
            imap.untagged_responses.pop(leftover, None)
        raise
    typ, data = imap._untagged_response(typ, data, "LIST")
    statuses: dict[str, dict[bytes, Any]] = {}
    for item in imap.untagged_responses.pop("STATUS", []):
        parsed = parse_response([item])
        name = (
            parsed[0].decode("ascii", "replace") if isinstance(parsed[0], bytes) else str(parsed[0])
        )
        statuses[decode_utf7(name) if client.folder_encode else name] = dict(
            zip(parsed[1][::2], parsed[1][1::2], strict=False)
        )
    folders: list[Listed] = client._proc_folder_list(data)
    return folders, statuses


def create_with_use(client: IMAPClient, name: str, use: str) -> None:
    """``CREATE name (USE (<use>))`` (RFC 6154 §3, CREATE-SPECIAL-USE), which imapclient's
    ``create_folder`` cannot send; raises imaplib's error on a NO or BAD."""
    imap = imaplib_of(client)
    encoded = client._normalise_folder(name)
    typ, data = imap._simple_command("CREATE", encoded, f"(USE ({use}))")
    client._checkok("create", typ, data)


def search_text_uids(imap: imaplib.IMAP4, text: str, esearch: bool) -> list[int]:
    """UIDs of the selected folder's messages holding ``text`` (``UID SEARCH [RETURN (ALL)]
    CHARSET UTF-8 TEXT <literal>``), ascending. The phrase always goes as a literal
    (``{n}`` then its UTF-8 bytes, RFC 3501 §4.3): no quote, parenthesis, ``*``, brace or
    line break in it can change the command. A server that refuses the UTF-8 charset (NO
    [BADCHARSET]) is asked again without one when the phrase is ASCII. Raises what
    :func:`uid_command` raises on a NO, imaplib's error on a BAD."""
    from webmail.mailbox.errors import MailboxError

    literal = text.encode("utf-8")
    head = ("SEARCH", "RETURN", "(ALL)") if esearch else ("SEARCH",)
    charsets: list[tuple[str, ...]] = [("CHARSET", "UTF-8")]
    if text.isascii():
        charsets.append(())
    for i, charset in enumerate(charsets):
        imap.untagged_responses.pop("ESEARCH", None)
        imap.literal = literal  # type: ignore[assignment]  # imaplib sends bytes as they are
        try:
            data = uid_command(imap, *head, *charset, "TEXT")
        except MailboxError as refused:  # uid_command's NO
            if "BADCHARSET" not in str(refused).upper() or i + 1 == len(charsets):
                raise
            continue
        finally:
            imap.literal = None
        if esearch:
            lines = imap.untagged_responses.pop("ESEARCH", [])
            return wire.esearch_uids(line for line in lines if isinstance(line, bytes))
        return sorted({int(w) for line in data if line for w in line.split()})
    return []


def search_header_uids(
    imap: imaplib.IMAP4, header: str, value: bytes, lowest: int, esearch: bool
) -> list[int]:
    """UIDs from ``lowest`` up of the selected folder's messages whose ``header`` (an atom such
    as ``Message-ID``) holds ``value``: ``UID SEARCH UID <lowest>:4294967295 HEADER <header>
    <literal>``, ascending. The value always goes as a literal, as in
    :func:`search_text_uids`: whatever a message's header held cannot change the command. The
    range is written out, not ``<lowest>:*`` (GNU Mailutils answers ``UID 1:*`` wrongly, and
    ``n:*`` holds the last message even when it is below ``n``). Raises as
    :func:`uid_command` does."""
    head = ("SEARCH", "RETURN", "(ALL)") if esearch else ("SEARCH",)
    imap.untagged_responses.pop("ESEARCH", None)
    imap.literal = value  # type: ignore[assignment]  # imaplib sends bytes as they are
    try:
        data = uid_command(imap, *head, "UID", f"{max(1, lowest)}:4294967295", "HEADER", header)
    finally:
        imap.literal = None
    if esearch:
        lines = imap.untagged_responses.pop("ESEARCH", [])
        found = wire.esearch_uids(line for line in lines if isinstance(line, bytes))
    else:
        found = sorted({int(w) for line in data if line for w in line.split()})
    return [u for u in found if u >= lowest]


def _uid_set(text: str, cap: int) -> list[int]:
    """The UIDs of an IMAP sequence set as written (``3:5,9`` -> 3, 4, 5, 9), at most ``cap``;
    a range runs up from its smaller end. Raises ValueError on anything else."""
    out: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition(":")
        a, b = int(low), int(high or low)
        out.extend(range(min(a, b), max(a, b) + 1))
        if len(out) > cap:
            raise ValueError("sequence set larger than the command's")
    return out


def uid_transfer(
    client: IMAPClient, command: str, uids: Sequence[int], folder: str, chunk: int = 1000
) -> dict[int, int]:
    """``UID COPY`` or ``UID MOVE`` (RFC 6851) of ``uids`` of the selected folder to
    ``folder`` (named as imapclient names folders: modified UTF-7, quoted), ``chunk`` UIDs a
    command. Returns old UID -> new UID from the COPYUID response codes (RFC 4315 §3; MOVE
    sends the same, RFC 6851 §4.3), only for the messages the server named; empty from a
    server without UIDPLUS. Raises ServerRefused (a refused change: status 409) with the
    server's words on a NO (TRYCREATE: the folder is missing), imaplib's error on a BAD."""
    from webmail.mailbox.errors import ServerRefused

    imap = imaplib_of(client)
    encoded = client._normalise_folder(folder)  # modified UTF-7 is ASCII, quoted when it must be
    target = encoded.decode("ascii") if isinstance(encoded, bytes) else str(encoded)
    mapping: dict[int, int] = {}
    for part in batches(sorted(set(uids)), chunk):
        imap.untagged_responses.pop("COPYUID", None)
        typ, data = imap.uid(command, wire.sequence_set(part), target)
        if typ != "OK":
            words = data[0] if data and isinstance(data[0], bytes) else b""
            raise ServerRefused(
                f"UID {command} failed: {words.decode('utf-8', 'replace')}", changing=True
            )
        for code in imap.untagged_responses.pop("COPYUID", []):
            fields = code.decode("ascii", "replace").split() if isinstance(code, bytes) else []
            try:
                source = _uid_set(fields[1], len(part))
                dest = _uid_set(fields[2], len(part))
            except (IndexError, ValueError):  # a code we cannot read: no UIDs, no harm
                continue
            mapping.update(zip(source, dest, strict=False))
    return mapping

