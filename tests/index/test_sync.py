"""webmail.mailbox.sync against a real Dovecot: what another client does shows up in the index."""

from __future__ import annotations

import contextlib
import os
import stat
import time
from datetime import timedelta

import pytest
from imapclient import IMAPClient

from tests.support.syncdata import T0, User, message
from webmail.config import Settings
from webmail.index import open_index
from webmail.index.sqlite import Index
from webmail.mailbox import ConnectionLost
from webmail.mailbox.sync import sync_folder


def uids(index: Index, user: User, folder: str = "INBOX") -> list[int]:
    return [
        row.uid
        for row in index.page(user.account, folder, order="arrival", limit=500, newest_first=False)
    ]


def test_first_sync_indexes_every_message_with_its_analysis(user: User, index: Index) -> None:
    user.deliver(25)
    seen: list[tuple[int, int]] = []
    with user.client() as c:
        result = sync_folder(
            c,
            index,
            user.account,
            "INBOX",
            progress=lambda d, t: seen.append((d, t)),
            chunk_size=10,
        )
    assert (result.added, result.removed, result.rebuilt, result.total) == (25, 0, False, 25)
    assert seen == [(10, 25), (20, 25), (25, 25)]
    state = index.state(user.account, "INBOX")
    assert state is not None
    assert (state.total, state.late, state.last_uid, state.complete, state.server_count) == (
        25,
        3,
        25,
        True,
        25,
    )
    row = index.row(user.account, "INBOX", 4)  # message 3: late, held 5 h at slow.example.org
    assert row is not None
    assert (row.sender_name, row.sender_address, row.subject) == (
        "Sender 3",
        "sender3@example.net",
        "message 3",
    )
    assert row.arrival == T0 + timedelta(minutes=3)
    assert row.sent == T0 + timedelta(minutes=3) - timedelta(hours=5)
    # The host where it waited (the page and the CLI name the same one), not the next hop.
    assert (row.late, row.delay_seconds, row.held_at) == (True, 5 * 3600, "slow.example.org")
    assert row.analysis.sent_source == "date"
    assert [h.by for h in row.analysis.hops] == ["slow.example.org", "mx.example.com"]


def test_second_sync_with_nothing_new_changes_nothing(user: User, index: Index) -> None:
    user.deliver(5)
    with user.client() as c:
        sync_folder(c, index, user.account, "INBOX")
        again = sync_folder(c, index, user.account, "INBOX")
    assert (again.added, again.flags_changed, again.removed, again.total) == (0, 0, 0, 5)


def test_new_mail_from_another_client_is_added(user: User, index: Index) -> None:
    user.deliver(5)
    with user.client() as c, user.client() as other:
        sync_folder(c, index, user.account, "INBOX")
        raw, arrival = message(100, late=True)
        other.append("INBOX", raw, msg_time=arrival)
        result = sync_folder(c, index, user.account, "INBOX")
    assert (result.added, result.total) == (1, 6)
    assert uids(index, user) == [1, 2, 3, 4, 5, 6]
    assert index.counts(user.account, "INBOX") == (6, 2)
    newest = index.page(user.account, "INBOX", order="arrival", limit=1)[0]
    assert (newest.uid, newest.subject, newest.late) == (6, "message 100", True)


def test_flag_change_from_another_client_is_picked_up(user: User, index: Index) -> None:
    user.deliver(5)
    with user.client() as c, user.client() as other:
        sync_folder(c, index, user.account, "INBOX")
        other.select_folder("INBOX")
        other.add_flags([2, 4], [b"\\Seen", b"\\Flagged"])
        other.remove_flags([2], [b"\\Flagged"])
        result = sync_folder(c, index, user.account, "INBOX")
    assert (result.added, result.flags_changed, result.removed) == (0, 2, 0)
    assert index.row(user.account, "INBOX", 2).flags == {"\\Seen"}  # type: ignore[union-attr]
    assert index.row(user.account, "INBOX", 4).flags == {"\\Seen", "\\Flagged"}  # type: ignore[union-attr]
    assert index.row(user.account, "INBOX", 3).flags == frozenset()  # type: ignore[union-attr]


