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

One sync per folder at a time, across threads, processes and machines: a sync holds the
folder's lease in the index (``IndexStore.claim``) for :data:`LEASE_SECONDS` past its last
heartbeat. A thread of the sync renews it every third of that, through a long FETCH too, and
dies with its process: a sync that was killed (``kill -9``, an OOM kill) holds the folder no
longer than the lease, and a live one never loses it for being slow.

A big fill (:data:`PARALLEL_MIN` messages or more) builds its rows in helper processes
(:mod:`webmail.mailbox.analysis`): the header analysis is pure Python, and in this process it
would hold the GIL for most of the fill, so the pages a web worker serves meanwhile would queue
behind it, and one core would do all of it. The helpers get the raw FETCH data of a chunk and
give back its stored rows, built by the same function as here (``chunk_rows``). This process
keeps the IMAP connection and the index writes, chunk by chunk in the same order as before.
Should the helpers fail to start or die, the rows are built here.

Memory is bounded by a few chunks (about 1.2 MB of headers per 1000 messages) plus the list
of UIDs. The bulk FETCH goes through imaplib under the imapclient connection and is read by
:mod:`webmail.mailbox.wire` (imapclient 4.x cannot fetch ranges, and its parser costs ~50 µs
per message, 4x the transfer). Connection failures become ``webmail.mailbox.ConnectionLost``.
"""

from __future__ import annotations

import collections
import contextlib
import imaplib
import logging
import os
import queue
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from webmail.index.store import FolderState, IndexStore
from webmail.mailbox import wire
from webmail.mailbox.analysis import HelperFailed, Helpers, Rows, chunk_rows, job_data
from webmail.mailbox.errors import ConnectionLost, MailboxError, NotFound, ServerRefused
from webmail.mailbox.rawimap import batches, imaplib_of, search_uids, uid_command
from webmail.message.summary import LIST_HEADER_FIELDS

CHUNK_SIZE = 1000
#: The chunk of a fill whose rows helper processes build: every chunk in flight (read ahead,
#: in a helper's hands, its rows coming back) is held by this process or a helper, so smaller
#: chunks hold less (bench/index.py, 100k, this process + 2 helpers: 1000 UIDs 110 MB, 500 92
#: MB, 250 83 MB), but each costs a FETCH and a lease renewal, and fewer messages wait ahead
#: of the helpers (the same run: 1.16x, 1.30x, 1.35x the bare fetch; noisy, 0.98x to 1.35x
#: for 250 over four runs).
HELPER_CHUNK_SIZE = 500
#: A sync's lease on its folder outlives its last heartbeat by this much (see the module docstring).
LEASE_SECONDS = 15.0
PREFETCH = 2  # chunks fetched ahead of the analysis
#: Rows written per transaction: a chunk goes in several, newest first (see fetch_new).
COMMIT_ROWS = 200
#: A fill of at least this many messages builds its rows in helper processes (see the module
#: docstring); smaller ones here (a helper takes ~0.3 s to start).
PARALLEL_MIN = 5000
#: How many helper processes a big fill uses at most (see analysis_workers).
ANALYSIS_WORKERS = 2

Progress = Callable[[int, int], None]

_log = logging.getLogger(__name__)

# Which extensions were ENABLEd on a connection (ENABLE is only legal before SELECT).
_ENABLED: weakref.WeakKeyDictionary[IMAPClient, frozenset[str]] = weakref.WeakKeyDictionary()
# Which folder the last sync selected on a connection, and imaplib's untagged-response dict then.
# The dict is kept (not its id) so that a new dict can never be mistaken for it.
_SELECTED: weakref.WeakKeyDictionary[IMAPClient, tuple[str, dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


class _Reselect(Exception):
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


def _enable(client: IMAPClient, caps: frozenset[str]) -> frozenset[str]:
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


_DONE = object()


class _LeaseLost(Exception):
    """Another sync holds the folder now (this one stalled past its lease): stop writing."""


@contextlib.contextmanager
def _heartbeat(
    index: IndexStore, account: str, folder: str, owner: str, seconds: float
) -> Iterator[None]:
    """While the block runs, renew ``owner``'s lease every third of ``seconds`` from a thread
    of its own (the block may sit in one FETCH for long); it stops once the lease is lost."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(seconds / 3):
                try:
                    if not index.claim(account, folder, owner, seconds):
                        return  # taken over: the sync notices at its next chunk
                except Exception:  # a busy database: the next beat tries again
                    pass
        finally:
            index.close()  # this thread's connection

    thread = threading.Thread(target=beat, name="webmail-sync-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()  # no renewal may come after the release


def _prefetched(
    imap: imaplib.IMAP4, chunks: Iterable[Sequence[int]], items: str
) -> Generator[list[Any], None, None]:
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
                q.put(uid_command(imap, "FETCH", wire.sequence_set(sorted(chunk)), items))
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


def analysis_workers(missing: int) -> int:
    """How many helper processes a fill of ``missing`` messages uses: none below
    :data:`PARALLEL_MIN`, else :data:`ANALYSIS_WORKERS`, at most one per core. (On 2 cores, 2
    helpers beat 1 although this process and the IMAP server want most of a core: at 100k,
    under load, 30.0 s against 34.8 s, bench/index.py --workers.)"""
    if missing < PARALLEL_MIN:
        return 0
    return max(1, min(ANALYSIS_WORKERS, os.cpu_count() or 1))


def _analysed(
    chunks: Iterable[list[Any]], folder: str, threshold: timedelta, workers: int
) -> Generator[Rows, None, None]:
    """The rows of each chunk (:func:`webmail.mailbox.analysis.chunk_rows`), in the order of
    ``chunks``: built by ``workers`` helper processes (:class:`webmail.mailbox.analysis.Helpers`),
    or here with none. While the helpers start, the first chunk is built here (the newest rows
    show early). Should the helpers fail (not start, die), the rows are built here from then on:
    the chunks in their hands are kept until their rows are back."""
    if workers <= 0:
        for data in chunks:
            yield chunk_rows(data, folder, threshold)
        return
    helpers: Helpers | None = None
    # The chunks in the helpers' hands, as sent (pickles: see Helpers.submit).
    pending: collections.deque[bytes] = collections.deque()

    def give_up(exc: HelperFailed) -> None:
        nonlocal helpers
        _log.warning("%r: %s; building the rows here", folder, exc)
        if helpers is not None:
            helpers.close()
            helpers = None

    def take() -> Rows:
        payload = pending.popleft()
        if helpers is not None:
            try:
                return helpers.take()
            except HelperFailed as exc:
                give_up(exc)
        return chunk_rows(job_data(payload), folder, threshold)

    try:
        try:
            helpers = Helpers(workers, folder, threshold)
        except HelperFailed as exc:
            give_up(exc)
        it = iter(chunks)
        first = next(it, None)
        if first is None:
            return
        yield chunk_rows(first, folder, threshold)  # while the helpers start
        del first
        for data in it:
            if helpers is None:
                while pending:
                    yield take()
                yield chunk_rows(data, folder, threshold)
                continue
            while not helpers.free:
                yield take()
            try:
                pending.append(helpers.submit(data))
            except HelperFailed as exc:
                give_up(exc)
                while pending:
                    yield take()
                yield chunk_rows(data, folder, threshold)
                continue
            del data
        while pending:
            yield take()
    finally:
        pending.clear()
        if helpers is not None:
            helpers.close()


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
        nothing_new = _unchanged(client, index, account, folder, started)
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
            _heartbeat(index, account, folder, owner, lease_seconds)
            if lease
            else contextlib.nullcontext()
        )
        with beating:
            run = _Sync(client, index, account, folder, progress, chunk_size, fields)
            run.lease_seconds = lease_seconds
            run.fetch_limit = fetch_limit
            run.workers = workers
            return run.run(owner if lease else None, started)
    except _LeaseLost:
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


