"""A list page's sync check of a folder where nothing changed writes nothing to the index (no
lease, no state update, no heartbeat thread), against a real Dovecot (issue 14); what another
client changes meanwhile is still found by the next check on the same connection."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.syncdata import User, message
from webmail.index.sqlite import Index
from webmail.mailbox.sync import sync_folder


@contextmanager
def commits_seen(index: Index) -> Iterator[list[int]]:
    """How many commits other connections made to ``index``'s database during the block
    (SQLite's ``data_version`` from a connection of its own), and the sync lease threads
    started meanwhile: ``[commits, threads]`` once the block ends."""
    watcher = sqlite3.connect(index.path)
    before = watcher.execute("PRAGMA data_version").fetchone()[0]
    started: list[str] = []
    real_start = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        started.append(thread.name)
        real_start(thread)

    out: list[int] = []
    threading.Thread.start = start  # type: ignore[method-assign]
    try:
        yield out
    finally:
        threading.Thread.start = real_start  # type: ignore[method-assign]
        after = watcher.execute("PRAGMA data_version").fetchone()[0]
        watcher.close()
        out += [after - before, sum(1 for n in started if n == "webmail-sync-lease")]


def test_the_check_of_an_unchanged_folder_writes_nothing(user: User, index: Index) -> None:
    user.deliver(8)
    with user.client() as c:
        sync_folder(c, index, user.account, "INBOX")
        sync_folder(c, index, user.account, "INBOX")  # the folder is now left selected
        with commits_seen(index) as seen:
            again = sync_folder(c, index, user.account, "INBOX")
    assert (again.added, again.flags_changed, again.removed, again.total) == (0, 0, 0, 8)
    assert seen == [0, 0]


def test_a_check_that_writes_something_shows_on_the_watcher(user: User, index: Index) -> None:
    """The watcher sees a sync's writes (so its zero above means something)."""
    user.deliver(3)
    with user.client() as c, user.client() as other:
        sync_folder(c, index, user.account, "INBOX")
        other.select_folder("INBOX")
        other.add_flags([2], [b"\\Seen"])
        with commits_seen(index) as seen:
            result = sync_folder(c, index, user.account, "INBOX")
    assert result.flags_changed == 1
    assert seen[0] > 0 and seen[1] == 1


def test_changes_from_another_client_are_found_after_unchanged_checks(
    user: User, index: Index
) -> None:
    """Flags, a new message and an expunge, each between two checks on one connection, are
    found; after each the check writes nothing again (an expunged UID the index no longer
    holds does not count as a change)."""
    user.deliver(6)
    with user.client() as c, user.client() as other:
        sync_folder(c, index, user.account, "INBOX")
        other.select_folder("INBOX")

        def settled() -> list[int]:
            with commits_seen(index) as seen:
                result = sync_folder(c, index, user.account, "INBOX")
            assert (result.added, result.flags_changed, result.removed) == (0, 0, 0)
            return seen

        assert settled() == [0, 0]
        other.add_flags([3], [b"\\Flagged"])
        assert sync_folder(c, index, user.account, "INBOX").flags_changed == 1
        assert index.row(user.account, "INBOX", 3).flags == {"\\Flagged"}  # type: ignore[union-attr]
        assert settled() == [0, 0]

        raw, arrival = message(100, late=True)
        other.append("INBOX", raw, msg_time=arrival)
        added = sync_folder(c, index, user.account, "INBOX")
        assert (added.added, added.total) == (1, 7)
        assert settled() == [0, 0]

        other.delete_messages([2, 5])
        other.expunge()
        removed = sync_folder(c, index, user.account, "INBOX")
        assert (removed.removed, removed.total) == (2, 5)
        assert settled() == [0, 0]

        other.add_flags([1], [b"\\Seen"])  # after the expunge: still found
        assert sync_folder(c, index, user.account, "INBOX").flags_changed == 1
        raw, arrival = message(101)
        other.append("INBOX", raw, msg_time=arrival)  # the count back where it was
        other.delete_messages([7])
        other.expunge()
        again = sync_folder(c, index, user.account, "INBOX")
        assert (again.added, again.removed, again.total) == (1, 1, 5)
        assert sorted(
            r.uid for r in index.page(user.account, "INBOX", order="arrival", limit=50)
        ) == [1, 3, 4, 6, 8]
        assert settled() == [0, 0]
