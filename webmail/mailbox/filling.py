"""The first fill's FETCH pipeline for :func:`webmail.mailbox.sync.sync_folder`: new messages
fetched in chunks by a helper thread one chunk ahead, their rows built here or in helper
processes.

A big fill (:data:`PARALLEL_MIN` messages or more) builds its rows in helper processes
(:mod:`webmail.mailbox.analysis`): the header analysis is pure Python, and in this process it
would hold the GIL for most of the fill, so the pages a web worker serves meanwhile would queue
behind it, and one core would do all of it. The helpers get the raw FETCH data of a chunk and
give back its stored rows, built by the same function as here (``chunk_rows``). This process
keeps the IMAP connection and the index writes, chunk by chunk in the same order as before.
Should the helpers fail to start or die, the rows are built here.
"""

from __future__ import annotations

import collections
import imaplib
import logging
import os
import queue
import threading
from collections.abc import Generator, Iterable, Sequence
from datetime import timedelta
from typing import Any

from webmail.mailbox import wire
from webmail.mailbox.analysis import HelperFailed, Helpers, Rows, chunk_rows, job_data
from webmail.mailbox.rawimap import uid_command

CHUNK_SIZE = 1000
#: The chunk of a fill whose rows helper processes build: every chunk in flight (read ahead,
#: in a helper's hands, its rows coming back) is held by this process or a helper, so smaller
#: chunks hold less (bench/index.py, 100k, this process + 2 helpers: 1000 UIDs 110 MB, 500 92
#: MB, 250 83 MB), but each costs a FETCH and a lease renewal, and fewer messages wait ahead
#: of the helpers (the same run: 1.16x, 1.30x, 1.35x the bare fetch; noisy, 0.98x to 1.35x
#: for 250 over four runs).
HELPER_CHUNK_SIZE = 500
PREFETCH = 2  # chunks fetched ahead of the analysis
#: A fill of at least this many messages builds its rows in helper processes (see the module
#: docstring); smaller ones here (a helper takes ~0.3 s to start).
PARALLEL_MIN = 5000
#: How many helper processes a big fill uses at most (see analysis_workers).
ANALYSIS_WORKERS = 2

_log = logging.getLogger("webmail.mailbox.sync")  # the sync's log, as before the split


_DONE = object()


def prefetched(
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


def analysed_chunks(
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
