"""DemoMailbox: the bundled outage replay, in memory, through the same :class:`Mailbox` Protocol.

Log in with ``demo`` / ``demo``. The mail is real RFC 5322 messages built at start by
:mod:`webmail.mailbox.demodata` (a provider outage: mail sent Friday evening to Sunday, held at
``mx2.example.com`` and delivered Sunday night to Wednesday out of order, mixed with on-time
mail, one message without a Date header and one spam dated years in the future), so the header
library analyses them for real.

State lives in a :class:`~webmail.mailbox.demostore.DemoStore`. Every :class:`DemoMailbox`
made without an explicit store shares one store per process (:func:`default_store`): flag
changes and moves are seen by every session of the process and vanish when it exits. Tests
pass their own ``DemoStore()`` (or call :func:`reset_default_store`) to start from the
pristine mailbox. The store's names are importable from here too.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from email import policy as email_policy
from email.message import Message
from email.parser import BytesParser
from typing import cast

from webmail.mailbox import (
    SECTION,
    AuthError,
    ConnectionLost,
    Folder,
    FullMessage,
    MessageSummary,
    Moved,
    NotFound,
    Order,
    Page,
    ServerRefused,
    sort_folders,
)
from webmail.mailbox.demodata import (
    DEMO_ADDRESS,
    FUTURE_SPAM,
    HELD_HOST,
    LOCAL,
    MAILSTORE_HOST,
    NO_DATE,
    OUTAGE,
    outage_friday,
)
from webmail.mailbox.demostore import (
    DELIMITER,
    DEMO_FOLDERS,
    DemoStore,
    StoredMessage,
    default_store,
    reset_default_store,
    stored_message,
)
from webmail.mailbox.paging import paginate
from webmail.message.parse import parse_message
from webmail.message.searchfields import fold
from webmail.message.summary import header_block, summarize
from webmail.message.text import decode_header_line

__all__ = [
    "DEMO_ADDRESS",
    "DEMO_FOLDERS",
    "DEMO_PASSWORD",
    "DEMO_USERNAME",
    "FUTURE_SPAM",
    "HELD_HOST",
    "MAILSTORE_HOST",
    "NO_DATE",
    "OUTAGE",
    "DemoMailbox",
    "DemoStore",
    "check_demo_credentials",
    "default_store",
    "outage_friday",
    "reset_default_store",
]

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
TRASH = "Trash"
INBOX_NAME = "INBOX"


def check_demo_credentials(username: str, password: str) -> None:
    """Return when the demo credentials are right; raise :class:`AuthError` otherwise."""
    ok_user = hmac.compare_digest(username.strip().encode(), DEMO_USERNAME.encode())
    ok_pass = hmac.compare_digest(password.encode(), DEMO_PASSWORD.encode())
    if not (ok_user and ok_pass):
        raise AuthError("demo login refused")


def _section(raw: bytes, section: str) -> tuple[Message, bool]:
    """The part of ``raw`` at IMAP ``section`` (RFC 3501 §6.4.5 numbering) and whether it is a
    single-part message's own body; raises NotFound."""
    if not SECTION.fullmatch(section):
        raise NotFound(f"bad section {section!r}")
    part: Message = BytesParser(policy=email_policy.compat32).parsebytes(raw)
    top = part
    for index in (int(n) for n in section.split(".")):
        payload = part.get_payload()
        if part.get_content_type() == "message/rfc822" and isinstance(payload, list) and payload:
            part = cast(Message, payload[0])  # the attached message: parts numbered from 1
            payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list) and index <= len(payload):
            part = cast(Message, payload[index - 1])
        elif not part.is_multipart() and index == 1:
            if part is top:
                return part, True
        else:
            raise NotFound(f"no part {section}")
    return part, False


def _searched_text(raw: bytes) -> str:
    """What the demo's TEXT search looks in: the header fields decoded, and the text and HTML
    bodies, folded (:func:`webmail.message.query.fold`)."""
    parsed = parse_message(raw)
    fields = "\n".join(decode_header_line(line) for line in header_block(raw).splitlines())
    bodies = [b.text for b in (parsed.text, parsed.html) if b is not None]
    return fold("\n".join([fields, *bodies]))


