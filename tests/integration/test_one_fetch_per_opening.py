"""One body FETCH per opened message, over a real Dovecot counted by a proxy (issue 14, goal 5).

Opening a message is the read page, the body frame it embeds and the frame's ``cid:`` images
(embedded in the frame document, so no request of their own): together one ``BODY.PEEK[]``
FETCH, and reading never sets ``\\Seen`` by itself. The message is kept
(``webmail/mailbox/recent.py``) under its reader and session, its folder's UIDVALIDITY and
its UID: a reopening fetches no body but shows today's flags, a message deleted elsewhere is
gone, a folder made again (new UIDVALIDITY) shows its new message, and another reader never
sees what someone else opened.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.capproxy import CapabilityProxy
from tests.support.imapserver import Dovecot, MailUser
from tests.support.newsletter import newsletter, short_text
from tests.support.webmail_client import Reader, webmail_app
from webmail.services import services

ARRIVAL = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FRAME = re.compile(r'class="mail-frame"[^>]*?src="([^"]+)"')


@pytest.fixture
def counted(
    dovecot: Dovecot, mail_user: MailUser, capability_proxy: Any, imap_settings: Any,
    tmp_path: Path,
) -> Iterator[tuple[Reader, CapabilityProxy, Any]]:
    """A signed-in reader whose every IMAP command goes through a counting proxy; the user's
    INBOX holds a newsletter with two ``cid:`` images (UID 1) and a short text (UID 2)."""
    dovecot.deliver(mail_user.name, newsletter(200_000), ARRIVAL)
    dovecot.deliver(mail_user.name, short_text(), ARRIVAL + timedelta(minutes=1))
    proxy = capability_proxy(dovecot)
    app = webmail_app(imap_settings(proxy), tmp_path / "instance")
    reader = Reader(app.test_client())
    assert reader.login(mail_user.name, mail_user.password).status_code == 302
    reader.page("/folder/INBOX")
    yield reader, proxy, app
    services(app).pool.close_all()


def open_message(reader: Reader, folder: str, uid: int) -> tuple[str, str | None]:
    """The read page and, when it has one, its body frame, as a browser loads them."""
    page = reader.page(f"/message/{folder}/{uid}")
    found = FRAME.search(page)
    frame = reader.page(found.group(1).replace("&amp;", "&")) if found else None
    return page, frame


#: A body or part in a FETCH: ``BODY[]``, ``BODY.PEEK[2.1]<0.262144>``, ``BODY.PEEK[1.MIME]``,
#: ``BODY.PEEK[TEXT]``; not the list's ``BODY.PEEK[HEADER.FIELDS (...)]`` (the index's sync).
BODY_ITEM = re.compile(r"BODY(?:\.PEEK)?\[(?!HEADER\.FIELDS)[^\]]*\]", re.I)


def body_fetches(proxy: CapabilityProxy) -> list[str]:
    """The FETCH commands that asked for a message body or part, since the last clear."""
    lines = [c.decode(errors="replace") for c in proxy.commands]
    return [c for c in lines if "FETCH" in c.upper() and BODY_ITEM.search(c)]


def flags_of(dovecot: Dovecot, user: MailUser, uid: int, folder: str = "INBOX") -> set[bytes]:
    client = dovecot.client(user.name, user.password)
    try:
        client.select_folder(folder, readonly=True)
        return set(client.get_flags([uid]).get(uid, ()))
    finally:
        client.logout()


def test_opening_a_message_page_frame_and_inline_images_is_one_body_fetch(
    dovecot: Dovecot, mail_user: MailUser, counted: tuple[Reader, CapabilityProxy, Any]
) -> None:
    reader, proxy, _ = counted
    proxy.commands.clear()
    page, frame = open_message(reader, "INBOX", 1)
    assert frame is not None and "Story 0" in frame
    # Both cid: images are in the frame document itself: no request, no fetch of their own.
    assert frame.count('src="data:image/png;base64,') >= 2
    assert "/inline/" not in frame and "cid:" not in frame
    fetches = body_fetches(proxy)
    assert len(fetches) == 1, fetches
    assert "BODY.PEEK[]" in fetches[0]
    assert b"\\Seen" not in flags_of(dovecot, mail_user, 1)


def test_opening_a_text_message_is_one_body_fetch_and_leaves_it_unread(
    dovecot: Dovecot, mail_user: MailUser, counted: tuple[Reader, CapabilityProxy, Any]
) -> None:
    reader, proxy, _ = counted
    proxy.commands.clear()
    page, frame = open_message(reader, "INBOX", 2)
    assert frame is None and "lunch on Thursday" in page
    assert [f for f in body_fetches(proxy) if "BODY.PEEK[]" in f] == body_fetches(proxy)
    assert len(body_fetches(proxy)) == 1
    assert b"\\Seen" not in flags_of(dovecot, mail_user, 2)


def test_a_reopened_message_fetches_no_body_and_shows_todays_flags(
    dovecot: Dovecot, mail_user: MailUser, counted: tuple[Reader, CapabilityProxy, Any]
) -> None:
    reader, proxy, _ = counted
    open_message(reader, "INBOX", 1)
    other = dovecot.client(mail_user.name, mail_user.password)
    try:
        other.select_folder("INBOX")
        other.add_flags([1], [b"\\Flagged", b"\\Seen"])
    finally:
        other.logout()
    proxy.commands.clear()
    page, frame = open_message(reader, "INBOX", 1)
    assert body_fetches(proxy) == []
    assert frame is not None and "Story 0" in frame
    assert ">Remove flag</button>" in page and ">Mark unread</button>" in page


def test_a_reopened_message_deleted_elsewhere_is_not_found(
    dovecot: Dovecot, mail_user: MailUser, counted: tuple[Reader, CapabilityProxy, Any]
) -> None:
    reader, _, _ = counted
    open_message(reader, "INBOX", 2)
    other = dovecot.client(mail_user.name, mail_user.password)
    try:
        other.select_folder("INBOX")
        other.delete_messages([2])
        other.expunge()
    finally:
        other.logout()
    assert reader.client.get("/message/INBOX/2").status_code == 404


def test_a_folder_made_again_shows_its_new_message_not_the_kept_one(
    dovecot: Dovecot, mail_user: MailUser, counted: tuple[Reader, CapabilityProxy, Any]
) -> None:
    reader, proxy, _ = counted
    other = dovecot.client(mail_user.name, mail_user.password)
    try:
        other.create_folder("News")
        other.append("News", short_text(seed=1))
        before = other.folder_status("News", [b"UIDVALIDITY"])[b"UIDVALIDITY"]
    finally:
        other.logout()
    page, _ = open_message(reader, "News", 1)
    assert "Lunch on Thursday?" in page
    reader.page("/folder/INBOX")  # the pool's connection leaves News
    other = dovecot.client(mail_user.name, mail_user.password)
    try:
        other.delete_folder("News")
        other.create_folder("News")
        replacement = newsletter(60_000, seed=3).replace(
            b"This week: a big newsletter", b"The folder made again"
        )
        other.append("News", replacement)
        after = other.folder_status("News", [b"UIDVALIDITY"])[b"UIDVALIDITY"]
    finally:
        other.logout()
    assert after != before
    proxy.commands.clear()
    page, frame = open_message(reader, "News", 1)
    assert "The folder made again" in page and "Lunch on Thursday?" not in page
    assert frame is not None and "Story 0" in frame
    assert len(body_fetches(proxy)) == 1


def test_one_readers_opened_message_is_never_served_to_another(
    dovecot: Dovecot, new_mail_user: Any, imap_settings: Any, tmp_path: Path
) -> None:
    alice, bob = new_mail_user(), new_mail_user()
    dovecot.deliver(alice.name, short_text(seed=1), ARRIVAL)
    secret = short_text(seed=2).replace(b"Lunch on Thursday?", b"Only for Bob")
    dovecot.deliver(bob.name, secret, ARRIVAL)
    app = webmail_app(imap_settings(dovecot), tmp_path / "instance")  # one app, one cache
    try:
        readers = []
        for user in (alice, bob):
            r = Reader(app.test_client())
            assert r.login(user.name, user.password).status_code == 302
            readers.append(r)
        assert "Lunch on Thursday?" in readers[0].page("/message/INBOX/1")
        page = readers[1].page("/message/INBOX/1")
        assert "Only for Bob" in page and "Lunch on Thursday?" not in page
        assert "Lunch on Thursday?" in readers[0].page("/message/INBOX/1")
    finally:
        services(app).pool.close_all()


def test_signing_out_drops_the_messages_the_session_kept(
    counted: tuple[Reader, CapabilityProxy, Any]
) -> None:
    reader, _, app = counted
    open_message(reader, "INBOX", 1)
    kept = services(app).opened
    assert kept.bytes > 0
    reader.post("/logout")
    assert kept.bytes == 0
