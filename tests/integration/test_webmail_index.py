"""The list view reads the index (WEBMAIL_INDEX=sqlite, the default) against a real Dovecot:
both orders, what other clients change, the late filter and counts, the off switch, privacy,
and the background first sync of a folder too big to index while the page waits."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.imapserver import Dovecot
from tests.support.webmail_client import (
    NEW_MAIL,
    Reader,
    deliver_demo_mail,
    imap_orders,
    webmail_app,
)
from webmail.config import Settings
from webmail.index.sqlite import Index
from webmail.listing import index_account
from webmail.services import services

SettingsFactory = Callable[..., Settings]


@pytest.fixture
def outage_user(dovecot: Dovecot, mail_user: Any) -> Any:
    deliver_demo_mail(dovecot, mail_user.name)
    return mail_user


@pytest.fixture
def app(dovecot: Dovecot, imap_settings: SettingsFactory, tmp_path: Path) -> Iterator[Flask]:
    app = webmail_app(imap_settings(dovecot, page_size=200), tmp_path / "instance")
    yield app
    services(app).sync_jobs.wait()
    services(app).pool.close_all()


@pytest.fixture
def reader(app: Flask, outage_user: Any) -> Reader:
    r = Reader(app.test_client())
    assert r.login(outage_user.name, outage_user.password).status_code == 302
    return r


def account(app: Flask, user: Any) -> str:
    return index_account(services(app).settings, user.name)


def test_list_comes_from_the_index_in_both_orders(
    app: Flask, reader: Reader, dovecot: Dovecot, outage_user: Any
) -> None:
    by_sent, by_arrival, late = imap_orders(dovecot, outage_user)
    assert by_sent != by_arrival
    assert reader.uids("/folder/INBOX") == by_sent
    index = services(app).index
    assert isinstance(index, Index)
    assert index.counts(account(app, outage_user), "INBOX") == (len(by_sent), len(late))
    reader.post("/settings/sort", sort="arrival")
    assert reader.uids("/folder/INBOX") == by_arrival
    reader.post("/settings/sort", sort="sent")
    assert reader.uids("/folder/INBOX") == by_sent


def test_late_filter_and_counts_come_from_the_index(
    reader: Reader, dovecot: Dovecot, outage_user: Any
) -> None:
    by_sent, _, late = imap_orders(dovecot, outage_user)
    page = reader.page("/folder/INBOX")
    assert f'<span class="muted late-count">{len(late)} late</span>' in page
    assert reader.client.get("/api/delays?folder=INBOX").get_json()["late_count"] == len(late)
    assert f"1–{len(by_sent)} of {len(by_sent)}" in page
    assert reader.uids("/folder/INBOX?late=1") == [u for u in by_sent if u in late]
    assert f"1–{len(late)} of {len(late)}" in reader.page("/folder/INBOX?late=1")


def test_pages_are_read_from_the_index_with_the_page_size(
    dovecot: Dovecot, outage_user: Any, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    app = webmail_app(imap_settings(dovecot, page_size=10), tmp_path / "paged")
    r = Reader(app.test_client())
    r.login(outage_user.name, outage_user.password)
    by_sent, _, _ = imap_orders(dovecot, outage_user)
    assert r.uids("/folder/INBOX?page=2") == by_sent[10:20]
    assert f"11–20 of {len(by_sent)}" in r.page("/folder/INBOX?page=2")
    services(app).pool.close_all()


def test_mail_delivered_by_another_client_appears_on_top(
    reader: Reader, dovecot: Dovecot, outage_user: Any
) -> None:
    before = reader.uids("/folder/INBOX")
    other = dovecot.client(outage_user.name, outage_user.password)
    try:
        other.append("INBOX", NEW_MAIL, msg_time=datetime(2026, 11, 6, 9, 1, tzinfo=UTC))
    finally:
        other.logout()
    after = reader.uids("/folder/INBOX")
    assert after[0] == max(before) + 1
    assert after[1:] == before
    assert "arrived just now" in reader.page("/folder/INBOX")


def test_flag_and_expunge_by_another_client_show_on_the_next_list(
    reader: Reader, dovecot: Dovecot, outage_user: Any
) -> None:
    uids = reader.uids("/folder/INBOX")
    flagged, gone = uids[0], uids[1]
    assert 'class="msg unread flagged' not in reader.page("/folder/INBOX")
    other = dovecot.client(outage_user.name, outage_user.password)
    try:
        other.select_folder("INBOX")
        other.add_flags([flagged], [b"\\Flagged"])
        other.add_flags([gone], [b"\\Deleted"])
        other.uid_expunge([gone])
    finally:
        other.logout()
    page = reader.page("/folder/INBOX")
    row = re.search(rf'<li class="([^"]*)" data-uid="{flagged}"', page)
    assert row and "flagged" in row.group(1).split()
    assert reader.uids("/folder/INBOX") == [u for u in uids if u != gone]


def test_flags_and_delete_through_the_app_show_right_after_the_redirect(
    reader: Reader, outage_user: Any
) -> None:
    uids = reader.uids("/folder/INBOX")
    target, victim = uids[2], uids[3]

    def classes(page: str, uid: int) -> list[str]:
        found = re.search(rf'<li class="([^"]*)" data-uid="{uid}"', page)
        assert found
        return found.group(1).split()

    for action, present, cls in (("flag", True, "flagged"), ("read", False, "unread"),
                                 ("unread", True, "unread"), ("unflag", False, "flagged")):
        response = reader.post(f"/message/INBOX/{target}/flags", action=action,
                               next="/folder/INBOX")
        assert response.status_code == 302
        page = reader.client.get(response.headers["Location"]).get_data(as_text=True)
        assert (cls in classes(page, target)) is present, action
    response = reader.post(f"/message/INBOX/{victim}/delete", next="/folder/INBOX")
    page = reader.client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'data-uid="{victim}"' not in page


def test_a_second_user_never_sees_the_first_users_rows(
    app: Flask, reader: Reader, dovecot: Dovecot, outage_user: Any, new_mail_user: Any
) -> None:
    mail_user = new_mail_user()  # bob: a second user of the same server and the same app
    other = dovecot.client(mail_user.name, mail_user.password)
    try:
        other.append("INBOX", NEW_MAIL.replace(b"arrived just now", b"only for bob"),
                     msg_time=datetime(2026, 11, 6, 9, 1, tzinfo=UTC))
    finally:
        other.logout()
    first = reader.page("/folder/INBOX")
    bob = Reader(app.test_client())
    assert bob.login(mail_user.name, mail_user.password).status_code == 302
    page = bob.page("/folder/INBOX")
    assert bob.uids("/folder/INBOX") == [1]
    assert "only for bob" in page and "only for bob" not in first
    assert "1–1 of 1" in page
    assert bob.page("/message/INBOX/2", status=404)
    index = services(app).index
    assert index.counts(account(app, mail_user), "INBOX") == (1, 0)


def test_index_off_lists_straight_from_imap_and_writes_no_index(
    dovecot: Dovecot, outage_user: Any, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    app = webmail_app(imap_settings(dovecot, index_backend="off"), tmp_path / "off")
    r = Reader(app.test_client())
    r.login(outage_user.name, outage_user.password)
    by_sent, _, _ = imap_orders(dovecot, outage_user)
    assert services(app).index is None
    assert r.uids("/folder/INBOX")[:50] == by_sent[:50]
    assert not (tmp_path / "off" / "index.sqlite3").exists()
    services(app).pool.close_all()


def test_big_first_sync_runs_in_the_background_and_shows_progress(
    app: Flask, reader: Reader, dovecot: Dovecot, outage_user: Any
) -> None:
    by_sent, _, _ = imap_orders(dovecot, outage_user)
    services(app).inline_sync_limit = 5
    index = services(app).index
    key = account(app, outage_user)
    assert index.claim(key, "INBOX", "another-worker", 60)  # another worker is filling it
    page = reader.page("/folder/INBOX")
    assert f"Indexing 0 of {len(by_sent)} messages…" in page
    # The progress is updated in place from JSON (issue 13, defect 13), never by a reload.
    assert 'data-progress-url="/api/indexing?folder=INBOX"' in page and "<script>" not in page
    assert "data-refresh-seconds" not in page and 'aria-live="polite"' in page
    progress = reader.client.get("/api/indexing?folder=INBOX").get_json()
    assert progress["indexing"] is True and progress["done"] == 0
    assert reader.uids("/folder/INBOX") == []
    index.release(key, "INBOX", "another-worker")
    deadline = time.monotonic() + 20
    while 'class="banner indexing"' in (page := reader.page("/folder/INBOX")):
        assert time.monotonic() < deadline, "the background sync never finished"
        services(app).sync_jobs.wait(5)
    assert reader.uids("/folder/INBOX") == by_sent
    assert "data-progress-url" not in page
    assert reader.client.get("/api/indexing?folder=INBOX").get_json() == {"indexing": False}


def _fill(dovecot: Dovecot, user: Any, folder: str, count: int, *, anew: bool = False) -> None:
    """``folder`` with ``count`` messages, through another IMAP client; ``anew``: deleted and
    made again first (a new UIDVALIDITY: every UID the index knows means nothing now)."""
    from tests.support.syncdata import message

    client = dovecot.client(user.name, user.password)
    try:
        if anew:
            client.delete_folder(folder)
        client.create_folder(folder)
        for n in range(count):
            raw, arrival = message(n)
            client.append(folder, raw, (), arrival)
    finally:
        client.logout()


def test_a_folder_rebuilt_after_a_uidvalidity_change_refills_in_the_background(
    app: Flask, reader: Reader, dovecot: Dovecot, outage_user: Any
) -> None:
    _fill(dovecot, outage_user, "Lists", 40)
    assert len(reader.uids("/folder/Lists")) == 40  # small: synced while the page waited
    reader.page("/folder/INBOX")  # the session's connection leaves Lists
    _fill(dovecot, outage_user, "Lists", 60, anew=True)
    services(app).inline_sync_limit = 20
    page = reader.page("/folder/Lists")
    # A rebuild is a first fill: the page does not wait for 60 messages to be fetched.
    assert "Indexing 0 of 60 messages…" in page
    assert reader.uids("/folder/Lists") == []
    deadline = time.monotonic() + 20
    while 'class="banner indexing"' in (page := reader.page("/folder/Lists")):
        assert time.monotonic() < deadline, "the background sync never finished"
        services(app).sync_jobs.wait(5)
    assert len(reader.uids("/folder/Lists")) == 60
