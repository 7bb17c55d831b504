"""ImapMailbox and MailboxPool against a real Dovecot; faults are injected for real."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.imapserver import Dovecot, MailUser, TcpProxy, add_user, free_port
from webmail.config import Settings
from webmail.mailbox import (
    AuthError,
    ConnectionLost,
    NotFound,
    ServerTimeout,
    ServerUnavailable,
)
from webmail.mailbox.demodata import HELD_HOST, MAILSTORE_HOST, OUTAGE, DemoMessage, generate
from webmail.mailbox.imap import ImapMailbox
from webmail.mailbox.pool import MailboxPool, open_mailbox

NOW = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)  # a Thursday: the outage was Fri 14 – Wed 19 June
MAILDIR_FLAGS = {"\\Seen": "S", "\\Flagged": "F", "\\Answered": "R", "\\Draft": "D"}
SettingsFactory = Callable[..., Settings]


def deliver_demo_inbox(server: Dovecot, user: MailUser) -> list[DemoMessage]:
    """Write the demo INBOX into the user's Maildir, in arrival (= UID) order."""
    messages = [m for m in generate(NOW) if m.folder == "INBOX"]
    for m in messages:
        server.deliver(user.name, m.raw, m.arrival,
                       flags="".join(MAILDIR_FLAGS[f] for f in m.flags))
    return messages


def simple_message(subject: str, sent: datetime) -> bytes:
    return (
        f"Received: from mx.example.org by imap.example.com with LMTP; "
        f"{sent.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        f"From: Ann <ann@example.org>\r\nTo: user@example.com\r\nSubject: {subject}\r\n"
        f"Date: {sent.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@example.org>\r\n\r\nHello.\r\n"
    ).encode()


def test_login_with_right_password_returns_imap_mailbox(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory
) -> None:
    mbox = open_mailbox(imap_settings(dovecot), mail_user.name, mail_user.password)
    try:
        assert isinstance(mbox, ImapMailbox)
        assert [f.name for f in mbox.folders()][0] == "INBOX"
    finally:
        mbox.close()


def test_login_with_wrong_password_raises_auth_error(
    fresh_dovecot: Dovecot, imap_settings: SettingsFactory
) -> None:
    # Its own server: after a failed login Dovecot's auth penalty delays the next login
    # from 127.0.0.1 by seconds, which would slow every later test on the shared server.
    user = add_user(fresh_dovecot)
    with pytest.raises(AuthError) as info:
        open_mailbox(imap_settings(fresh_dovecot), user.name, "wrong")
    assert info.value.user_message == "Wrong username or password."


def test_folders_have_special_use_roles_counts_and_decoded_names(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory
) -> None:
    t = NOW - timedelta(days=1)
    dovecot.deliver(mail_user.name, simple_message("one", t), t, flags="S")
    dovecot.deliver(mail_user.name, simple_message("two", t), t + timedelta(minutes=1))
    dovecot.deliver(mail_user.name, simple_message("three", t), t + timedelta(minutes=2))
    dovecot.deliver(mail_user.name, simple_message("receipt", t), t, folder="Receipts/2024")
    setup = dovecot.client(mail_user.name, mail_user.password)
    setup.create_folder("Reçus")
    setup.logout()

    mbox = ImapMailbox.connect(imap_settings(dovecot), mail_user.name, mail_user.password)
    try:
        folders = {f.name: f for f in mbox.folders()}
        order = [f.name for f in mbox.folders()]
    finally:
        mbox.close()

    assert order[:5] == ["INBOX", "Drafts", "Sent", "Junk", "Trash"]
    assert {n: folders[n].role for n in order[:5]} == {
        "INBOX": "inbox", "Drafts": "drafts", "Sent": "sent", "Junk": "junk", "Trash": "trash"}
    inbox = folders["INBOX"]
    assert (inbox.display_name, inbox.total, inbox.unseen) == ("Inbox", 3, 2)
    sub = folders["Receipts/2024"]
    assert (sub.display_name, sub.depth, sub.delimiter, sub.total) == ("2024", 1, "/", 1)
    assert folders["Reçus"].role is None
    assert folders["Reçus"].total == 0


