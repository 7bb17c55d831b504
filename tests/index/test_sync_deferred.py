"""A sync with ``fetch_limit`` (the one a list page runs while the reader waits) fetches
nothing when more messages are missing than that, and leaves them to a background sync."""

from __future__ import annotations

from tests.support.syncdata import User
from webmail.index.sqlite import Index
from webmail.mailbox.sync import sync_folder


def test_a_big_backlog_is_deferred_and_the_rows_indexed_before_stay(
    user: User, index: Index
) -> None:
    user.deliver(5)
    with user.client() as c:
        assert sync_folder(c, index, user.account, "INBOX", fetch_limit=10).added == 5
        user.deliver(30, first=5)  # another client's backlog (APPEND-free: files, then NOOP)
        c.noop()
        result = sync_folder(c, index, user.account, "INBOX", fetch_limit=10)
        assert (result.deferred, result.added, result.total) == (True, 0, 5)
        state = index.state(user.account, "INBOX")
        assert state is not None and not state.complete and state.progress == (5, 35)
        done = sync_folder(c, index, user.account, "INBOX")  # the background sync
        assert (done.deferred, done.added, done.total) == (False, 30, 35)
        assert index.state(user.account, "INBOX").complete  # type: ignore[union-attr]