#: At most this many expunged UIDs are looked up one by one to tell whether the index still
#: holds any of them (see _unchanged).
VANISHED_LOOKUPS = 50


def _unchanged(
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
class _Selected:
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


class _Sync:
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
        self.enabled = _enable(client, self.caps)
        self.esearch = "ESEARCH" in self.caps
        self.lease_seconds = LEASE_SECONDS
        self.fetch_limit: int | None = None
        self.workers: int | None = None

    def run(self, owner: str | None, started: float) -> SyncResult:
        """The sync; when the folder left selected turns out not to be what it was, the same
        again after a real SELECT (see :meth:`check_still_selected`)."""
        try:
            return self.run_once(owner, started, shortcut=True)
        except _Reselect as why:
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

    def select(self, before: FolderState | None, *, shortcut: bool = True) -> _Selected:
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
            return _Selected(before.uidvalidity, exists, before.highestmodseq, True, False, None)
        try:
            info = client.select_folder(self.folder, readonly=True)
        except IMAPClientError as exc:
            raise NotFound(f"SELECT {self.folder!r}: {exc}") from exc
        _SELECTED[client] = (self.folder, imap.untagged_responses)
        modseq_raw = info.get(b"HIGHESTMODSEQ")
        modseq = int(modseq_raw) if "CONDSTORE" in self.enabled and modseq_raw is not None else None
        uidnext = info.get(b"UIDNEXT")
        return _Selected(
            uidvalidity=int(info[b"UIDVALIDITY"]),
            exists=int(info.get(b"EXISTS", 0)),
            modseq=modseq,
            qresync="QRESYNC" in self.enabled and modseq is not None,
            reselected=True,
            uidnext=None if uidnext is None else int(uidnext),
        )

    def refresh_indexed(
        self, sel: _Selected, state: FolderState, folder_id: Any
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
        raise :class:`_Reselect`. (Dovecot ends the session with BYE instead: ConnectionLost,
        and the next connection selects afresh.)"""
        imap = self.imap
        imap.untagged_responses.pop("NO", None)
        try:
            data = command()
        except imaplib.IMAP4.abort:
            raise
        except (ServerRefused, imaplib.IMAP4.error) as exc:
            raise _Reselect(f"the server refused a command on it: {exc}") from exc
        warnings: list[Any] = imap.untagged_responses.pop("NO", [])
        if warnings:
            raise _Reselect(f"the server warned: {warnings[-1]!r}")
        validity: list[Any] = imap.untagged_responses.get("UIDVALIDITY") or []
        if validity and int(validity[-1]) != state.uidvalidity:
            raise _Reselect(f"UIDVALIDITY is now {int(validity[-1])}")
        return data

    def exists_now(self, sel: _Selected) -> int:
        """The folder's message count as the server last said (an EXISTS since the SELECT
        wins over the SELECT's)."""
        lines: list[Any] = self.imap.untagged_responses.get("EXISTS") or []
        return int(lines[-1]) if lines else sel.exists

    def all_uids(self, sel: _Selected) -> list[int]:
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
        self, sel: _Selected, state: FolderState, folder_id: Any, server_all: list[int] | None
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
        present_new = set(server_new)
        stale = [uid for uid in indexed_new if uid not in present_new]
        removed = 0
        if stale:
            with self.index.transaction() as conn:
                removed = self.index.delete_uids(conn, folder_id, sel.uidvalidity, stale)
        have = set(indexed_new)
        return server_new, [uid for uid in reversed(server_new) if uid not in have], removed

    def reconcile(
        self, sel: _Selected, folder_id: Any, server_all: list[int], last_uid: int
    ) -> tuple[list[int], list[int], int]:
        """:meth:`find_new` with the server's every UID: rows of UIDs it does not have go,
        and every UID not indexed is missing (newest first), above ``last_uid`` or not."""
        present = set(server_all)
        indexed = self.index.uids(self.account, self.folder)
        stale = [uid for uid in indexed if uid not in present]
        removed = 0
        if stale:
            with self.index.transaction() as conn:
                removed = self.index.delete_uids(conn, folder_id, sel.uidvalidity, stale)
        have = set(indexed)
        server_new = [uid for uid in server_all if uid > last_uid]
        return server_new, [uid for uid in reversed(server_all) if uid not in have], removed

    def fetch_new(
        self, sel: _Selected, state: FolderState, folder_id: Any, missing: list[int],
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
        fetched = _prefetched(self.imap, batches(missing, size), items)
        analysed = _analysed(fetched, folder, index.threshold, workers)
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
                    raise _LeaseLost(folder)
                if self.progress is not None:
                    self.progress(index.counts(self.account, folder)[0], sel.exists)
        return added


__all__ = [
    "CHUNK_SIZE",
    "HELPER_CHUNK_SIZE",
    "PARALLEL_MIN",
    "Progress",
    "SyncResult",
    "analysis_workers",
    "forget_selected",
    "sync_folder",
]