def test_summaries_give_arrival_flags_size_attachments_and_analysis(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory
) -> None:
    messages = deliver_demo_inbox(dovecot, mail_user)
    mbox = ImapMailbox.connect(imap_settings(dovecot), mail_user.name, mail_user.password)
    try:
        rows = mbox.summaries("INBOX")
    finally:
        mbox.close()

    assert [r.uid for r in rows] == list(range(1, len(messages) + 1))
    for row, m in zip(rows, messages, strict=True):
        assert row.arrival == m.arrival
        assert row.arrival.tzinfo is not None
        assert row.flags == m.flags
        assert row.size == len(m.raw)
    with_files = {r.subject for r in rows if r.has_attachments}
    assert with_files == {
        "Quarterly report draft", "会議の資料 (meeting materials)", "Garden update 🌱",
        "Photos from the hike", "Invoice INV-117 (due Monday)"}
    late = [r for r, m in zip(rows, messages, strict=True) if m.kind == OUTAGE]
    assert len(late) == 18
    for row in late:
        hop = row.analysis.bottleneck_hop
        assert row.late is True
        assert (hop.from_, hop.by) == (HELD_HOST, MAILSTORE_HOST)


def test_reading_a_message_does_not_set_seen(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory
) -> None:
    t = NOW - timedelta(hours=2)
    raw = simple_message("unread one", t)
    dovecot.deliver(mail_user.name, raw, t)
    mbox = ImapMailbox.connect(imap_settings(dovecot), mail_user.name, mail_user.password)
    try:
        mbox.summaries("INBOX")
        full = mbox.message("INBOX", 1)
    finally:
        mbox.close()
    assert full.raw == raw
    assert full.summary.subject == "unread one"
    assert full.summary.seen is False

    check = dovecot.client(mail_user.name, mail_user.password)
    check.select_folder("INBOX", readonly=True)
    assert b"\\Seen" not in check.fetch([1], ["FLAGS"])[1][b"FLAGS"]
    check.logout()


def test_set_flags_round_trip_is_visible_over_imap(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory
) -> None:
    t = NOW - timedelta(hours=2)
    dovecot.deliver(mail_user.name, simple_message("flag me", t), t)
    mbox = ImapMailbox.connect(imap_settings(dovecot), mail_user.name, mail_user.password)
    check = dovecot.client(mail_user.name, mail_user.password)
    try:
        mbox.set_flags("INBOX", 1, add=["\\Seen", "\\Flagged"])
        check.select_folder("INBOX", readonly=True)
        assert set(check.fetch([1], ["FLAGS"])[1][b"FLAGS"]) - {b"\\Recent"} == {
            b"\\Seen", b"\\Flagged"}

        mbox.set_flags("INBOX", 1, remove=["\\Seen"])
        check.noop()
        assert set(check.fetch([1], ["FLAGS"])[1][b"FLAGS"]) - {b"\\Recent"} == {b"\\Flagged"}
        assert mbox.summaries("INBOX")[0].flags == frozenset({"\\Flagged"})
        with pytest.raises(NotFound):
            mbox.set_flags("INBOX", 99, add=["\\Seen"])
    finally:
        check.logout()
        mbox.close()


def test_move_to_trash_moves_then_deletes_for_good(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory
) -> None:
    t = NOW - timedelta(hours=2)
    dovecot.deliver(mail_user.name, simple_message("keep", t), t)
    dovecot.deliver(mail_user.name, simple_message("bin me", t), t + timedelta(seconds=1))
    mbox = ImapMailbox.connect(imap_settings(dovecot), mail_user.name, mail_user.password)
    try:
        mbox.move_to_trash("INBOX", 2)
        assert [r.subject for r in mbox.summaries("INBOX")] == ["keep"]
        trash = mbox.summaries("Trash")
        assert [r.subject for r in trash] == ["bin me"]

        mbox.move_to_trash("Trash", trash[0].uid)
        assert mbox.summaries("Trash") == []
        with pytest.raises(NotFound):
            mbox.message("INBOX", 2)
        with pytest.raises(NotFound):
            mbox.summaries("No such folder")
    finally:
        mbox.close()


