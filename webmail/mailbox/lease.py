"""The lease a sync holds on its folder while it runs (:func:`webmail.mailbox.sync.sync_folder`).

One sync per folder at a time, across threads, processes and machines: a sync holds the
folder's lease in the index (``IndexStore.claim``) for :data:`LEASE_SECONDS` past its last
heartbeat. A thread of the sync renews it every third of that, through a long FETCH too, and
dies with its process: a sync that was killed (``kill -9``, an OOM kill) holds the folder no
longer than the lease, and a live one never loses it for being slow.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from webmail.index.store import IndexStore

#: A sync's lease on its folder outlives its last heartbeat by this much (see the module docstring).
LEASE_SECONDS = 15.0


class LeaseLost(Exception):
    """Another sync holds the folder now (this one stalled past its lease): stop writing."""


@contextlib.contextmanager
def heartbeat(
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
