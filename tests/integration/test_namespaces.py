"""Folder roles and the Trash on a server whose folders live under ``INBOX.`` (issue 9, 1-2).

Courier-IMAP, and Cyrus with Debian's defaults, keep every folder under the personal namespace
``INBOX.`` with ``.`` as the delimiter and mark none with SPECIAL-USE; ``courier_dovecot`` is a
Dovecot laid out that way (it refuses a top-level ``CREATE "Trash"`` as they do). Roles come
from the leaf name after the namespace prefix, in several languages, and a missing Trash is
made as ``INBOX.Trash``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.capproxy import CapabilityProxy
from tests.support.imapserver import Dovecot, MailUser, add_user
from tests.support.matrix import uids_with_message_id
from tests.support.syncdata import message
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.mailbox.imap import ImapMailbox
from webmail.services import services

SettingsFactory = Callable[..., Settings]
FOLDER_NAME = re.compile(r'<span class="fname">([^<]+)</span>')


@pytest.fixture
def courier_user(courier_dovecot: Dovecot) -> MailUser:
    """A user of the Courier-style server with three messages in INBOX and no other folder."""
    user = add_user(courier_dovecot)
    for n in range(3):
        raw, arrival = message(n)
        courier_dovecot.deliver(user.name, raw, arrival)
    return user


@pytest.fixture
def reader_for(
    imap_settings: SettingsFactory, tmp_path: Path
) -> Iterator[Callable[[int, MailUser], Reader]]:
    """``reader_for(port, user)``: a signed-in reader of the webmail pointed at ``port``."""
    apps: list[Any] = []

    def make(port: int, user: MailUser) -> Reader:
        app = webmail_app(imap_settings(port), tmp_path / f"instance{len(apps)}")
        apps.append(app)
        reader = Reader(app.test_client())
        assert reader.login(user.name, user.password).status_code == 302
        return reader

    yield make
    for app in apps:
        services(app).pool.close_all()


def message_id(n: int) -> str:
    return f"<{n}@example.net>"


def test_delete_on_a_courier_layout_makes_inbox_trash_and_moves_the_message_there(
    courier_dovecot: Dovecot, courier_user: MailUser, reader_for: Callable[[int, MailUser], Reader]
) -> None:
    # Before: the Trash was looked for by its full name and created as "Trash", which this
    # layout refuses ("nonexistent namespace"): every delete was a 503.
    reader = reader_for(courier_dovecot.port, courier_user)
    uid = reader.uids("/folder/INBOX")[0]
    response = reader.post(f"/message/INBOX/{uid}/delete")
    assert response.status_code == 302
    other = courier_dovecot.client(courier_user.name, courier_user.password)
    try:
        names = {name for _flags, _delim, name in other.list_folders()}
        assert names == {"INBOX", "INBOX.Trash"}
        assert len(uids_with_message_id(other, "INBOX.Trash", message_id(2))) == 1
        assert uids_with_message_id(other, "INBOX", message_id(2)) == []
    finally:
        other.logout()
    page = reader.page("/folder/INBOX")
    assert FOLDER_NAME.findall(page) == ["Inbox", "Trash"]
    assert 'class=" depth-0"' in page and "depth-1" not in page  # INBOX.Trash is not nested


def test_german_folders_under_inbox_dot_get_their_roles_and_the_delete_goes_to_papierkorb(
    courier_dovecot: Dovecot, courier_user: MailUser, reader_for: Callable[[int, MailUser], Reader]
) -> None:
    # Before: the full name ("INBOX.Gesendet") was compared with English names: no roles, the
    # folders in alphabetical order, and a delete tried to make a Trash of its own.
    other = courier_dovecot.client(courier_user.name, courier_user.password)
    try:
        for leaf in ("Projekte", "Archiv", "Papierkorb", "Spam", "Gesendet", "Entwürfe"):
            other.create_folder(f"INBOX.{leaf}")
        other.create_folder("INBOX.Projekte.Archiv")  # a project's archive, not the Archive
        reader = reader_for(courier_dovecot.port, courier_user)
        page = reader.page("/folder/INBOX")
        assert FOLDER_NAME.findall(page) == [
            "Inbox", "Entwürfe", "Gesendet", "Spam", "Papierkorb", "Archiv", "Projekte", "Archiv",
        ]
        uid = reader.uids("/folder/INBOX")[-1]
        assert reader.post(f"/message/INBOX/{uid}/delete").status_code == 302
        assert len(uids_with_message_id(other, "INBOX.Papierkorb", message_id(0))) == 1
        names = {name for _flags, _delim, name in other.list_folders()}
        assert "INBOX.Trash" not in names
    finally:
        other.logout()


def test_deleted_items_made_by_outlook_is_the_trash(
    courier_dovecot: Dovecot, courier_user: MailUser, reader_for: Callable[[int, MailUser], Reader]
) -> None:
    other = courier_dovecot.client(courier_user.name, courier_user.password)
    try:
        other.create_folder("INBOX.Deleted Items")
        reader = reader_for(courier_dovecot.port, courier_user)
        uid = reader.uids("/folder/INBOX")[0]
        assert reader.post(f"/message/INBOX/{uid}/delete").status_code == 302
        assert len(uids_with_message_id(other, "INBOX.Deleted Items", message_id(2))) == 1
    finally:
        other.logout()


def test_a_new_trash_is_created_with_use_trash_where_create_special_use_is_offered(
    courier_dovecot: Dovecot,
    courier_user: MailUser,
    reader_for: Callable[[int, MailUser], Reader],
    capability_proxy: Callable[..., CapabilityProxy],
) -> None:
    # Dovecot 2.3 parses RFC 6154's CREATE parameter without announcing CREATE-SPECIAL-USE
    # (and stores no flag); the proxy announces it, so the command is seen to be well formed.
    proxy = capability_proxy(courier_dovecot, advertise=["CREATE-SPECIAL-USE"])
    reader = reader_for(proxy.port, courier_user)
    uid = reader.uids("/folder/INBOX")[0]
    assert reader.post(f"/message/INBOX/{uid}/delete").status_code == 302
    creates = [c.split(None, 1)[1] for c in proxy.commands if b" CREATE " in c.upper()]
    assert creates == [b'CREATE "INBOX.Trash" (USE (\\Trash))']


def test_a_trash_deleted_by_another_client_is_made_again(
    courier_dovecot: Dovecot, courier_user: MailUser, reader_for: Callable[[int, MailUser], Reader]
) -> None:
    # The webmail still knows the Trash by name; the server answers the MOVE with TRYCREATE.
    reader = reader_for(courier_dovecot.port, courier_user)
    first, second = reader.uids("/folder/INBOX")[:2]
    assert reader.post(f"/message/INBOX/{first}/delete").status_code == 302
    other = courier_dovecot.client(courier_user.name, courier_user.password)
    try:
        other.delete_folder("INBOX.Trash")
        assert reader.post(f"/message/INBOX/{second}/delete").status_code == 302
        assert len(uids_with_message_id(other, "INBOX.Trash", message_id(1))) == 1
    finally:
        other.logout()


def test_sent_and_drafts_made_for_the_outbox_go_under_the_personal_namespace(
    courier_dovecot: Dovecot, courier_user: MailUser, imap_settings: SettingsFactory
) -> None:
    # A top-level CREATE "Sent" is refused on this layout, as "Trash" was.
    mbox = ImapMailbox.connect(
        imap_settings(courier_dovecot), courier_user.name, courier_user.password
    )
    try:
        assert mbox.role_folder("sent", create=False) is None
        assert mbox.role_folder("sent") == "INBOX.Sent"
        assert mbox.role_folder("drafts") == "INBOX.Drafts"
        assert mbox.role_folder("sent") == "INBOX.Sent"  # found the second time
        assert {f.name: f.role for f in mbox.folders()} == {
            "INBOX": "inbox", "INBOX.Sent": "sent", "INBOX.Drafts": "drafts",
        }
    finally:
        mbox.close()