class DemoMailbox:
    """The :class:`~webmail.mailbox.Mailbox` Protocol over a :class:`DemoStore`.

    ``threshold`` is the late-mail threshold passed to the header analysis. Every method raises
    :class:`~webmail.mailbox.NotFound` for an unknown folder or UID, and
    :class:`~webmail.mailbox.ConnectionLost` after :meth:`close`.
    """

    def __init__(
        self, store: DemoStore | None = None, threshold: timedelta = timedelta(minutes=60)
    ) -> None:
        self.store = store if store is not None else default_store()
        self.threshold = threshold
        self._closed = False

    def _folder(self, folder: str) -> dict[int, StoredMessage]:
        if self._closed:
            raise ConnectionLost("demo mailbox is closed")
        try:
            return self.store.folders[folder]
        except KeyError:
            raise NotFound(f"no folder {folder!r}") from None

    def _message(self, folder: str, uid: int) -> StoredMessage:
        try:
            return self._folder(folder)[uid]
        except KeyError:
            raise NotFound(f"no message {uid} in {folder!r}") from None

    def _summary(self, folder: str, uid: int, s: StoredMessage) -> MessageSummary:
        return summarize(
            uid=uid,
            folder=folder,
            header=s.header,
            arrival=s.arrival,
            flags=s.flags,
            size=len(s.raw),
            has_attachments=s.has_attachments,
            threshold=self.threshold,
        )

    def noop(self) -> None:
        """Check the mailbox is usable (IMAP NOOP's counterpart); ConnectionLost if closed."""
        if self._closed:
            raise ConnectionLost("demo mailbox is closed")

    def folders(self, skip_status: Collection[str] = ()) -> list[Folder]:
        """The six demo folders with roles and counts, special-use roles first (counting
        costs nothing here: ``skip_status`` is not needed)."""
        known = {name: (display, role) for name, display, role in DEMO_FOLDERS}
        with self.store.lock:
            result = [
                Folder(
                    name=name,
                    display_name=known.get(name, (name.rsplit(DELIMITER, 1)[-1], None))[0],
                    role=known.get(name, ("", None))[1],
                    unseen=sum(1 for s in self._folder(name).values() if "\\Seen" not in s.flags),
                    total=len(self._folder(name)),
                    delimiter=DELIMITER,
                    depth=name.count(DELIMITER),
                )
                for name in self.store.folders  # the six, and any the reader made
            ]
        return sort_folders(result)

    def summaries(self, folder: str) -> list[MessageSummary]:
        """Every message of ``folder`` as list rows, in UID order; never marks read."""
        with self.store.lock:
            snapshot = [(uid, s.copy()) for uid, s in sorted(self._folder(folder).items())]
        return [self._summary(folder, uid, s) for uid, s in snapshot]

    def list_messages(
        self, folder: str, order: Order, number: int, size: int, *, late_only: bool = False
    ) -> Page[MessageSummary]:
        """One page of the folder's summaries, sorted in memory."""
        return paginate(self.summaries(folder), number, size, order=order, late_only=late_only)

    def message(self, folder: str, uid: int) -> FullMessage:
        """The whole message; does not mark it read; raises NotFound."""
        with self.store.lock:
            s = self._message(folder, uid).copy()
        return FullMessage(summary=self._summary(folder, uid, s), raw=s.raw)

    def part_header(self, folder: str, uid: int, section: str) -> bytes:
        """The MIME header block of the part at IMAP ``section``; raises NotFound."""
        with self.store.lock:
            raw = self._message(folder, uid).raw
        part, single = _section(raw, section)
        if single:
            return header_block(raw)
        return b"".join(f"{k}: {v}\r\n".encode("ascii", "surrogateescape") for k, v in part.items())

    def part_bytes(self, folder: str, uid: int, section: str, offset: int, length: int) -> bytes:
        """A slice of the part's body as stored (transfer-encoded); ``b""`` past the end."""
        with self.store.lock:
            raw = self._message(folder, uid).raw
        part, _ = _section(raw, section)
        payload = part.get_payload()
        if isinstance(payload, list):  # message/rfc822: the whole attached message
            inner = cast(Message, payload[0]) if payload else None
            body = inner.as_bytes(policy=email_policy.compat32) if inner is not None else b""
        else:
            body = str(payload).encode("ascii", "surrogateescape")
        return body[offset : offset + max(0, length)]

    def search_text(self, folder: str, text: str) -> frozenset[int]:
        """The UIDs whose decoded headers or body text hold ``text``, case-insensitively (as
        IMAP SEARCH TEXT does on a server); raises NotFound for an unknown folder."""
        needle = fold(text)
        with self.store.lock:
            items = [(uid, s.raw) for uid, s in self._folder(folder).items()]
        return frozenset(uid for uid, raw in items if needle and needle in _searched_text(raw))

    # -- organising several messages, folders (issue 11) -----------------------------------

    def folder_uids(self, folder: str) -> list[int]:
        """Every UID of ``folder``, ascending."""
        with self.store.lock:
            return sorted(self._folder(folder))

    def flag_messages(
        self, folder: str, uids: Iterable[int], add: Iterable[str] = (),
        remove: Iterable[str] = (),
    ) -> None:
        """Add then remove flags on every one of ``uids`` still there."""
        add, remove = tuple(add), tuple(remove)
        with self.store.lock:
            messages = self._folder(folder)
            for uid in uids:
                if uid in messages:
                    messages[uid].change_flags(add, remove)

    def move_messages(self, folder: str, uids: Iterable[int], target: str) -> Moved:
        """Refile the messages under new UIDs of ``target`` (in UID order, as COPYUID
        numbers them); NotFound for a missing ``target``."""
        with self.store.lock:
            source = self._folder(folder)
            self._folder(target)
            if target == folder:
                return Moved(folder, target, 0)
            mapping: dict[int, int] = {}
            for uid in sorted(set(uids)):
                stored = source.pop(uid, None)
                if stored is not None:
                    mapping[uid] = self.store.file(target, stored)
            return Moved(folder, target, len(mapping), mapping)

    def destroy_messages(self, folder: str, uids: Iterable[int]) -> int:
        """Delete the messages for good; how many went."""
        with self.store.lock:
            messages = self._folder(folder)
            return sum(messages.pop(uid, None) is not None for uid in set(uids))

    def message_bytes(self, folder: str, uid: int, offset: int, length: int) -> bytes:
        """A slice of the message as stored; ``b""`` past the end."""
        with self.store.lock:
            raw = self._message(folder, uid).raw
        return raw[max(0, offset) : max(0, offset) + max(0, length)]

    def create_folder(self, name: str) -> None:
        """A new empty folder; ServerRefused when one of that name exists."""
        with self.store.lock:
            self._folder(INBOX_NAME)  # raises ConnectionLost when closed
            if name in self.store.folders or not name.strip(DELIMITER):
                raise ServerRefused("[ALREADYEXISTS] Mailbox already exists", changing=True)
            self.store.folders[name] = {}
            self.store.uidnext[name] = 1

    def rename_folder(self, name: str, new_name: str) -> None:
        """Rename the folder and its subfolders; INBOX and a taken name are refused."""
        with self.store.lock:
            self._folder(name)
            if name == INBOX_NAME or new_name in self.store.folders:
                raise ServerRefused("[CANNOT] Cannot rename to that name", changing=True)
            moving = [f for f in self.store.folders
                      if f == name or f.startswith(name + DELIMITER)]
            for old in moving:
                new = new_name + old[len(name):]
                self.store.folders[new] = self.store.folders.pop(old)
                self.store.uidnext[new] = self.store.uidnext.pop(old)

    def delete_folder(self, name: str) -> None:
        """Delete the folder and its messages; INBOX is refused."""
        with self.store.lock:
            self._folder(name)
            if name == INBOX_NAME:
                raise ServerRefused("[CANNOT] INBOX cannot be deleted", changing=True)
            del self.store.folders[name]
            self.store.uidnext.pop(name, None)

    def set_flags(
        self, folder: str, uid: int, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        """Add then remove flags on one message (``\\Recent`` is ignored, as servers do)."""
        with self.store.lock:
            self._message(folder, uid).change_flags(add, remove)

    def move_to_trash(self, folder: str, uid: int) -> None:
        """Move the message to Trash under a new UID; in Trash itself, delete it for good."""
        with self.store.lock:
            s = self._message(folder, uid)
            del self.store.folders[folder][uid]
            if folder != TRASH:
                self.store.file(TRASH, s)

    # -- writing (webmail.outbox): the Sent copy, drafts, demo delivery --------------------

    def role_folder(self, role: str, *, create: bool = True) -> str | None:
        """The demo folder with ``role`` (Sent, Drafts, ...); the demo has all of them."""
        return next((name for name, _, r in DEMO_FOLDERS if r == role), None)

    def append(
        self, folder: str, raw: bytes, flags: Iterable[str] = (), when: datetime | None = None
    ) -> int:
        """File ``raw`` in ``folder`` under the next UID, arrived ``when`` (default now)."""
        stored = stored_message(raw, (when or datetime.now(UTC)).astimezone(UTC), flags, LOCAL)
        with self.store.lock:
            self._folder(folder)
            return self.store.file(folder, stored)

    def replace(self, folder: str, uid: int, raw: bytes, flags: Iterable[str] = ()) -> int:
        """File the new version, then delete message ``uid`` for good."""
        new = self.append(folder, raw, flags)
        self.remove(folder, uid)
        return new

    def remove(self, folder: str, uid: int) -> None:
        """Delete one message for good; one already gone is no error."""
        with self.store.lock:
            self._folder(folder).pop(uid, None)

    def close(self) -> None:
        """Mark the mailbox closed; later calls raise ConnectionLost. Idempotent."""
        self._closed = True
