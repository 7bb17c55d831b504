"""The demo mailbox: the Mailbox Protocol in memory, and an outage the header library sees."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta

import pytest

from webmail.config import Settings
from webmail.mailbox import AuthError, ConnectionLost, MessageSummary, NotFound
from webmail.mailbox.demo import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    FUTURE_SPAM,
    HELD_HOST,
    MAILSTORE_HOST,
    NO_DATE,
    OUTAGE,
    DemoMailbox,
    DemoStore,
    outage_friday,
)
from webmail.mailbox.pool import MailboxPool, open_mailbox

NOW = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)  # Thursday; the outage Friday is 14 June
FRIDAY = datetime(2024, 6, 14, tzinfo=UTC)


@pytest.fixture
def store() -> DemoStore:
    return DemoStore(NOW)


@pytest.fixture
def mbox(store: DemoStore) -> DemoMailbox:
    return DemoMailbox(store)


def rows_of_kind(mbox: DemoMailbox, store: DemoStore, kind: str) -> list[MessageSummary]:
    kinds = store.kinds("INBOX")
    return [r for r in mbox.summaries("INBOX") if kinds[r.uid] == kind]


def test_outage_friday_is_the_latest_friday_whose_wednesday_evening_has_passed() -> None:
    assert outage_friday(NOW) == FRIDAY
    assert outage_friday(datetime(2024, 6, 19, 17, 59, tzinfo=UTC)) == datetime(
        2024, 6, 7, tzinfo=UTC)
    assert outage_friday(datetime(2024, 6, 19, 18, 0, tzinfo=UTC)) == FRIDAY


def test_same_reference_gives_the_same_messages() -> None:
    a, b = DemoStore(NOW), DemoStore(NOW)
    assert [s.raw for s in a.folders["INBOX"].values()] == [
        s.raw for s in b.folders["INBOX"].values()]


def test_folders_have_roles_counts_and_role_order(mbox: DemoMailbox) -> None:
    folders = mbox.folders()
    assert [(f.name, f.role) for f in folders] == [
        ("INBOX", "inbox"), ("Drafts", "drafts"), ("Sent", "sent"), ("Junk", "junk"),
        ("Trash", "trash"), ("Archive", "archive")]
    inbox = folders[0]
    assert (inbox.display_name, inbox.total, inbox.unseen) == ("Inbox", 38, 17)


def test_every_message_is_parseable_rfc5322_arriving_before_now(
    mbox: DemoMailbox, store: DemoStore
) -> None:
    for folder in store.folders:
        for row in mbox.summaries(folder):
            raw = mbox.message(folder, row.uid).raw
            msg = email.message_from_bytes(raw)
            assert msg["From"] and msg["Message-ID"]
            assert b"\r\n\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
            assert row.arrival < NOW
            assert row.size == len(raw)


def test_inbox_mixes_attachments_html_non_ascii_flagged_and_unread(mbox: DemoMailbox) -> None:
    rows = {r.subject: r for r in mbox.summaries("INBOX")}
    assert {s for s, r in rows.items() if r.has_attachments} == {
        "Quarterly report draft", "会議の資料 (meeting materials)", "Garden update 🌱",
        "Photos from the hike", "Invoice INV-117 (due Monday)"}
    assert [s for s, r in rows.items() if r.flagged] == [
        "Welcome to the demo mailbox: the lost weekend"]
    newsletter = email.message_from_bytes(
        mbox.message("INBOX", rows["The Weekly Byte — issue 212"].uid).raw)
    assert newsletter.get_content_type() == "multipart/alternative"
    assert rows["Kündigungsbestätigung Ihres Vertrags"].sender_name == "Jonas Weber"
    assert sum(1 for r in rows.values() if not r.seen) == 17


def test_outage_mail_is_late_and_held_at_the_inbound_mx(
    mbox: DemoMailbox, store: DemoStore
) -> None:
    late = rows_of_kind(mbox, store, OUTAGE)
    assert len(late) == 18
    for row in late:
        a = row.analysis
        assert (row.late, a.sent_source, a.delivered_source) == (True, "date", "arrival")
        assert (a.bottleneck_hop.from_, a.bottleneck_hop.by) == (HELD_HOST, MAILSTORE_HOST)
        assert a.held_at == HELD_HOST
        assert FRIDAY + timedelta(hours=18) <= a.sent <= FRIDAY + timedelta(hours=66)
        assert FRIDAY + timedelta(hours=70.5) <= row.arrival
        assert row.arrival <= FRIDAY + timedelta(hours=108, seconds=1)
    by_arrival = [r.uid for r in sorted(late, key=lambda r: r.arrival)]
    by_sent = [r.uid for r in sorted(late, key=lambda r: r.sent)]
    assert by_arrival != by_sent  # delivered out of order


def test_ontime_mail_is_not_late(mbox: DemoMailbox, store: DemoStore) -> None:
    assert [r.subject for r in rows_of_kind(mbox, store, "ontime") if r.late] == []


def test_message_without_date_is_dated_by_its_oldest_hop(
    mbox: DemoMailbox, store: DemoStore
) -> None:
    [row] = rows_of_kind(mbox, store, NO_DATE)
    a = row.analysis
    assert (a.date_header, a.sent_source, a.sent) == (None, "received", a.hops[0].time)
    assert row.late is False


def test_spam_dated_years_ahead_falls_back_to_oldest_hop_with_a_warning(
    mbox: DemoMailbox, store: DemoStore
) -> None:
    [row] = rows_of_kind(mbox, store, FUTURE_SPAM)
    a = row.analysis
    assert a.date_header is not None and a.date_header.year == 2027
    assert (a.sent_source, a.sent) == ("received", a.hops[0].time)
    assert len(a.warnings) == 1


def test_every_message_has_a_unique_name_that_finds_its_uid(
    mbox: DemoMailbox, store: DemoStore
) -> None:
    names = [s.name for folder in store.folders.values() for s in folder.values()]
    assert len(names) == len(set(names)) == 45
    for folder in store.folders:
        for uid, s in store.folders[folder].items():
            assert store.uid_of(s.name) == uid
    brunch = store.uid_of("brunch-where-are-you")
    summary = mbox.message("INBOX", brunch).summary
    assert (summary.subject, summary.late) == ("Where are you? Brunch table is ready", True)
    assert store.kinds("INBOX")[store.uid_of("lottery-spam-future")] == FUTURE_SPAM
    with pytest.raises(KeyError):
        store.uid_of("no-such-message")


def test_a_name_follows_its_message_to_trash_and_is_gone_when_deleted(
    mbox: DemoMailbox, store: DemoStore
) -> None:
    mbox.move_to_trash("INBOX", store.uid_of("invoice-held-weekend"))
    uid = store.uid_of("invoice-held-weekend")
    assert mbox.message("Trash", uid).summary.subject == "Invoice INV-117 (due Monday)"
    mbox.move_to_trash("Trash", uid)
    with pytest.raises(KeyError):
        store.uid_of("invoice-held-weekend")


def test_reading_does_not_mark_read_and_set_flags_round_trips(mbox: DemoMailbox) -> None:
    unread = next(r for r in mbox.summaries("INBOX") if not r.seen)
    assert mbox.message("INBOX", unread.uid).summary.seen is False
    mbox.set_flags("INBOX", unread.uid, add=["\\Seen", "\\Flagged"])
    assert DemoMailbox(mbox.store).message("INBOX", unread.uid).summary.flags == frozenset(
        {"\\Seen", "\\Flagged"})
    mbox.set_flags("INBOX", unread.uid, remove=["\\Seen"])
    assert mbox.message("INBOX", unread.uid).summary.flags == frozenset({"\\Flagged"})


def test_move_to_trash_then_delete_for_good(mbox: DemoMailbox) -> None:
    row = mbox.summaries("INBOX")[0]
    mbox.move_to_trash("INBOX", row.uid)
    with pytest.raises(NotFound):
        mbox.message("INBOX", row.uid)
    trashed = [r for r in mbox.summaries("Trash") if r.message_id == row.message_id]
    assert len(trashed) == 1
    mbox.move_to_trash("Trash", trashed[0].uid)
    assert [r for r in mbox.summaries("Trash") if r.message_id == row.message_id] == []


def test_unknown_folder_or_uid_raises_not_found_and_closed_raises_connection_lost(
    mbox: DemoMailbox,
) -> None:
    with pytest.raises(NotFound):
        mbox.summaries("Nope")
    with pytest.raises(NotFound):
        mbox.message("INBOX", 999)
    mbox.close()
    with pytest.raises(ConnectionLost):
        mbox.folders()


def test_open_mailbox_in_demo_mode_checks_demo_credentials(store: DemoStore) -> None:
    settings = Settings()
    assert settings.demo is True
    mbox = open_mailbox(settings, DEMO_USERNAME, DEMO_PASSWORD, demo_store=store)
    assert isinstance(mbox, DemoMailbox)
    with pytest.raises(AuthError):
        open_mailbox(settings, DEMO_USERNAME, "wrong", demo_store=store)


def test_pool_keeps_one_mailbox_per_key_in_demo_mode(store: DemoStore) -> None:
    pool = MailboxPool(Settings(), demo_store=store)
    try:
        with pool.mailbox("a", "demo", "demo") as first:
            pass
        with pool.mailbox("a", "demo", "demo") as again, pool.mailbox("b", "demo", "demo") as other:
            assert again is first
            assert other is not first
        assert len(pool) == 2
        pool.discard("a")
        assert len(pool) == 1
        with pytest.raises(AuthError), pool.mailbox("b", "demo", "nope"):
            pass
        assert len(pool) == 0
    finally:
        pool.close_all()


def test_pool_closes_idle_connections_and_stays_bounded(store: DemoStore) -> None:
    pool = MailboxPool(Settings(), demo_store=store, max_size=2, idle_seconds=3600)
    try:
        for key in "abc":
            with pool.mailbox(key, "demo", "demo"):
                pass
        assert len(pool) == 2
        pool.idle_seconds = 0
        assert pool.close_idle() == 2
        assert len(pool) == 0
    finally:
        pool.close_all()
