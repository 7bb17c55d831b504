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

The lease is in :mod:`webmail.mailbox.lease`, the incremental steps (CONDSTORE/QRESYNC, the
unchanged-folder check, the UID-set comparison) in :mod:`webmail.mailbox.refresh`, the fill's
FETCH pipeline and its helper processes in :mod:`webmail.mailbox.filling`.

Memory is bounded by a few chunks (about 1.2 MB of headers per 1000 messages) plus the list
of UIDs. The bulk FETCH goes through imaplib under the imapclient connection and is read by
:mod:`webmail.mailbox.wire` (imapclient 4.x cannot fetch ranges, and its parser costs ~50 µs
per message, 4x the transfer). Connection failures become ``webmail.mailbox.ConnectionLost``.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from imapclient import IMAPClient

from webmail.index.store import FolderState, IndexStore
from webmail.mailbox import wire
from webmail.mailbox.errors import ConnectionLost, MailboxError
from webmail.mailbox.filling import (
    ANALYSIS_WORKERS,
    CHUNK_SIZE,
    HELPER_CHUNK_SIZE,
    PARALLEL_MIN,
    PREFETCH,
    analysed_chunks,
    analysis_workers,
    prefetched,
)
from webmail.mailbox.lease import LEASE_SECONDS, LeaseLost, heartbeat
from webmail.mailbox.rawimap import batches, imaplib_of
from webmail.mailbox.refresh import (
    VANISHED_LOOKUPS,
    Refresh,
    Reselect,
    Selected,
    SyncResult,
    enable_extensions,
    forget_selected,
    unchanged_folder,
)
from webmail.message.summary import LIST_HEADER_FIELDS

#: Rows written per transaction: a chunk goes in several, newest first (see fetch_new).
COMMIT_ROWS = 200

Progress = Callable[[int, int], None]

_log = logging.getLogger(__name__)


def sync_folder(
    client: IMAPClient,
    index: IndexStore,
    account: str,
    folder: str,
    progress: Progress | None = None,
    *,
    chunk_size: int | None = None,
    fields: Sequence[str] = LIST_HEADER_FIELDS,
    lease: bool = True,
    lease_seconds: float = LEASE_SECONDS,
    fetch_limit: int | None = None,
    workers: int | None = None,
) -> SyncResult:
    """Bring ``folder`` of ``account`` (see ``webmail.index.account_key``) up to date in
    ``index`` over the logged-in ``client``.

    Selects the folder read-only (EXAMINE): select it again before changing flags.
    ``progress(indexed, total)`` is called after each committed chunk with the rows
    indexed so far and the folder's message count. With ``lease``, a folder another worker
    is syncing is left alone (``SyncResult.skipped``), and this sync holds the folder with a
    lease of ``lease_seconds`` past its last heartbeat (see the module docstring). Raises
    ``NotFound`` when the folder does not exist, ``ConnectionLost`` when the connection fails
    (committed chunks stay). With ``fetch_limit``, a sync that would have to fetch more
    messages than that fetches none (``SyncResult.deferred``): a page must not wait for them.
    ``workers``: helper processes that build the rows (0: none, in this thread); by default
    :func:`analysis_workers` of the number of messages to fetch. ``chunk_size``: UIDs per
    FETCH, by default :data:`CHUNK_SIZE`, or :data:`HELPER_CHUNK_SIZE` when helpers build
    the rows.
    """
    started = time.perf_counter()
    try:
        nothing_new = unchanged_folder(client, index, account, folder, started)
    except (OSError, imaplib.IMAP4.abort) as exc:
        raise ConnectionLost(f"{type(exc).__name__}: {exc}") from exc
    if nothing_new is not None:
        return nothing_new
    owner = f"{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex}"
    if lease and not index.claim(account, folder, owner, lease_seconds):
        state = index.state(account, folder)
        return SyncResult(skipped=True, total=state.total if state else 0)
    try:
        beating = (
            heartbeat(index, account, folder, owner, lease_seconds)
            if lease
            else contextlib.nullcontext()
        )
        with beating:
            run = _Sync(client, index, account, folder, progress, chunk_size, fields)
            run.lease_seconds = lease_seconds
            run.fetch_limit = fetch_limit
            run.workers = workers
            return run.run(owner if lease else None, started)
    except LeaseLost:
        state = index.state(account, folder)
        return SyncResult(skipped=True, total=state.total if state else 0)
    except (OSError, imaplib.IMAP4.abort) as exc:
        raise ConnectionLost(f"{type(exc).__name__}: {exc}") from exc
    finally:
        if lease:
            try:
                index.release(account, folder, owner)
            except Exception:  # the lease expires by itself; never hide the real error
                pass