def test_expunge_from_another_client_removes_the_rows(user: User, index: Index) -> None:
    user.deliver(6)
    with user.client() as c, user.client() as other:
        sync_folder(c, index, user.account, "INBOX")
        other.select_folder("INBOX")
        other.delete_messages([2, 4])  # message 3 (late) is UID 4
        other.expunge()
        result = sync_folder(c, index, user.account, "INBOX")
    assert (result.removed, result.total) == (2, 4)
    assert uids(index, user) == [1, 3, 5, 6]
    assert index.counts(user.account, "INBOX") == (4, 0)


def test_without_condstore_flags_and_expunges_are_found_by_comparing(
    plain_user: User, index: Index
) -> None:
    plain_user.deliver(6)
    with plain_user.client() as c, plain_user.client() as other:
        assert b"CONDSTORE" not in c.capabilities()
        sync_folder(c, index, plain_user.account, "INBOX")
        assert index.state(plain_user.account, "INBOX").highestmodseq is None  # type: ignore[union-attr]
        other.select_folder("INBOX")
        other.add_flags([1], [b"\\Answered"])
        other.delete_messages([5])
        other.expunge()
        raw, arrival = message(50)
        other.append("INBOX", raw, msg_time=arrival)
        result = sync_folder(c, index, plain_user.account, "INBOX")
    assert (result.added, result.removed, result.total) == (1, 1, 6)
    assert uids(index, plain_user) == [1, 2, 3, 4, 6, 7]
    assert index.row(plain_user.account, "INBOX", 1).flags == {"\\Answered"}  # type: ignore[union-attr]


def test_recreated_folder_with_new_uidvalidity_is_rebuilt(user: User, index: Index) -> None:
    with user.client() as other:
        other.create_folder("Lists")
        for n in range(4):
            raw, arrival = message(n)
            other.append("Lists", raw, msg_time=arrival)
    with user.client() as c:
        sync_folder(c, index, user.account, "Lists")
    old = index.state(user.account, "Lists")
    with user.client() as other:
        other.delete_folder("Lists")
        other.create_folder("Lists")
        for n in (10, 11):
            raw, arrival = message(n)
            other.append("Lists", raw, msg_time=arrival)
    with user.client() as c:
        result = sync_folder(c, index, user.account, "Lists")
    new = index.state(user.account, "Lists")
    assert old is not None and new is not None
    assert new.uidvalidity != old.uidvalidity
    assert (result.rebuilt, result.added, result.total) == (True, 2, 2)
    assert [r.subject for r in index.page(user.account, "Lists")] == ["message 11", "message 10"]


def test_deleted_uidlist_gives_a_new_uidvalidity_and_a_rebuild(user: User, index: Index) -> None:
    user.deliver(3)
    with user.client() as c:
        sync_folder(c, index, user.account, "INBOX")
    old = index.state(user.account, "INBOX")
    time.sleep(
        1.1
    )  # Dovecot's new UIDVALIDITY is the current time: within the same second it repeats
    maildir = user.server.maildir(user.name)
    for name in os.listdir(maildir):
        if name.startswith("dovecot"):  # the uidlist and the index files: a new UIDVALIDITY
            os.remove(maildir / name)
    with user.client() as c:
        result = sync_folder(c, index, user.account, "INBOX")
    new = index.state(user.account, "INBOX")
    assert old is not None and new is not None and new.uidvalidity != old.uidvalidity
    assert (result.rebuilt, result.added, result.total) == (True, 3, 3)


