"""Incremental sync of one IMAP folder into the :class:`~webmail.index.sqlite.Index`.

:func:`sync_folder` brings the index up to the server's state of the folder:

- UIDVALIDITY changed: the folder's rows are dropped and it is rebuilt.
- Rows already indexed: flag changes since the stored HIGHESTMODSEQ (CONDSTORE
  ``CHANGEDSINCE``) and expunges from QRESYNC ``VANISHED (EARLIER)``; without those
  extensions, every flag is fetched again and the server's UID set is compared.
- New messages: fetched newest UID first, in chunks of ``chunk_size`` UIDs
  (``UID FLAGS INTERNALDATE RFC822.SIZE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (...)]``),
  analysed, and written in one transaction per chunk. A sync cut anywhere keeps every
  committed chunk; the next one fetches exactly the UIDs still missing (no loss, no
  duplicates). Newest first means the first page is right early: see
  ``FolderState.settled_since``.

Memory is bounded by one chunk (about 1.2 MB of headers per 1000 messages) plus the list
of UIDs. The bulk FETCH goes through imaplib under the imapclient connection and is read by
:mod:`webmail.mailbox.wire` (imapclient 4.x cannot fetch ranges and parses slowly: IMAP-NOTES
gotcha 19, §4b). Connection failures become ``webmail.mailbox.ConnectionLost``.
"""

from __future__ import annotations

import imaplib
import os
import queue
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from webmail.mailbox import wire as imapwire
from webmail.index.rows import build_row
from webmail.index.store import IndexStore
from webmail.mailbox import LIST_HEADER_FIELDS, ConnectionLost, MailboxError, NotFound

CHUNK_SIZE = 1000
LEASE_SECONDS = 120.0
PREFETCH = 2  # chunks fetched ahead of the analysis

Progress = Callable[[int, int], None]

