"""Bulk actions, moves, deletes, Undo and Empty Trash against a real Dovecot: what the server
holds afterwards; a message another client marked ``\\Deleted`` survives every move and delete
(also without MOVE and UIDPLUS); nothing is deleted for good before the confirmation page is
answered; and the forms work without JavaScript (plain form posts with the CSRF token)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.capproxy import CapabilityProxy
from tests.support.imapserver import Dovecot, MailUser
from tests.support.syncdata import message
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.services import services

SettingsFactory = Callable[..., Settings]
NOTICE = re.compile(r'<span class="notice-text">([^<]*)</span>')


@pytest.fixture
def five(dovecot: Dovecot, mail_user: MailUser) -> MailUser:
    """``mail_user`` with messages 0-4 (UIDs 1-5, Message-ID ``<n@example.net>``) in INBOX,
    and an Archive folder."""
    for n in range(5):
        raw, arrival = message(n)
        dovecot.deliver(mail_user.name, raw, arrival)
    client = dovecot.client(mail_user.name, mail_user.password)
    try:
        client.create_folder("Archive")
    finally:
        client.logout()
    return mail_user


@pytest.fixture
def reader_for(
    dovecot: Dovecot, imap_settings: SettingsFactory, tmp_path: Path
) -> Iterator[Callable[..., Reader]]:
    apps: list[Flask] = []

    def make(user: MailUser, target: Any = None, **overrides: Any) -> Reader:
        app = webmail_app(imap_settings(target or dovecot, **overrides),
                          tmp_path / f"instance{len(apps)}")
        apps.append(app)
        reader = Reader(app.test_client())
        assert reader.login(user.name, user.password).status_code == 302
        return reader

    yield make
    for app in apps:
        services(app).sync_jobs.wait()
        services(app).pool.close_all()


def server(dovecot: Dovecot, user: MailUser, folder: str = "INBOX") -> dict[str, set[str]]:
    """Message-ID -> flags of every message the server holds in ``folder``."""
    client = dovecot.client(user.name, user.password)
    try:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        if not uids:
            return {}
        item = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
        data = client.fetch(uids, ["FLAGS", item])
    finally:
        client.logout()
    out = {}
    for entry in data.values():
        mid = entry[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[1].strip()
        out[mid] = {f.decode() for f in entry[b"FLAGS"]} - {"\\Recent"}
    return out


def mark_deleted(dovecot: Dovecot, user: MailUser, uid: int) -> None:
    client = dovecot.client(user.name, user.password)
    try:
        client.select_folder("INBOX")
        client.add_flags([uid], ["\\Deleted"])
    finally:
        client.logout()


def bulk(reader: Reader, action: str, *uids: int, folder: str = "INBOX", **form: str) -> Any:
    """The bulk form as a browser without JavaScript sends it."""
    data: dict[str, Any] = {"csrf_token": reader.csrf(f"/folder/{folder}"), "action": action,
                            "uid": [str(u) for u in uids], "next": f"/folder/{folder}", **form}
    return reader.client.post(f"/bulk/{folder}", data=data)


def notice(reader: Reader, path: str = "/folder/INBOX") -> tuple[str, str | None]:
    page = reader.page(path)
    text = NOTICE.search(page)
    undo = re.search(r'name="undo" value="([^"]+)"', page)
    return (unescape(text.group(1)) if text else ""), (undo.group(1) if undo else None)


def ids(*numbers: int) -> set[str]:
    return {f"<{n}@example.net>" for n in numbers}


def test_the_list_has_a_bulk_form_that_needs_no_script(
    reader_for: Callable[..., Reader], five: MailUser
) -> None:
    page = reader_for(five).page("/folder/INBOX")
    form = re.search(r'<form id="bulk" method="post" action="/bulk/INBOX".*?</form>', page, re.S)
    assert form is not None and 'name="csrf_token"' in form.group(0)
    assert len(re.findall(r'<input type="checkbox" name="uid" value="\d+" form="bulk"', page)) == 5
    for action in ("read", "unread", "flag", "unflag", "move", "delete", "spam"):
        assert f'name="action" value="{action}"' in form.group(0)
    assert 'name="target"' in form.group(0) and '<option value="Archive">' in form.group(0)


def test_flag_actions_change_the_flags_on_the_server(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    assert bulk(reader, "read", 1, 2).status_code == 303
    assert bulk(reader, "flag", 2, 3).status_code == 303
    held = server(dovecot, five)
    assert held["<0@example.net>"] == {"\\Seen"}
    assert held["<1@example.net>"] == {"\\Seen", "\\Flagged"}
    assert held["<2@example.net>"] == {"\\Flagged"}
    bulk(reader, "unread", 2)
    bulk(reader, "unflag", 2, 3)
    assert server(dovecot, five)["<1@example.net>"] == set()
    assert notice(reader)[0] == "2 messages unflagged."


def test_move_puts_the_messages_in_the_target_and_undo_brings_them_back(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    response = bulk(reader, "move", 1, 3, target="Archive")
    assert response.status_code == 303 and response.headers["Location"] == "/folder/INBOX"
    assert set(server(dovecot, five, "Archive")) == ids(0, 2)
    assert set(server(dovecot, five)) == ids(1, 3, 4)
    text, undo = notice(reader)
    assert text == "2 messages moved to Archive."
    assert undo is not None
    assert reader.uids("/folder/INBOX") == [5, 4, 2]
    response = reader.post("/undo", undo=undo, next="/folder/INBOX")
    assert response.status_code == 303
    assert set(server(dovecot, five)) == ids(0, 1, 2, 3, 4)
    assert server(dovecot, five, "Archive") == {}
    assert notice(reader)[0] == "2 messages put back."
    again = reader.post("/undo", undo=undo, next="/folder/INBOX")  # only once
    assert again.status_code == 303
    assert notice(reader)[0] == "There is nothing to undo any more."


def test_delete_moves_to_trash_and_spam_to_junk_and_back(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    bulk(reader, "delete", 1)
    assert set(server(dovecot, five, "Trash")) == ids(0)
    text, undo = notice(reader)
    assert text == "1 message moved to Trash." and undo
    bulk(reader, "spam", 2)
    assert set(server(dovecot, five, "Junk")) == ids(1)
    junk_uid = reader.uids("/folder/Junk")
    bulk(reader, "notspam", *junk_uid, folder="Junk", next="/folder/Junk")
    assert server(dovecot, five, "Junk") == {}
    assert ids(1) <= set(server(dovecot, five))


def test_a_message_another_client_marked_deleted_survives_our_move_and_delete(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    mark_deleted(dovecot, five, 5)
    bulk(reader, "move", 1, target="Archive")
    bulk(reader, "delete", 2)
    held = server(dovecot, five)
    assert held["<4@example.net>"] == {"\\Deleted"}  # still there, still marked
    assert set(held) == ids(2, 3, 4)


def test_without_move_and_uidplus_a_marked_message_still_survives(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot,
    capability_proxy: Callable[..., CapabilityProxy],
) -> None:
    proxy = capability_proxy(dovecot, hide=["MOVE", "UIDPLUS"])
    reader = reader_for(five, proxy.port)
    mark_deleted(dovecot, five, 5)
    bulk(reader, "move", 1, 2, target="Archive")
    assert set(server(dovecot, five, "Archive")) == ids(0, 1)
    held = server(dovecot, five)
    assert held["<4@example.net>"] == {"\\Deleted"}
    # Copied, but left marked here: an EXPUNGE would also have destroyed message 4.
    assert held["<0@example.net>"] == held["<1@example.net>"] == {"\\Deleted"}
    assert not [c for c in proxy.commands if re.search(rb"^\S+ EXPUNGE", c)]
    assert "2 messages also stayed here marked as deleted" in notice(reader)[0]


def test_without_move_the_copy_is_expunged_by_uid(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot,
    capability_proxy: Callable[..., CapabilityProxy],
) -> None:
    proxy = capability_proxy(dovecot, hide=["MOVE"])
    reader = reader_for(five, proxy.port)
    mark_deleted(dovecot, five, 5)
    bulk(reader, "move", 1, 2, target="Archive")
    assert set(server(dovecot, five)) == ids(2, 3, 4)
    assert [c.split(None, 1)[1] for c in proxy.commands if b"EXPUNGE" in c] == [
        b"UID EXPUNGE 1,2"
    ]
    assert notice(reader)[1] is not None  # COPYUID gave the new UIDs: undo is offered


def test_deleting_in_trash_asks_first_and_then_deletes_for_good(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    bulk(reader, "delete", 1, 2, 3)
    trash = reader.uids("/folder/Trash")
    response = bulk(reader, "delete", *trash[:2], folder="Trash", next="/folder/Trash")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 messages in Trash will be deleted for good" in page
    assert len(server(dovecot, five, "Trash")) == 3  # nothing gone yet
    form = re.search(r'<form method="post" action="/destroy/Trash".*?</form>', page, re.S)
    assert form is not None
    uids = re.search(r'name="uids" value="([^"]+)"', form.group(0))
    assert uids is not None
    done = reader.post("/destroy/Trash", uids=uids.group(1), next="/folder/Trash")
    assert done.status_code == 303
    assert len(server(dovecot, five, "Trash")) == 1
    assert notice(reader, "/folder/Trash")[0] == "2 messages deleted for good."


def test_the_single_delete_button_in_trash_asks_first_too(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    bulk(reader, "delete", 1)
    uid = reader.uids("/folder/Trash")[0]
    response = reader.post(f"/message/Trash/{uid}/delete", next="/folder/Trash")
    assert response.status_code == 200
    assert "1 message in Trash will be deleted for good" in response.get_data(as_text=True)
    assert set(server(dovecot, five, "Trash")) == ids(0)


def test_empty_trash_names_how_many_and_deletes_only_those(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    bulk(reader, "delete", 1, 2)
    page = reader.page("/folder/Trash")
    assert '<form method="post" action="/empty/Trash"' in page
    response = reader.post("/empty/Trash", next="/folder/Trash")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Empty Trash?" in text
    assert "2 messages in Trash will be deleted for good" in text
    bulk(reader, "delete", 3)  # arrives in Trash after the question was asked
    uids = re.search(r'name="uids" value="([^"]+)"', text)
    assert uids is not None
    reader.post("/destroy/Trash", uids=uids.group(1), next="/folder/Trash")
    assert set(server(dovecot, five, "Trash")) == ids(2)  # the later one stays


def test_destroy_outside_trash_and_junk_is_refused(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    assert reader.post("/destroy/INBOX", uids="1:5").status_code == 400
    assert reader.post("/empty/INBOX").status_code == 400
    assert len(server(dovecot, five)) == 5


def test_scope_page_and_all_matching(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five, page_size=2)
    page = reader.page("/folder/INBOX")
    page_uids = re.findall(r'name="page_uid" value="(\d+)"', page)
    assert page_uids == ["5", "4"]
    reader.client.post("/bulk/INBOX", data={
        "csrf_token": reader.csrf(), "action": "flag", "scope": "page",
        "page_uid": page_uids, "next": "/folder/INBOX",
    })
    assert {m for m, f in server(dovecot, five).items() if "\\Flagged" in f} == ids(3, 4)
    reader.client.post("/bulk/INBOX", data={
        "csrf_token": reader.csrf(), "action": "read", "scope": "all", "q": "-is:flagged",
        "next": "/folder/INBOX",
    })
    assert {m for m, f in server(dovecot, five).items() if "\\Seen" in f} == ids(0, 1, 2)
    reader.client.post("/bulk/INBOX", data={
        "csrf_token": reader.csrf(), "action": "move", "target": "Archive", "scope": "all",
        "next": "/folder/INBOX",
    })
    assert server(dovecot, five) == {}
    assert set(server(dovecot, five, "Archive")) == ids(0, 1, 2, 3, 4)


def test_nothing_selected_says_so_and_changes_nothing(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    assert bulk(reader, "delete").status_code == 303
    assert notice(reader)[0].startswith("Nothing was selected")
    assert len(server(dovecot, five)) == 5
    assert bulk(reader, "explode", 1).status_code == 400
    assert reader.client.post("/bulk/INBOX", data={"action": "delete", "uid": "1"}
                              ).status_code in (400, 403)  # no CSRF token
    assert len(server(dovecot, five)) == 5


def test_messages_already_gone_are_said_to_be(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    assert bulk(reader, "move", 99, target="Archive").status_code == 303
    assert notice(reader)[0] == "Nothing was moved: those messages are not there any more."
    assert server(dovecot, five, "Archive") == {}
