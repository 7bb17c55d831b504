"""The incremental part of :func:`webmail.mailbox.sync.sync_folder`: the extensions ENABLEd
and the folder left selected on a connection, the check of an unchanged folder, and the steps
for the rows already indexed: CONDSTORE flag changes, QRESYNC's VANISHED, else the comparison
of the server's UID set, and which new UIDs are missing.
"""

from __future__ import annotations

import imaplib
import logging
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from webmail.index.store import FolderState, IndexStore
from webmail.mailbox import wire
from webmail.mailbox.errors import NotFound, ServerRefused
from webmail.mailbox.rawimap import imaplib_of, search_uids, uid_command

_log = logging.getLogger("webmail.mailbox.sync")  # the sync's log, as before the split

# Which extensions were ENABLEd on a connection (ENABLE is only legal before SELECT).
_ENABLED: weakref.WeakKeyDictionary[IMAPClient, frozenset[str]] = weakref.WeakKeyDictionary()
# Which folder the last sync selected on a connection, and imaplib's untagged-response dict then.
# The dict is kept (not its id) so that a new dict can never be mistaken for it.
_SELECTED: weakref.WeakKeyDictionary[IMAPClient, tuple[str, dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


class Reselect(Exception):
    """The folder left selected by the last sync is not what it was (deleted, re-created with
    a new UIDVALIDITY, or the server complained): SELECT it again."""


def forget_selected(client: IMAPClient) -> None:
    """The next sync on ``client`` SELECTs its folder again (the server warned about the
    selected mailbox, e.g. Dovecot's ``* NO`` to a NOOP after another client deleted it)."""
    _SELECTED.pop(client, None)


def _is_selected(client: IMAPClient, folder: str) -> bool:
    """The last sync on this connection selected ``folder`` and nothing selected since."""
    last = _SELECTED.get(client)
    return (
        last is not None
        and last[0] == folder
        and last[1] is imaplib_of(client).untagged_responses
    )


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one sync did.

    :ivar added: rows inserted.
    :ivar flags_changed: rows whose flags were refreshed from the server.
    :ivar removed: rows deleted because their messages were expunged.
    :ivar rebuilt: UIDVALIDITY had changed: the old rows were dropped first.
    :ivar skipped: another worker holds this folder's sync lease; nothing was done.
    :ivar deferred: more messages were missing than ``fetch_limit`` allows (a first fill, a
        folder rebuilt after its UIDVALIDITY changed, a big backlog): none were fetched, the
        folder is marked incomplete, and a background sync should fill it.
    :ivar total: rows in the folder's index afterwards.
    :ivar seconds: wall time of the sync.
    """

    added: int = 0
    flags_changed: int = 0
    removed: int = 0
    rebuilt: bool = False
    skipped: bool = False
    deferred: bool = False
    total: int = 0
    seconds: float = 0.0


def enable_extensions(client: IMAPClient, caps: frozenset[str]) -> frozenset[str]:
    """ENABLE QRESYNC (else CONDSTORE) once per connection; returns what is enabled."""
    if client in _ENABLED:
        return _ENABLED[client]
    wanted = "QRESYNC" if "QRESYNC" in caps else "CONDSTORE" if "CONDSTORE" in caps else None
    enabled: frozenset[str] = frozenset()
    if wanted and "ENABLE" in caps:
        if imaplib_of(client).state == "SELECTED" and "UNSELECT" in caps:
            client.unselect_folder()
        if imaplib_of(client).state == "AUTH":
            got = {x.decode() if isinstance(x, bytes) else str(x) for x in client.enable(wanted)}
            enabled = frozenset(got | ({"CONDSTORE"} if "QRESYNC" in got else set()))
    _ENABLED[client] = enabled
    return enabled



#: At most this many expunged UIDs are looked up one by one to tell whether the index still
#: holds any of them (see unchanged_folder).
VANISHED_LOOKUPS = 50


def unchanged_folder(
    client: IMAPClient, index: IndexStore, account: str, folder: str, started: float
) -> SyncResult | None:
    """The sync of a folder the last sync on this connection left selected, fully indexed
    with QRESYNC on, when nothing changed: one ``UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE m
    VANISHED)`` from the stored HIGHESTMODSEQ answers with no message (a flag change and a
    new message both have a higher MODSEQ), no expunge of a UID still indexed, no warning,
    the same UIDVALIDITY and EXISTS as stored. Then nothing is written: no lease, no
    heartbeat thread, no state update (a list page's sync check, every page). ``None``: the
    shortcut does not apply, or something changed: sync as usual (the same FETCH answers the
    same again, as the stored MODSEQ has not moved)."""
    imap = imaplib_of(client)
    if imap.state != "SELECTED" or not _is_selected(client, folder):
        return None
    if "QRESYNC" not in _ENABLED.get(client, frozenset()):
        return None
    state = index.state(account, folder)
    if state is None or not state.complete or state.highestmodseq is None:
        return None
    responses = imap.untagged_responses
    responses.pop("VANISHED", None)
    # A warning since the last sync (a "* NO" to whatever command came since: the pool's NOOP
    # is skipped on a quiet connection) is kept: it says the folder may not be what it was.
    try:
        data = uid_command(
            imap, "FETCH", "1:*", "(UID FLAGS)",
            f"(CHANGEDSINCE {state.highestmodseq} VANISHED)",
        )
    except imaplib.IMAP4.abort:
        raise
    except (ServerRefused, imaplib.IMAP4.error):
        forget_selected(client)  # the folder is not what it was: the sync selects it again
        return None
    validity: list[Any] = responses.get("UIDVALIDITY") or []
    if responses.get("NO") or (validity and int(validity[-1]) != state.uidvalidity):
        forget_selected(client)  # the sync selects it again (a SELECT starts afresh)
        return None
    exists: list[Any] = responses.get("EXISTS") or []
    if any(True for _ in wire.flag_records(data)) or (
        exists and int(exists[-1]) != state.server_count
    ):
        return None
    vanished: list[Any] = responses.pop("VANISHED", [])
    gone = wire.vanished_uids(vanished)
    if len(gone) > VANISHED_LOOKUPS or any(
        index.row(account, folder, uid) is not None for uid in gone
    ):
        return None
    return SyncResult(total=state.total, seconds=time.perf_counter() - started)


@dataclass(frozen=True, slots=True)
class Selected:
    """The folder as this sync found it on the server.

    :ivar uidvalidity: its UIDVALIDITY.
    :ivar exists: its message count.
    :ivar modseq: its HIGHESTMODSEQ (CONDSTORE), else ``None``.
    :ivar qresync: QRESYNC is on: expunges arrive as VANISHED.
    :ivar reselected: this sync sent SELECT (else the folder was still selected).
    :ivar uidnext: its UIDNEXT when SELECT said it.
    """

    uidvalidity: int
    exists: int
    modseq: int | None
    qresync: bool
    reselected: bool
    uidnext: int | None


class Refresh:
    """The steps of a sync for what is indexed already, a base of ``webmail.mailbox.sync``'s
    one sync of one folder (which sets these attributes)."""

    client: IMAPClient
    index: IndexStore
    account: str
    folder: str
    imap: imaplib.IMAP4
    enabled: frozenset[str]
    esearch: bool

    def select(self, before: FolderState | None, *, shortcut: bool = True) -> Selected:
        """SELECT the folder read-only, unless (with ``shortcut``) the last sync on this
        connection left it selected and QRESYNC reports what changed since; raises NotFound."""
        imap, client = self.imap, self.client
        if (
            shortcut
            and before is not None
            and before.highestmodseq is not None
            and "QRESYNC" in self.enabled
            and imap.state == "SELECTED"
            and _is_selected(client, self.folder)
        ):
            # Still selected by the last sync on this connection (imaplib replaces the dict on
            # any SELECT, so nothing selected another folder since): a re-SELECT would cost a
            # mailbox resync (~25 ms at 10k, ~0.5 s at 100k, after another session appended);
            # the server reports news on the next command instead.
            exists_lines: list[Any] = imap.untagged_responses.get("EXISTS") or []
            exists = int(exists_lines[-1]) if exists_lines else (before.server_count or 0)
            return Selected(before.uidvalidity, exists, before.highestmodseq, True, False, None)
        try:
            info = client.select_folder(self.folder, readonly=True)
        except IMAPClientError as exc:
            raise NotFound(f"SELECT {self.folder!r}: {exc}") from exc
        _SELECTED[client] = (self.folder, imap.untagged_responses)
        modseq_raw = info.get(b"HIGHESTMODSEQ")
        modseq = int(modseq_raw) if "CONDSTORE" in self.enabled and modseq_raw is not None else None
        uidnext = info.get(b"UIDNEXT")
        return Selected(
            uidvalidity=int(info[b"UIDVALIDITY"]),
            exists=int(info.get(b"EXISTS", 0)),
            modseq=modseq,
            qresync="QRESYNC" in self.enabled and modseq is not None,
            reselected=True,
            uidnext=None if uidnext is None else int(uidnext),
        )

    def refresh_indexed(
        self, sel: Selected, state: FolderState, folder_id: Any
    ) -> tuple[int, int, list[int] | None]:
        """Step 1, the rows already indexed: flag changes (CONDSTORE: only those since the
        stored HIGHESTMODSEQ) and expunges (QRESYNC's VANISHED, else a UID-set comparison).
        Returns (flags changed, rows removed, the server's UIDs when they were searched)."""
        index, imap = self.index, self.imap
        modseq = sel.modseq
        unchanged = sel.reselected and modseq is not None and state.highestmodseq == modseq
        if not state.total or unchanged:
            if modseq is not None and state.highestmodseq != modseq:
                with index.transaction() as conn:  # nothing indexed: flags current as of modseq
                    index.update_state(conn, folder_id, highestmodseq=modseq)
            return 0, 0, None
        gone: list[int] = []
        if modseq is not None and state.highestmodseq is not None:
            imap.untagged_responses.pop("VANISHED", None)
            modifier = f"(CHANGEDSINCE {state.highestmodseq}{' VANISHED' if sel.qresync else ''})"
            if sel.reselected:
                data = uid_command(imap, "FETCH", "1:*", "(UID FLAGS)", modifier)
            else:
                data = self.check_still_selected(
                    lambda: uid_command(imap, "FETCH", "1:*", "(UID FLAGS)", modifier), state
                )
            # Unsolicited FETCHes for the same UIDs may come first: the last answer wins.
            changes = list(dict(wire.flag_records(data)).items())
            if not sel.reselected:  # the server's HIGHESTMODSEQ is unknown: the newest seen is safe
                modseq = max([state.highestmodseq, *wire.modseqs(data)])
            if sel.qresync:
                vanished: list[Any] = imap.untagged_responses.pop("VANISHED", [])
                gone = wire.vanished_uids(vanished)
        else:
            data = uid_command(imap, "FETCH", "1:*", "(UID FLAGS)")
            changes = list(dict(wire.flag_records(data)).items())
        server_all: list[int] | None = None
        if not sel.qresync:
            server_all = self.all_uids(sel)
            present = set(server_all)
            gone = [uid for uid in index.uids(self.account, self.folder) if uid not in present]
        with index.transaction() as conn:
            flags_changed = index.set_flags(conn, folder_id, sel.uidvalidity, changes)
            removed = index.delete_uids(conn, folder_id, sel.uidvalidity, gone)
            index.update_state(conn, folder_id, highestmodseq=modseq)
        return flags_changed, removed, server_all

    def check_still_selected(
        self, command: Callable[[], list[Any]], state: FolderState
    ) -> list[Any]:
        """``command``'s answer on the folder the last sync left selected, unless the server
        says it is not that folder any more: a NO or BAD to it, an untagged NO or a new
        UIDVALIDITY (the folder was deleted, or deleted and re-created, by another client)
        raise :class:`Reselect`. (Dovecot ends the session with BYE instead: ConnectionLost,
        and the next connection selects afresh.)"""
        imap = self.imap
        imap.untagged_responses.pop("NO", None)
        try:
            data = command()
        except imaplib.IMAP4.abort:
            raise
        except (ServerRefused, imaplib.IMAP4.error) as exc:
            raise Reselect(f"the server refused a command on it: {exc}") from exc
        warnings: list[Any] = imap.untagged_responses.pop("NO", [])
        if warnings:
            raise Reselect(f"the server warned: {warnings[-1]!r}")
        validity: list[Any] = imap.untagged_responses.get("UIDVALIDITY") or []
        if validity and int(validity[-1]) != state.uidvalidity:
            raise Reselect(f"UIDVALIDITY is now {int(validity[-1])}")
        return data

    def exists_now(self, sel: Selected) -> int:
        """The folder's message count as the server last said (an EXISTS since the SELECT
        wins over the SELECT's)."""
        lines: list[Any] = self.imap.untagged_responses.get("EXISTS") or []
        return int(lines[-1]) if lines else sel.exists

    def all_uids(self, sel: Selected) -> list[int]:
        """Every UID of the folder, ascending: ``UID SEARCH ALL``, checked against EXISTS. A
        server whose SEARCH answer does not add up (GNU Mailutils imap4d answers
        ``UID SEARCH UID 1:*`` with nothing) is asked again by ``UID FETCH 1:* (UID)``, and
        the mismatch logged: a folder is never shown empty because a SEARCH said so."""
        uids = search_uids(self.imap, "ALL", self.esearch)
        exists = self.exists_now(sel)
        if len(uids) == exists:
            return uids
        try:
            fetched = wire.fetched_uids(uid_command(self.imap, "FETCH", "1:*", "(UID)"))
        except imaplib.IMAP4.abort:
            raise
        except (ServerRefused, imaplib.IMAP4.error) as exc:
            _log.warning(
                "%r: UID SEARCH ALL gave %d UIDs, EXISTS says %d, and UID FETCH 1:* was "
                "refused (%s): keeping the search's", self.folder, len(uids), exists, exc,
            )
            return uids
        _log.warning(
            "%r: UID SEARCH ALL gave %d UIDs but EXISTS says %d; UID FETCH 1:* (UID) gave %d: "
            "using those", self.folder, len(uids), exists, len(fetched),
        )
        return fetched

    def find_new(
        self, sel: Selected, state: FolderState, folder_id: Any, server_all: list[int] | None
    ) -> tuple[list[int], list[int], int]:
        """Step 2, new messages and the rest of a fill that was cut off: (the server's UIDs
        above the last fully synced one, those not indexed yet newest first, rows removed
        because their UIDs are gone).

        A first fill lists every UID (:meth:`all_uids`, never ``UID SEARCH UID 1:*``); a
        later sync asks for the UIDs above the last one, and when (after a SELECT) the rows
        below plus those do not add up to EXISTS, compares every UID instead (rows of gone
        UIDs are removed, messages never indexed are fetched, whatever their UID)."""
        last_uid = state.last_uid
        if server_all is None and last_uid == 0:
            server_all = self.all_uids(sel)
        if server_all is not None:
            return self.reconcile(sel, folder_id, server_all, last_uid)
        found = search_uids(self.imap, f"UID {last_uid + 1}:*", self.esearch)
        server_new = [uid for uid in found if uid > last_uid]
        indexed_new = self.index.uids(self.account, self.folder, above=last_uid)
        below = self.index.counts(self.account, self.folder)[0] - len(indexed_new)
        exists = self.exists_now(sel)
        # Only after a SELECT: on a folder left selected, QRESYNC reports expunges as VANISHED
        # without a new EXISTS, so the count from then is not the server's now.
        if sel.reselected and below + len(server_new) != exists:
            _log.warning(
                "%r: %d rows up to UID %d and %d UIDs above do not add up to EXISTS %d: "
                "comparing every UID", self.folder, below, last_uid, len(server_new), exists,
            )
            return self.reconcile(sel, folder_id, self.all_uids(sel), last_uid)
        removed = self.drop_absent(sel, folder_id, indexed_new, set(server_new))
        have = set(indexed_new)
        return server_new, [uid for uid in reversed(server_new) if uid not in have], removed

    def reconcile(
        self, sel: Selected, folder_id: Any, server_all: list[int], last_uid: int
    ) -> tuple[list[int], list[int], int]:
        """:meth:`find_new` with the server's every UID: rows of UIDs it does not have go,
        and every UID not indexed is missing (newest first), above ``last_uid`` or not."""
        indexed = self.index.uids(self.account, self.folder)
        removed = self.drop_absent(sel, folder_id, indexed, set(server_all))
        have = set(indexed)
        server_new = [uid for uid in server_all if uid > last_uid]
        return server_new, [uid for uid in reversed(server_all) if uid not in have], removed

    def drop_absent(
        self, sel: Selected, folder_id: Any, indexed: Iterable[int], present: set[int]
    ) -> int:
        """Delete the rows of the ``indexed`` UIDs the server no longer has (not in
        ``present``), in one transaction; how many went."""
        stale = [uid for uid in indexed if uid not in present]
        if not stale:
            return 0
        with self.index.transaction() as conn:
            return self.index.delete_uids(conn, folder_id, sel.uidvalidity, stale)