def test_connection_refused_raises_server_unavailable(imap_settings: SettingsFactory) -> None:
    with pytest.raises(ServerUnavailable):
        open_mailbox(imap_settings(free_port()), "anyone", "secret")


def test_server_killed_mid_session_raises_connection_lost_then_unavailable(
    fresh_dovecot: Dovecot, imap_settings: SettingsFactory
) -> None:
    user = add_user(fresh_dovecot)
    settings = imap_settings(fresh_dovecot)
    mbox = ImapMailbox.connect(settings, user.name, user.password)
    mbox.folders()
    fresh_dovecot.kill()
    with pytest.raises(ConnectionLost):
        mbox.summaries("INBOX")
    mbox.close()  # never raises, even now
    with pytest.raises(ServerUnavailable):
        open_mailbox(settings, user.name, user.password)


def test_server_that_stops_answering_raises_server_timeout(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory,
    tcp_proxy: Callable[[Dovecot], TcpProxy],
) -> None:
    proxy = tcp_proxy(dovecot)
    mbox = ImapMailbox.connect(imap_settings(proxy, imap_timeout=0.5), mail_user.name,
                               mail_user.password)
    proxy.freeze()
    started = time.monotonic()
    with pytest.raises(ServerTimeout):
        mbox.folders()
    assert time.monotonic() - started < 3
    mbox.close()


def test_pool_reuses_one_connection_per_key(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory
) -> None:
    pool = MailboxPool(imap_settings(dovecot))
    try:
        with pool.mailbox("s1", mail_user.name, mail_user.password) as first:
            first.folders()
        with pool.mailbox("s1", mail_user.name, mail_user.password) as second:
            second.folders()
        assert second is first
        assert len(pool) == 1
        pool.discard("s1")
        assert len(pool) == 0
    finally:
        pool.close_all()


def test_pool_drops_the_connection_when_the_password_is_wrong(
    fresh_dovecot: Dovecot, imap_settings: SettingsFactory
) -> None:
    user = add_user(fresh_dovecot)
    pool = MailboxPool(imap_settings(fresh_dovecot))
    try:
        with pool.mailbox("s1", user.name, user.password) as mbox:
            mbox.folders()
        with pytest.raises(AuthError), pool.mailbox("s1", user.name, "wrong"):
            pass
        assert len(pool) == 0
    finally:
        pool.close_all()


def test_pool_reconnects_after_server_restart(
    fresh_dovecot: Dovecot, imap_settings: SettingsFactory
) -> None:
    user = add_user(fresh_dovecot)
    pool = MailboxPool(imap_settings(fresh_dovecot))
    try:
        with pool.mailbox("s1", user.name, user.password) as before:
            before.folders()
        fresh_dovecot.restart()
        with pool.mailbox("s1", user.name, user.password) as after:
            assert [f.name for f in after.folders()][0] == "INBOX"
        assert after is not before
    finally:
        pool.close_all()


def test_pool_reconnects_after_the_connection_is_cut(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory,
    tcp_proxy: Callable[[Dovecot], TcpProxy],
) -> None:
    proxy = tcp_proxy(dovecot)
    pool = MailboxPool(imap_settings(proxy))
    try:
        with pool.mailbox("s1", mail_user.name, mail_user.password) as mbox:
            mbox.folders()
        proxy.cut()
        assert pool.run("s1", mail_user.name, mail_user.password,
                        lambda m: m.summaries("INBOX")) == []
    finally:
        pool.close_all()
