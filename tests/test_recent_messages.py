"""The kept opened messages (``webmail/mailbox/recent.py``): bounded in bytes, least recently
used dropped first, separate per owner, per folder and per UIDVALIDITY, expiring."""

from __future__ import annotations

from typing import Any

from webmail.mailbox.recent import RecentMessages

ALICE, BOB = ("alice", "session-a"), ("bob", "session-b")


def test_a_message_is_kept_under_its_owner_folder_uidvalidity_and_uid_only() -> None:
    kept: RecentMessages[str] = RecentMessages()
    kept.put(ALICE, "INBOX", 7, 1, "alice's", 10)
    assert kept.get(ALICE, "INBOX", 7, 1) == "alice's"
    assert kept.get(BOB, "INBOX", 7, 1) is None
    assert kept.get(("alice", "another session"), "INBOX", 7, 1) is None
    assert kept.get(ALICE, "Archive", 7, 1) is None
    assert kept.get(ALICE, "INBOX", 8, 1) is None  # the folder was made again
    assert kept.get(ALICE, "INBOX", 7, 2) is None
    assert kept.holds(ALICE, "INBOX", 1) and not kept.holds(BOB, "INBOX", 1)


def test_the_least_recently_used_go_first_when_the_bytes_run_out() -> None:
    kept: RecentMessages[int] = RecentMessages(max_bytes=300, max_entry_bytes=300)
    for uid in (1, 2, 3):
        kept.put(ALICE, "INBOX", 7, uid, uid, 100)
    assert kept.get(ALICE, "INBOX", 7, 1) == 1  # used: now the most recent
    kept.put(ALICE, "INBOX", 7, 4, 4, 100)
    assert kept.get(ALICE, "INBOX", 7, 2) is None
    assert [kept.get(ALICE, "INBOX", 7, u) for u in (1, 3, 4)] == [1, 3, 4]
    assert kept.bytes == 300


def test_what_is_rendered_later_is_charged_and_can_push_others_out() -> None:
    kept: RecentMessages[int] = RecentMessages(max_bytes=300, max_entry_bytes=250)
    kept.put(ALICE, "INBOX", 7, 1, 1, 100)
    kept.put(ALICE, "INBOX", 7, 2, 2, 100)
    kept.charge(ALICE, "INBOX", 7, 2, 120)
    assert kept.bytes == 320 - 100 and kept.get(ALICE, "INBOX", 7, 1) is None
    kept.charge(ALICE, "INBOX", 7, 2, 100)  # over the entry cap: not kept at all
    assert kept.get(ALICE, "INBOX", 7, 2) is None and kept.bytes == 0


def test_a_message_over_the_entry_cap_is_not_kept() -> None:
    kept: RecentMessages[int] = RecentMessages(max_entry_bytes=50)
    kept.put(ALICE, "INBOX", 7, 1, 1, 51)
    assert kept.get(ALICE, "INBOX", 7, 1) is None and kept.bytes == 0


def test_kept_messages_expire_and_an_owner_can_drop_theirs(monkeypatch: Any) -> None:
    now = [1000.0]
    monkeypatch.setattr("webmail.mailbox.recent.time.monotonic", lambda: now[0])
    kept: RecentMessages[int] = RecentMessages(ttl=60)
    kept.put(ALICE, "INBOX", 7, 1, 1, 10)
    kept.put(BOB, "INBOX", 7, 1, 2, 10)
    kept.forget(BOB)
    assert kept.get(BOB, "INBOX", 7, 1) is None
    now[0] += 50
    assert kept.get(ALICE, "INBOX", 7, 1) == 1  # used: 60 s more from now
    now[0] += 59
    assert kept.get(ALICE, "INBOX", 7, 1) == 1
    now[0] += 61
    assert kept.get(ALICE, "INBOX", 7, 1) is None and kept.bytes == 0
