"""The servers of the compatibility matrix, as the webmail and another mail client see them.

A :class:`Target` is one IMAP server the webmail is pointed at (``port``), with a way in for
"another client" (``client()``: straight to the server, never through a proxy) and fresh users.
The matrix (``tests/integration/test_compatibility.py``) runs one scenario against each:

- ``dovecot``: the shared Dovecot, special-use folders configured (``/`` as delimiter);
- ``dovecot-courier``: a Dovecot with Courier-IMAP's layout (``INBOX.`` prefix, ``.``
  delimiter, no special-use flags, so no SPECIAL-USE);
- ``pymap``: pymap, an independent implementation without NAMESPACE, CONDSTORE, QRESYNC,
  ESEARCH, LIST-STATUS, SPECIAL-USE, ENABLE or UNSELECT;
- ``dovecot-no-<EXT>``: the shared Dovecot behind a :class:`CapabilityProxy` hiding ``EXT``
  (and answering BAD to commands that need it), for each extension the webmail uses, one
  without MOVE and UIDPLUS together (GNU Mailutils imap4d's lot), and one without any;
- ``dovecot-cyrus-order``: FETCH responses with FLAGS before UID, as Cyrus sends them.

Mail is put in with APPEND (one MULTIAPPEND where offered), so every server gets the same
messages with the same INTERNALDATEs, however it stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from imapclient import IMAPClient

from tests.support.capproxy import EXTENSIONS, CapabilityProxy
from tests.support.imapserver import MailUser
from webmail.headers import analyze

#: The proxy variants of the matrix: id -> extensions hidden.
HIDDEN_VARIANTS: dict[str, tuple[str, ...]] = {
    **{f"dovecot-no-{ext}": (ext,) for ext in EXTENSIONS},
    "dovecot-no-MOVE-UIDPLUS": ("MOVE", "UIDPLUS"),
    "dovecot-bare": EXTENSIONS,
}
MAILDIR_FLAGS = {"\\Seen": "S", "\\Flagged": "F", "\\Answered": "R", "\\Draft": "D"}


@dataclass
class Target:
    """One server of the matrix.

    :ivar name: the matrix id.
    :ivar host: its address (127.0.0.1).
    :ivar port: where the webmail connects (a proxy's port for the proxy variants).
    :ivar direct_port: the server itself, for :meth:`client`.
    :ivar new_user: a user with an empty mailbox, for one test.
    :ivar prefix: the personal namespace prefix the server uses (``""`` or ``"INBOX."``).
    :ivar delimiter: its hierarchy delimiter.
    :ivar hidden: extensions a proxy hides from the webmail.
    :ivar proxy: that proxy, else ``None``.
    """

    name: str
    host: str
    port: int
    direct_port: int
    new_user: Callable[[], MailUser]
    prefix: str = ""
    delimiter: str = "/"
    hidden: frozenset[str] = field(default_factory=frozenset)
    proxy: CapabilityProxy | None = None

    def client(self, user: MailUser) -> IMAPClient:
        """Another mail client: logged in straight to the server."""
        c = IMAPClient(self.host, port=self.direct_port, ssl=False, timeout=30)
        c.normalise_times = False
        c.login(user.name, user.password)
        return c

    def offers(self, user: MailUser, extension: str) -> bool:
        """The webmail sees ``extension`` once logged in as ``user``: the server announces it
        and no proxy hides it."""
        if extension.upper() in self.hidden:
            return False
        c = self.client(user)
        try:
            return c.has_capability(extension)
        finally:
            c.logout()

    def folder(self, leaf: str) -> str:
        """A top-level folder's full name under the personal namespace (``INBOX.Trash``)."""
        return f"{self.prefix}{leaf}"


def append_all(
    client: IMAPClient, folder: str, messages: Iterable[tuple[bytes, datetime, Iterable[str]]]
) -> None:
    """APPEND every ``(raw, arrival, flags)`` to ``folder``, in order (so UIDs follow it): one
    MULTIAPPEND (RFC 3502) where offered, else one APPEND each."""
    batch = [(raw, when, tuple(flags)) for raw, when, flags in messages]
    if client.has_capability("MULTIAPPEND"):
        for i in range(0, len(batch), 100):
            client.multiappend(
                folder,
                [
                    {"msg": raw, "flags": flags, "date": when}
                    for raw, when, flags in batch[i : i + 100]
                ],
            )
        return
    for raw, when, flags in batch:
        client.append(folder, raw, flags=flags, msg_time=when)


@dataclass(frozen=True)
class Truth:
    """A folder as the server says it is, for comparing the webmail's pages with.

    :ivar by_sent: UIDs newest first by true sent time (the header analysis).
    :ivar by_arrival: UIDs newest first by INTERNALDATE.
    :ivar late: the late UIDs.
    :ivar flags: each UID's flags (without ``\\Recent``).
    :ivar message_ids: each UID's Message-ID.
    """

    by_sent: list[int]
    by_arrival: list[int]
    late: set[int]
    flags: dict[int, set[str]]
    message_ids: dict[int, str]


def truth_of(client: IMAPClient, folder: str = "INBOX") -> Truth:
    """What the server holds in ``folder``, read over ``client`` (read-only)."""
    client.select_folder(folder, readonly=True)
    uids = client.search("ALL")
    data: dict[int, Any] = (
        client.fetch(uids, ["INTERNALDATE", "FLAGS", "BODY.PEEK[HEADER]"]) if uids else {}
    )
    sent: dict[int, tuple[float, int]] = {}
    arrival: dict[int, tuple[float, int]] = {}
    late: set[int] = set()
    flags: dict[int, set[str]] = {}
    ids: dict[int, str] = {}
    for uid, item in data.items():
        arrived = item[b"INTERNALDATE"]
        header = item[b"BODY[HEADER]"]
        analysis = analyze(header, arrival=arrived)
        sent[uid] = ((analysis.sent or arrived).timestamp(), uid)
        arrival[uid] = (arrived.timestamp(), uid)
        if analysis.delayed:
            late.add(uid)
        flags[uid] = {f.decode() for f in item[b"FLAGS"]} - {"\\Recent"}
        ids[uid] = _message_id(header)
    return Truth(
        sorted(sent, key=sent.__getitem__, reverse=True),
        sorted(arrival, key=arrival.__getitem__, reverse=True),
        late,
        flags,
        ids,
    )


def _message_id(header: bytes) -> str:
    for line in header.replace(b"\r\n", b"\n").split(b"\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode("ascii", "replace")
    return ""


def uids_with_message_id(client: IMAPClient, folder: str, message_id: str) -> list[int]:
    """The UIDs in ``folder`` whose Message-ID is ``message_id`` (read-only)."""
    client.select_folder(folder, readonly=True)
    uids = client.search("ALL")
    if not uids:
        return []
    item = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
    return sorted(
        uid
        for uid, data in client.fetch(uids, [item]).items()
        if _message_id(data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"]) == message_id
    )
