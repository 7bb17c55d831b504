"""Changing an IMAP mailbox: flags, moves (to Trash, for Undo with the new UIDs), deletes,
and the outbox's writing (APPEND of the Sent copy and drafts, a draft replaced).

The one rule of removing messages is :meth:`Changes._expunge_these`: never another message
than those asked for, even on a server without UIDPLUS.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime

from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from webmail.mailbox import DELETED, Moved
from webmail.mailbox.connection import names_missing_folder, translated_errors
from webmail.mailbox.errors import NotFound, ServerRefused
from webmail.mailbox.fetching import FETCH_CHUNK
from webmail.mailbox.folders import Folders
from webmail.mailbox.rawimap import batches, imaplib_of, search_header_uids, uid_transfer

__all__ = ["Changes"]

_log = logging.getLogger(__name__)

_APPENDUID = re.compile(r"\[APPENDUID \d+ (\d+)\]", re.I)
# A Message-ID, to find a message again without APPENDUID or COPYUID: anything but white space
# and angle brackets between them (it goes to the server as a literal), on the field's line or
# folded onto the next.
_MESSAGE_ID = re.compile(rb"(?im)^message-id:\s*(<[^<>\s]{1,250}>)")
_MESSAGE_ID_ITEM = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
_MESSAGE_ID_KEY = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"


class Changes(Folders):
    """The changing operations of :class:`~webmail.mailbox.imap.ImapMailbox` (a move to Trash
    needs the folders: which is the Trash)."""

    # -- flags ---------------------------------------------------------------------------

    def _require(self, folder: str, uid: int) -> None:
        """Select ``folder`` read-write and check ``uid`` exists (STORE ignores missing UIDs)."""
        self._select(folder, readonly=False)
        if uid not in self.client.fetch([uid], ["FLAGS"]):
            raise NotFound(f"no message {uid} in {folder!r}")

    def _store(self, uids: list[int], add: Iterable[str], remove: Iterable[str]) -> None:
        """UID STORE +FLAGS.SILENT ``add``, then -FLAGS.SILENT ``remove``, on ``uids`` of the
        folder selected read-write, in chunks."""
        add, remove = [str(f) for f in add], [str(f) for f in remove]
        for chunk in batches(uids, FETCH_CHUNK):
            if add:
                self.client.add_flags(list(chunk), add, silent=True)
            if remove:
                self.client.remove_flags(list(chunk), remove, silent=True)

    def set_flags(
        self, folder: str, uid: int, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        """Add, then remove flags on one message (UID STORE); raises NotFound."""
        with translated_errors(changing=True):
            self._require(folder, uid)
            self._store([uid], add, remove)

    def flag_messages(
        self, folder: str, uids: Iterable[int], add: Iterable[str] = (),
        remove: Iterable[str] = (),
    ) -> None:
        """UID STORE +FLAGS.SILENT, then -FLAGS.SILENT, in chunks; raises NotFound for an
        unknown folder."""
        with translated_errors(changing=True):
            self._select(folder, readonly=False)
            self._store(sorted(set(uids)), add, remove)

    # -- deletes, moves ---------------------------------------------------------------------

    def _present(self, uids: Iterable[int]) -> list[int]:
        """Those of ``uids`` still in the selected folder, ascending (STORE and COPY ignore
        missing UIDs silently; the count must be right)."""
        wanted = sorted(set(uids))
        found: set[int] = set()
        for chunk in batches(wanted, FETCH_CHUNK):
            found.update(self.client.fetch(list(chunk), ["UID"]))
        return [u for u in wanted if u in found]

    def _expunge_these(self, uids: list[int]) -> tuple[int, ...]:
        """Remove ``uids`` from the folder selected read-write, and no other message: mark them
        ``\\Deleted``, then ``UID EXPUNGE`` exactly those (UIDPLUS, RFC 4315). Without UIDPLUS a
        plain EXPUNGE would also remove every message another client marked ``\\Deleted`` (RFC
        3501 §6.4.3), so it is sent only when a search finds no other: otherwise ``uids`` stay,
        marked ``\\Deleted`` (the list strikes them through) for the reader's own expunge in any
        client. Returns the UIDs left marked."""
        c = self.client
        for chunk in batches(uids, FETCH_CHUNK):
            c.add_flags(list(chunk), [DELETED], silent=True)
        if c.has_capability("UIDPLUS"):
            for chunk in batches(uids, FETCH_CHUNK):
                c.uid_expunge(list(chunk))
            return ()
        mine = set(uids)
        others = [u for u in c.search(["DELETED"]) if u not in mine]
        if others:
            _log.info(
                "no UIDPLUS and %d other message(s) marked \\Deleted: %d left marked",
                len(others), len(uids),
            )
            return tuple(uids)
        # The window between this SEARCH and the EXPUNGE is one round trip; RFC 3501 has no
        # way to close it without UIDPLUS.
        c.expunge()
        return ()

    def destroy_messages(self, folder: str, uids: Iterable[int]) -> int:
        """``\\Deleted`` and ``UID EXPUNGE`` of exactly ``uids`` (see :meth:`_expunge_these`);
        how many went (0 when they were left marked)."""
        with translated_errors(changing=True):
            self._select(folder, readonly=False)
            present = self._present(uids)
            if not present:
                return 0
            return 0 if self._expunge_these(present) else len(present)

    def _move(self, uid: int, target: str) -> None:
        """Move ``uid`` from the folder selected read-write to ``target``: MOVE (RFC 6851)
        where offered, else COPY + :meth:`_expunge_these`."""
        c = self.client
        if c.has_capability("MOVE"):
            c.move([uid], target)
            return
        c.copy([uid], target)
        self._expunge_these([uid])

    def move_to_trash(self, folder: str, uid: int) -> None:
        """Move to Trash; in Trash, delete for good. Never touches another message: see
        :meth:`_move` and :meth:`_expunge_these` (without MOVE and UIDPLUS the message may stay
        in ``folder`` marked ``\\Deleted``, its copy in Trash). A Trash deleted by another
        client since it was looked up is made again (the server said TRYCREATE)."""
        with translated_errors(changing=True):
            trash = self._trash_folder()
            self._require(folder, uid)
            if folder == trash:
                self._expunge_these([uid])
                return
            try:
                self._move(uid, trash)
            except IMAPClientAbortError:
                raise
            except IMAPClientError as exc:
                if "TRYCREATE" not in str(exc).upper():
                    raise
                self._trash = None
                trash = self._trash_folder()
                self._require(folder, uid)
                self._move(uid, trash)

    def move_messages(self, folder: str, uids: Iterable[int], target: str) -> Moved:
        """MOVE where offered, else COPY + :meth:`_expunge_these`; the new UIDs from COPYUID
        (:func:`webmail.mailbox.rawimap.uid_transfer`). A target that is not there is
        NotFound (the server's TRYCREATE)."""
        with translated_errors(changing=True):
            if target == folder:
                return Moved(folder, target, 0)
            self._select(folder, readonly=False)
            present = self._present(uids)
            if not present:
                return Moved(folder, target, 0)
            # Without UIDPLUS no COPYUID will say where they went: note the target's UIDNEXT
            # and their Message-IDs now, to find them there afterwards (for Undo).
            before = None if self.client.has_capability("UIDPLUS") else self._traces(
                present, target
            )
            try:
                if self.client.has_capability("MOVE"):
                    mapping = uid_transfer(self.client, "MOVE", present, target, FETCH_CHUNK)
                    kept: tuple[int, ...] = ()
                else:
                    mapping = uid_transfer(self.client, "COPY", present, target, FETCH_CHUNK)
                    kept = self._expunge_these(present)
            except ServerRefused as refused:
                if names_missing_folder(str(refused)):
                    raise NotFound(f"no folder {target!r}: {refused}") from None
                raise
            if before is not None and len(mapping) < len(present):
                mapping = {**self._found_again(target, *before), **mapping}
            return Moved(folder, target, len(present), mapping, kept)

    def _traces(self, uids: list[int], target: str) -> tuple[int, dict[int, bytes]] | None:
        """(the UIDNEXT of ``target``, UID -> Message-ID of those of ``uids`` in the selected
        folder that have one), or ``None`` when the target's STATUS is refused."""
        try:
            uidnext = self.client.folder_status(target, [b"UIDNEXT"]).get(b"UIDNEXT")
        except IMAPClientAbortError:  # the connection is gone: translated_errors says so
            raise
        except IMAPClientError:  # a NO: the move itself will say what is wrong
            return None
        if not isinstance(uidnext, int):
            return None
        ids: dict[int, bytes] = {}
        for chunk in batches(uids, FETCH_CHUNK):
            answer = self.client.fetch(list(chunk), [_MESSAGE_ID_ITEM])
            for uid, data in answer.items():
                found = _MESSAGE_ID.search(data.get(_MESSAGE_ID_KEY) or b"")
                if found is not None:
                    ids[uid] = found.group(1)
        return uidnext, ids

    def _found_again(self, target: str, uidnext: int, ids: dict[int, bytes]) -> dict[int, int]:
        """Old UID -> UID in ``target`` of the moved messages found there by Message-ID among
        the messages from ``uidnext`` (the target's UIDNEXT before the move) up: a move the
        server gave no COPYUID for. Each UID found is given once; a Message-ID that is not
        found is left out (that message cannot be put back by Undo)."""
        if not ids:
            return {}
        self._select(target, readonly=True)
        mapping: dict[int, int] = {}
        for old, message_id in sorted(ids.items()):
            found = self._with_message_id(message_id, uidnext)
            new = next((u for u in found if u not in mapping.values()), None)
            if new is not None:
                mapping[old] = new
        return mapping

    def _with_message_id(self, message_id: bytes, lowest: int = 1) -> list[int]:
        """UIDs from ``lowest`` up, ascending, of the selected folder's messages whose
        Message-ID holds ``message_id`` (:func:`webmail.mailbox.rawimap.search_header_uids`)."""
        esearch = self.client.has_capability("ESEARCH")
        return search_header_uids(
            imaplib_of(self.client), "Message-ID", message_id, lowest, esearch
        )

    # -- writing (webmail.outbox): the Sent copy, drafts ------------------------------------

    def append(
        self, folder: str, raw: bytes, flags: Iterable[str] = (), when: datetime | None = None
    ) -> int | None:
        """APPEND ``raw`` with ``flags``; the new UID from APPENDUID (UIDPLUS, RFC 4315), else
        found by its Message-ID, else ``None``."""
        with translated_errors():
            answer = self.client.append(folder, raw, flags=tuple(flags), msg_time=when)
            match = _APPENDUID.search(
                answer.decode("ascii", "replace") if isinstance(answer, bytes) else str(answer)
            )
            if match:
                return int(match.group(1))
            return self._uid_by_message_id(folder, raw)

    def _uid_by_message_id(self, folder: str, raw: bytes) -> int | None:
        """The highest UID in ``folder`` of a message with the Message-ID of ``raw``'s header,
        or ``None``: an APPEND the server gave no APPENDUID for."""
        found = _MESSAGE_ID.search(raw[: raw.find(b"\r\n\r\n") + 1 or len(raw)])
        if found is None:
            return None
        self._select(folder, readonly=True)
        uids = self._with_message_id(found.group(1))
        return max(uids) if uids else None

    def replace(
        self, folder: str, uid: int, raw: bytes, flags: Iterable[str] = ()
    ) -> int | None:
        """APPEND the new version, then :meth:`remove` the old one."""
        new = self.append(folder, raw, flags)
        self.remove(folder, uid)
        return new

    def remove(self, folder: str, uid: int) -> None:
        """Remove one message by :meth:`_expunge_these`, the rule every delete keeps (without
        UIDPLUS it may stay, marked ``\\Deleted``). A message already gone is no error."""
        with translated_errors():
            self._select(folder, readonly=False)
            if self._present([uid]):
                self._expunge_these([uid])