# Which extensions were ENABLEd on a connection (ENABLE is only legal before SELECT).
_ENABLED: weakref.WeakKeyDictionary[IMAPClient, frozenset[str]] = weakref.WeakKeyDictionary()
# Which folder the last sync selected on a connection, and imaplib's untagged-response dict then.
# The dict is kept (not its id) so that a new dict can never be mistaken for it.
_SELECTED: weakref.WeakKeyDictionary[IMAPClient, tuple[str, dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


def _is_selected(client: IMAPClient, folder: str) -> bool:
    """The last sync on this connection selected ``folder`` and nothing selected since."""
    last = _SELECTED.get(client)
    return last is not None and last[0] == folder and last[1] is client._imap.untagged_responses


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one sync did.

    :ivar added: rows inserted.
    :ivar flags_changed: rows whose flags were refreshed from the server.
    :ivar removed: rows deleted because their messages were expunged.
    :ivar rebuilt: UIDVALIDITY had changed: the old rows were dropped first.
    :ivar skipped: another worker holds this folder's sync lease; nothing was done.
    :ivar total: rows in the folder's index afterwards.
    :ivar seconds: wall time of the sync.
    """

    added: int = 0
    flags_changed: int = 0
    removed: int = 0
    rebuilt: bool = False
    skipped: bool = False
    total: int = 0
    seconds: float = 0.0


def fetch_items(fields: Sequence[str] = LIST_HEADER_FIELDS) -> str:
    """The FETCH item list of a list row."""
    return f"({imapwire.LIST_ITEMS} BODY.PEEK[HEADER.FIELDS ({' '.join(fields)})])"


def _enable(client: IMAPClient, caps: frozenset[str]) -> frozenset[str]:
    """ENABLE QRESYNC (else CONDSTORE) once per connection; returns what is enabled."""
    if client in _ENABLED:
        return _ENABLED[client]
    wanted = "QRESYNC" if "QRESYNC" in caps else "CONDSTORE" if "CONDSTORE" in caps else None
    enabled: frozenset[str] = frozenset()
    if wanted and "ENABLE" in caps:
        if client._imap.state == "SELECTED" and "UNSELECT" in caps:
            client.unselect_folder()
        if client._imap.state == "AUTH":
            got = {x.decode() if isinstance(x, bytes) else str(x) for x in client.enable(wanted)}
            enabled = frozenset(got | ({"CONDSTORE"} if "QRESYNC" in got else set()))
    _ENABLED[client] = enabled
    return enabled


def _command(imap: imaplib.IMAP4, *args: str) -> list[Any]:
    """``UID <args>`` through imaplib; raises MailboxError unless the server says OK."""
    typ, data = imap.uid(*args)
    if typ != "OK":
        raise MailboxError(f"UID {args[0]} failed: {data!r}")
    return list(data)


def _search(imap: imaplib.IMAP4, criteria: str, esearch: bool) -> list[int]:
    """UIDs matching ``criteria`` (ESEARCH's compact answer when the server has it)."""
    if esearch:
        imap.untagged_responses.pop("ESEARCH", None)
        _command(imap, "SEARCH", "RETURN", "(ALL)", criteria)
        lines = imap.untagged_responses.pop("ESEARCH", [])
        return imapwire.esearch_uids(line for line in lines if isinstance(line, bytes))
    data = _command(imap, "SEARCH", criteria)
    return sorted({int(w) for line in data if line for w in line.split()})


def _batches(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


_DONE = object()


def _prefetched(
    imap: imaplib.IMAP4, chunks: Iterable[Sequence[int]], items: str
) -> Iterator[list[Any]]:
    """The FETCH data of each chunk, read by a helper thread one chunk ahead, so the server
    works on chunk n+1 while this thread analyses chunk n. At most two chunks wait in memory.
    Only the helper uses the connection until this generator ends; errors are re-raised here."""
    q: queue.Queue[object] = queue.Queue(maxsize=PREFETCH)
    stop = threading.Event()

    def read() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                q.put(_command(imap, "FETCH", imapwire.sequence_set(sorted(chunk)), items))
            q.put(_DONE)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)

    reader = threading.Thread(target=read, name="webmail-sync-fetch", daemon=True)
    reader.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while reader.is_alive():  # let a running command finish: the connection stays usable
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
        reader.join()


def sync_folder(
    client: IMAPClient,
    index: IndexStore,
    account: str,
    folder: str,
    progress: Progress | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    fields: Sequence[str] = LIST_HEADER_FIELDS,
    lease: bool = True,
) -> SyncResult:
    """Bring ``folder`` of ``account`` (see ``webmail.index.sqlite.account_key``) up to date in
    ``index`` over the logged-in ``client``.

    Selects the folder read-only (EXAMINE): select it again before changing flags.
    ``progress(indexed, total)`` is called after each committed chunk with the rows
    indexed so far and the folder's message count. With ``lease``, a folder another worker
    is syncing is left alone (``SyncResult.skipped``). Raises ``NotFound`` when the folder
    does not exist, ``ConnectionLost`` when the connection fails (committed chunks stay).
    """
    started = time.perf_counter()
    owner = f"{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex}"
    if lease and not index.claim(account, folder, owner, LEASE_SECONDS):
        state = index.state(account, folder)
        return SyncResult(skipped=True, total=state.total if state else 0)
    try:
        return _sync(
            client,
            index,
            account,
            folder,
            progress,
            chunk_size,
            fields,
            owner if lease else None,
            started,
        )
    except (OSError, imaplib.IMAP4.abort) as exc:
        raise ConnectionLost(f"{type(exc).__name__}: {exc}") from exc
    finally:
        if lease:
            try:
                index.release(account, folder, owner)
            except Exception:  # the lease expires by itself; never hide the real error
                pass


def _sync(
    client: IMAPClient,
    index: IndexStore,
    account: str,
    folder: str,
    progress: Progress | None,
    chunk_size: int,
    fields: Sequence[str],
    owner: str | None,
    started: float,
) -> SyncResult:
    caps = frozenset(
        c.decode().upper() if isinstance(c, bytes) else str(c).upper()
        for c in client.capabilities()
    )
    enabled = _enable(client, caps)
    imap = client._imap
    esearch = "ESEARCH" in caps
    before = index.state(account, folder)
    if (
        before is not None
        and before.highestmodseq is not None
        and "QRESYNC" in enabled
        and imap.state == "SELECTED"
        and _is_selected(client, folder)
    ):
        # Still selected by the last sync on this connection (imaplib replaces the dict on any
        # SELECT, so nothing selected another folder since): a re-SELECT would cost a mailbox
        # resync (~25 ms at 10k, ~0.5 s at 100k, after another session appended); the server
        # reports news on the next command instead.
        uidvalidity, qresync, reselected = before.uidvalidity, True, False
        modseq: int | None = before.highestmodseq
        exists_lines = imap.untagged_responses.get("EXISTS") or []
        exists = int(exists_lines[-1]) if exists_lines else (before.server_count or 0)
        info: dict[bytes, Any] = {}
    else:
        try:
            info = client.select_folder(folder, readonly=True)
        except IMAPClientError as exc:
            raise NotFound(f"SELECT {folder!r}: {exc}") from exc
        _SELECTED[client] = (folder, imap.untagged_responses)
        uidvalidity = int(info[b"UIDVALIDITY"])
        exists = int(info.get(b"EXISTS", 0))
        modseq_raw = info.get(b"HIGHESTMODSEQ")
        modseq = int(modseq_raw) if "CONDSTORE" in enabled and modseq_raw is not None else None
        qresync = "QRESYNC" in enabled and modseq is not None
        reselected = True

    rebuilt = before is not None and before.uidvalidity not in (0, uidvalidity) and before.total > 0
    with index.transaction() as conn:
        folder_id = index.folder_id(conn, account, folder, uidvalidity)
        index.update_state(
            conn,
            folder_id,
            server_count=exists,
            uidnext=info.get(b"UIDNEXT", before.uidnext if before else None),
        )
    state = index.state(account, folder)
    assert state is not None
    last_uid = state.last_uid

    # 1. Rows already indexed: flags and expunges.
    flags_changed = removed = 0
    server_all: list[int] | None = None
    if state.total and not (reselected and modseq is not None and state.highestmodseq == modseq):
        changes: list[tuple[int, tuple[str, ...]]] = []
        gone: list[int] = []
        if modseq is not None and state.highestmodseq is not None:
            imap.untagged_responses.pop("VANISHED", None)
            modifier = f"(CHANGEDSINCE {state.highestmodseq}{' VANISHED' if qresync else ''})"
            data = _command(imap, "FETCH", "1:*", "(UID FLAGS)", modifier)
            # Unsolicited FETCHes for the same UIDs may come first: the last answer wins.
            changes = list(dict(imapwire.flag_records(data)).items())
            if (
                not reselected
            ):  # the server's HIGHESTMODSEQ is unknown: the newest change seen is safe
                modseq = max([state.highestmodseq, *imapwire.modseqs(data)])
            if qresync:
                gone = imapwire.vanished_uids(imap.untagged_responses.pop("VANISHED", []))
        else:
            changes = list(
                dict(imapwire.flag_records(_command(imap, "FETCH", "1:*", "(UID FLAGS)"))).items()
            )
        if not qresync:
            server_all = _search(imap, "ALL", esearch)
            present = set(server_all)
            gone = [uid for uid in index.uids(account, folder) if uid not in present]
        with index.transaction() as conn:
            flags_changed = index.set_flags(conn, folder_id, uidvalidity, changes)
            removed = index.delete_uids(conn, folder_id, uidvalidity, gone)
            index.update_state(conn, folder_id, highestmodseq=modseq)
    elif modseq is not None and state.highestmodseq != modseq:
        with index.transaction() as conn:  # nothing indexed yet: flags will be current as of modseq
            index.update_state(conn, folder_id, highestmodseq=modseq)

    # 2. New messages, and the rest of a fill that was cut off.
    if server_all is not None:
        server_new = [uid for uid in server_all if uid > last_uid]
    else:
        server_new = [
            uid for uid in _search(imap, f"UID {last_uid + 1}:*", esearch) if uid > last_uid
        ]
    indexed_new = index.uids(account, folder, above=last_uid)
    present_new = set(server_new)
    stale = [uid for uid in indexed_new if uid not in present_new]
    if stale:
        with index.transaction() as conn:
            removed += index.delete_uids(conn, folder_id, uidvalidity, stale)
    have = set(indexed_new)
    missing = [uid for uid in reversed(server_new) if uid not in have]
    del have, present_new, indexed_new, server_all

    added = 0
    items = fetch_items(fields)
    settled = state.settled_since
    floor = None if settled is None else int(settled.timestamp())
    for data in _prefetched(imap, _batches(missing, max(1, chunk_size)), items):
        rows = [build_row(record, index.threshold) for record in imapwire.list_records(data)]
        del data
        if rows:
            low = min(int(row[1]) for row in rows)  # type: ignore[call-overload]
            floor = low if floor is None else min(floor, low)
        with index.transaction() as conn:
            if index.current_uidvalidity(conn, folder_id) != uidvalidity:
                raise MailboxError(f"{folder!r} was reset by another sync; stopping this one")
            index.put_rows(conn, folder_id, uidvalidity, rows)
            index.update_state(conn, folder_id, settled_since=floor, complete=0)
        added += len(rows)
        if owner is not None:
            index.claim(account, folder, owner, LEASE_SECONDS)
        if progress is not None:
            progress(index.counts(account, folder)[0], exists)

    with index.transaction() as conn:
        index.update_state(
            conn,
            folder_id,
            last_uid=max([last_uid, *server_new[-1:]]),
            complete=1,
            settled_since=None,
            synced_at=time.time(),
        )
    total = index.counts(account, folder)[0]
    if progress is not None and not missing:
        progress(total, exists)
    return SyncResult(
        added=added,
        flags_changed=flags_changed,
        removed=removed,
        rebuilt=rebuilt,
        total=total,
        seconds=time.perf_counter() - started,
    )


__all__ = ["CHUNK_SIZE", "Progress", "SyncResult", "fetch_items", "sync_folder"]