class _Sync(Refresh):
    """One sync of one folder, step by step (see the module docstring); :meth:`run` runs it."""

    def __init__(
        self,
        client: IMAPClient,
        index: IndexStore,
        account: str,
        folder: str,
        progress: Progress | None,
        chunk_size: int | None,
        fields: Sequence[str],
    ) -> None:
        self.client, self.index, self.account, self.folder = client, index, account, folder
        self.progress, self.fields = progress, fields
        self.chunk_size = None if chunk_size is None else max(1, chunk_size)
        self.imap = imaplib_of(client)
        self.caps = frozenset(
            c.decode().upper() if isinstance(c, bytes) else str(c).upper()
            for c in client.capabilities()
        )
        self.enabled = enable_extensions(client, self.caps)
        self.esearch = "ESEARCH" in self.caps
        self.lease_seconds = LEASE_SECONDS
        self.fetch_limit: int | None = None
        self.workers: int | None = None

    def run(self, owner: str | None, started: float) -> SyncResult:
        """The sync; when the folder left selected turns out not to be what it was, the same
        again after a real SELECT (see :meth:`check_still_selected`)."""
        try:
            return self.run_once(owner, started, shortcut=True)
        except Reselect as why:
            _log.info("%r: %s; selecting it again", self.folder, why)
            forget_selected(self.client)
            return self.run_once(owner, started, shortcut=False)

    def run_once(self, owner: str | None, started: float, *, shortcut: bool) -> SyncResult:
        index, account, folder = self.index, self.account, self.folder
        before = index.state(account, folder)
        selected = self.select(before, shortcut=shortcut)
        rebuilt = (
            before is not None
            and before.uidvalidity not in (0, selected.uidvalidity)
            and before.total > 0
        )
        with index.transaction() as conn:
            folder_id = index.folder_id(conn, account, folder, selected.uidvalidity)
            index.update_state(
                conn,
                folder_id,
                server_count=selected.exists,
                uidnext=selected.uidnext
                if selected.uidnext is not None
                else (before.uidnext if before else None),
            )
        state = index.state(account, folder)
        assert state is not None
        flags_changed, removed, server_all = self.refresh_indexed(selected, state, folder_id)
        server_new, missing, stale_removed = self.find_new(selected, state, folder_id, server_all)
        del server_all
        if self.fetch_limit is not None and len(missing) > self.fetch_limit:
            with index.transaction() as conn:  # a first fill now: the list shows its progress
                index.update_state(conn, folder_id, complete=0)
            return SyncResult(
                flags_changed=flags_changed,
                removed=removed + stale_removed,
                rebuilt=rebuilt,
                deferred=True,
                total=index.counts(account, folder)[0],
                seconds=time.perf_counter() - started,
            )
        added = self.fetch_new(selected, state, folder_id, missing, owner)
        with index.transaction() as conn:
            index.update_state(
                conn,
                folder_id,
                last_uid=max([state.last_uid, *server_new[-1:]]),
                complete=1,
                settled_since=None,
                synced_at=time.time(),
            )
        total = index.counts(account, folder)[0]
        if self.progress is not None and not missing:
            self.progress(total, selected.exists)
        return SyncResult(
            added=added,
            flags_changed=flags_changed,
            removed=removed + stale_removed,
            rebuilt=rebuilt,
            total=total,
            seconds=time.perf_counter() - started,
        )

    def fetch_new(
        self, sel: Selected, state: FolderState, folder_id: Any, missing: list[int],
        owner: str | None,
    ) -> int:
        """Step 3: fetch ``missing`` in chunks, build each row with the one row builder, and
        commit chunk by chunk (a cut keeps what was committed); returns rows added."""
        index, folder = self.index, self.folder
        added = 0
        settled = state.settled_since
        floor = None if settled is None else int(settled.timestamp())
        items = wire.fetch_items(self.fields)
        workers = analysis_workers(len(missing)) if self.workers is None else self.workers
        size = self.chunk_size or (HELPER_CHUNK_SIZE if workers > 0 else CHUNK_SIZE)
        fetched = prefetched(self.imap, batches(missing, size), items)
        analysed = analysed_chunks(fetched, folder, index.threshold, workers)
        with contextlib.closing(fetched), contextlib.closing(analysed):
            for rows in analysed:
                # Newest first, in short transactions: a page's write waits for one of them, not
                # a whole chunk, and every UID above what is committed is committed already.
                rows.sort(key=lambda row: row[0], reverse=True)  # type: ignore[arg-type,return-value]
                for at in range(0, len(rows), COMMIT_ROWS):
                    part = rows[at : at + COMMIT_ROWS]
                    low = min(int(row[1]) for row in part)  # type: ignore[call-overload]
                    floor = low if floor is None else min(floor, low)
                    with index.transaction() as conn:
                        if index.current_uidvalidity(conn, folder_id) != sel.uidvalidity:
                            raise MailboxError(
                                f"{folder!r} was reset by another sync; stopping this one"
                            )
                        index.put_rows(conn, folder_id, sel.uidvalidity, part)
                        index.update_state(conn, folder_id, settled_since=floor, complete=0)
                added += len(rows)
                del rows
                if owner is not None and not index.claim(
                    self.account, folder, owner, self.lease_seconds
                ):
                    raise LeaseLost(folder)
                if self.progress is not None:
                    self.progress(index.counts(self.account, folder)[0], sel.exists)
        return added


__all__ = [
    "ANALYSIS_WORKERS",
    "CHUNK_SIZE",
    "HELPER_CHUNK_SIZE",
    "LEASE_SECONDS",
    "PARALLEL_MIN",
    "PREFETCH",
    "Progress",
    "SyncResult",
    "VANISHED_LOOKUPS",
    "analysis_workers",
    "forget_selected",
    "sync_folder",
]