def test_sync_cut_half_way_resumes_without_loss_or_duplicates(
    user: User, index: Index, proxy
) -> None:  # type: ignore[no-untyped-def]
    user.deliver(55)
    p = proxy(user.server)
    c = IMAPClient("127.0.0.1", port=p.port, ssl=False, timeout=5)
    c.login(user.name, user.password)
    cuts = []

    def cut_after_two_chunks(done: int, total: int) -> None:
        if done >= 20 and not cuts:
            cuts.append(done)
            p.cut()

    try:
        with pytest.raises(ConnectionLost):
            sync_folder(
                c, index, user.account, "INBOX", progress=cut_after_two_chunks, chunk_size=10
            )
    finally:
        with contextlib.suppress(Exception):
            c.shutdown()
    state = index.state(user.account, "INBOX")
    assert state is not None
    # Chunks committed before the cut stay: two, plus whatever the prefetching thread had
    # already received when the cut came (two queued and one in flight: seen under CPU load).
    assert state.total in (20, 30, 40, 50)
    assert (state.complete, state.last_uid) == (False, 0)
    assert uids(index, user) == list(range(56 - state.total, 56))  # newest first
    assert state.settled_since == T0 + timedelta(minutes=55 - state.total)
    with user.client() as c2:
        result = sync_folder(c2, index, user.account, "INBOX", chunk_size=10)
    assert (result.added, result.total) == (55 - state.total, 55)
    assert uids(index, user) == list(range(1, 56))
    assert index.counts(user.account, "INBOX") == (55, 6)
    assert index.state(user.account, "INBOX").complete  # type: ignore[union-attr]


def test_two_users_never_see_each_others_rows(dovecot, index: Index) -> None:  # type: ignore[no-untyped-def]
    alice, bob = User(dovecot), User(dovecot)
    for who, n in ((alice, 1), (bob, 2)):
        raw, arrival = message(n, subject=f"for {who.name}")
        dovecot.deliver(who.name, raw, arrival)
        with who.client() as c:
            sync_folder(c, index, who.account, "INBOX")
    assert alice.account != bob.account
    assert [r.subject for r in index.page(alice.account, "INBOX")] == [f"for {alice.name}"]
    assert [r.subject for r in index.page(bob.account, "INBOX")] == [f"for {bob.name}"]
    assert index.row(alice.account, "INBOX", 1).subject == f"for {alice.name}"  # type: ignore[union-attr]
    assert index.folders(alice.account) == ["INBOX"]


def test_purge_removes_one_users_rows_only(dovecot, index: Index) -> None:  # type: ignore[no-untyped-def]
    alice, bob = User(dovecot), User(dovecot)
    alice.deliver(3)
    bob.deliver(2)
    for who in (alice, bob):
        with who.client() as c:
            sync_folder(c, index, who.account, "INBOX")
    assert index.purge(alice.account) == 3
    assert index.page(alice.account, "INBOX") == []
    assert index.state(alice.account, "INBOX") is None
    assert len(index.page(bob.account, "INBOX")) == 2


def test_a_folder_being_synced_by_another_worker_is_skipped(user: User, index: Index) -> None:
    user.deliver(2)
    assert index.claim(user.account, "INBOX", "other-worker", 60)
    with user.client() as c:
        result = sync_folder(c, index, user.account, "INBOX")
    assert (result.skipped, result.added) == (True, 0)
    index.release(user.account, "INBOX", "other-worker")
    with user.client() as c:
        assert sync_folder(c, index, user.account, "INBOX").added == 2


def test_index_switched_off_by_setting_gives_no_index(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"WEBMAIL_INDEX": "off"})
    assert open_index(settings, tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_index_files_are_readable_by_the_app_user_only(user: User, tmp_path) -> None:  # type: ignore[no-untyped-def]
    idx = open_index(Settings(), tmp_path)
    assert idx is not None
    user.deliver(1)
    with user.client() as c:
        sync_folder(c, idx, user.account, "INBOX")
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"index.sqlite3": 0o600, "index.sqlite3-wal": 0o600, "index.sqlite3-shm": 0o600}
    idx.close()


def test_a_folder_selected_elsewhere_in_between_is_selected_again(user: User, index: Index) -> None:
    user.deliver(3)
    with user.client() as c, user.client() as other:
        c.create_folder("Other")
        sync_folder(c, index, user.account, "INBOX")
        c.select_folder("Other")  # the web layer used the connection for another folder
        raw, arrival = message(40)
        other.append("INBOX", raw, msg_time=arrival)
        other.select_folder("INBOX")
        other.add_flags([1], [b"\\Flagged"])
        result = sync_folder(c, index, user.account, "INBOX")
    assert (result.added, result.flags_changed, result.total) == (1, 1, 4)
    assert index.row(user.account, "INBOX", 1).flags == {"\\Flagged"}  # type: ignore[union-attr]
    assert index.state(user.account, "Other") is None
