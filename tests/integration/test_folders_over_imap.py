"""Settings → Folders against a real Dovecot: a folder with a non-ASCII name is made, renamed
and deleted (modified UTF-7 on the wire, the name as typed on every page), a delete asks
first and takes the subfolders with it, and special-use folders cannot be renamed or
deleted; the read view's neighbours, source, .eml download and the new-mail check."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.imapserver import Dovecot, MailUser
from tests.support.syncdata import message
from tests.support.webmail_client import NEW_MAIL, Reader, webmail_app
from webmail.config import Settings
from webmail.services import services

SettingsFactory = Callable[..., Settings]


@pytest.fixture
def reader(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory, tmp_path: Path
) -> Iterator[Reader]:
    for n in range(4):
        raw, arrival = message(n)
        dovecot.deliver(mail_user.name, raw, arrival)
    app: Flask = webmail_app(imap_settings(dovecot, page_size=2), tmp_path / "instance")
    client = Reader(app.test_client())
    assert client.login(mail_user.name, mail_user.password).status_code == 302
    client.user = mail_user  # type: ignore[attr-defined]
    yield client
    services(app).sync_jobs.wait()
    services(app).pool.close_all()


def wire_names(dovecot: Dovecot, user: MailUser) -> set[str]:
    """The folder names as they travel over IMAP (no modified UTF-7 decoding)."""
    client = dovecot.client(user.name, user.password)
    try:
        client.folder_encode = False
        return {name.decode() if isinstance(name, bytes) else name
                for _, _, name in client.list_folders()}
    finally:
        client.logout()


def notice(page: str) -> str:
    found = re.search(r'<p class="notice" role="status">([^<]*)</p>', page)
    return unescape(found.group(1)) if found else ""


def test_a_folder_with_a_non_ascii_name_is_made_renamed_and_deleted(
    reader: Reader, dovecot: Dovecot
) -> None:
    user = reader.user  # type: ignore[attr-defined]
    response = reader.post("/settings/folders/create", name="Année 2026", parent="")
    assert response.status_code == 303
    assert "Ann&AOk-e 2026" in wire_names(dovecot, user)  # modified UTF-7 on the wire
    page = reader.page("/settings/folders/")
    assert notice(page) == "Folder “Année 2026” made."
    assert '<span class="fname">Année 2026</span>' in reader.page("/folder/INBOX")  # as typed
    reader.post("/settings/folders/create", name="Übersicht", parent="Année 2026")
    assert "Ann&AOk-e 2026/&ANw-bersicht" in wire_names(dovecot, user)
    reader.post("/settings/folders/rename", folder="Année 2026", name="Jahr 2026 – Köln")
    names = wire_names(dovecot, user)
    assert "Ann&AOk-e 2026" not in names
    assert "Jahr 2026 &IBM- K&APY-ln/&ANw-bersicht" in names  # the subfolder followed
    assert reader.page("/folder/Jahr 2026 – Köln/Übersicht").count('class="msg') == 0
    asked = reader.post("/settings/folders/delete", folder="Jahr 2026 – Köln")
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "0 messages and 1 subfolder will be deleted for good" in text
    assert "Jahr 2026 &IBM- K&APY-ln" in wire_names(dovecot, user)  # nothing gone yet
    done = reader.post("/settings/folders/delete", folder="Jahr 2026 – Köln", confirm="1")
    assert done.status_code == 303
    assert not [n for n in wire_names(dovecot, user) if n.startswith("Jahr")]
    assert notice(reader.page("/settings/folders/")) == (
        "Folder “Jahr 2026 – Köln” with 1 subfolder deleted."
    )


def test_messages_go_with_a_deleted_folder_and_are_counted_first(
    reader: Reader, dovecot: Dovecot
) -> None:
    reader.post("/settings/folders/create", name="Old", parent="")
    reader.client.post("/bulk/INBOX", data={"csrf_token": reader.csrf(), "action": "move",
                                            "target": "Old", "uid": ["1", "2"]})
    asked = reader.post("/settings/folders/delete", folder="Old").get_data(as_text=True)
    assert "2 messages will be deleted for good" in asked


@pytest.mark.parametrize("folder", ["INBOX", "Trash", "Sent"])
def test_special_use_folders_cannot_be_renamed_or_deleted(
    reader: Reader, dovecot: Dovecot, folder: str
) -> None:
    user = reader.user  # type: ignore[attr-defined]
    client = dovecot.client(user.name, user.password)
    try:
        for name in ("Trash", "Sent"):
            if name not in {n for _, _, n in client.list_folders()}:
                client.create_folder(name)
    finally:
        client.logout()
    page = reader.page("/settings/folders/")
    row = re.search(rf'<a href="/folder/{folder}">.*?</tr>', page, re.S)
    assert row is not None and "special folder" in row.group(0)
    assert "Rename" not in row.group(0) and "Delete" not in row.group(0)
    refused = reader.post("/settings/folders/delete", folder=folder, confirm="1")
    assert refused.status_code == 400
    assert reader.post("/settings/folders/rename", folder=folder, name="X").status_code == 400
    assert folder in wire_names(dovecot, user)


@pytest.mark.parametrize(
    ("name", "says"),
    [("", "Type a name"), ("a/b", "cannot hold “/”"), ("x*", "cannot be"), ("inbox", "Inbox"),
     ("line\nbreak", "control characters"), ("y" * 101, "at most 100")],
)
def test_a_bad_folder_name_says_why(reader: Reader, name: str, says: str) -> None:
    response = reader.post("/settings/folders/create", name=name, parent="")
    assert response.status_code == 400
    assert says in unescape(response.get_data(as_text=True))


def test_the_read_view_steps_through_the_list_across_pages(reader: Reader) -> None:
    # Page size 2, newest first: UIDs 4 3 | 2 1.
    page = reader.page("/message/INBOX/3?page=1")
    newer = re.search(r'<a class="newer" rel="prev" href="([^"]+)"', page)
    older = re.search(r'<a class="older" rel="next" href="([^"]+)"', page)
    assert newer is not None and unescape(newer.group(1)) == "/message/INBOX/4"
    assert older is not None and unescape(older.group(1)) == "/message/INBOX/2?page=2"
    page = reader.page("/message/INBOX/2?page=2")
    back = re.search(r'<p class="back"><a href="([^"]+)"', page)
    assert back is not None and unescape(back.group(1)) == "/folder/INBOX?page=2"
    newer = re.search(r'<a class="newer" rel="prev" href="([^"]+)"', page)
    assert newer is not None and unescape(newer.group(1)) == "/message/INBOX/3"
    first = reader.page("/message/INBOX/4")
    assert 'class="newer"' not in first and 'class="older"' in first


def test_source_and_eml_are_the_message_as_stored(reader: Reader, dovecot: Dovecot) -> None:
    raw, _ = message(0)
    source = reader.client.get("/message/INBOX/1/source")
    assert source.status_code == 200
    assert source.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert source.headers["X-Content-Type-Options"] == "nosniff"
    assert source.get_data().replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    eml = reader.client.get("/message/INBOX/1/eml")
    assert eml.headers["Content-Disposition"].startswith("attachment; filename=")
    assert eml.headers["Content-Disposition"].endswith('.eml"')
    assert eml.get_data() == source.get_data()
    assert reader.client.get("/message/INBOX/99/source").status_code == 404
    page = reader.page("/message/INBOX/1")
    assert 'href="/message/INBOX/1?print=1"' in page
    assert 'data-print-now="1"' in reader.page("/message/INBOX/1?print=1")


def test_the_news_check_counts_mail_another_client_delivered(
    reader: Reader, dovecot: Dovecot
) -> None:
    user = reader.user  # type: ignore[attr-defined]
    page = reader.page("/folder/INBOX")
    shown = re.search(r'data-news-url="([^"]+)" data-total="(\d+)"', page)
    assert shown is not None and shown.group(2) == "4"
    client = dovecot.client(user.name, user.password)
    try:
        client.append("INBOX", NEW_MAIL)
    finally:
        client.logout()
    news: Any = reader.client.get(shown.group(1)).get_json()
    assert news["total"] == 5 and news["unseen"] == 5
    assert news["folders"]["INBOX"] == 5
    assert reader.client.get("/api/news/Nowhere").status_code == 404
