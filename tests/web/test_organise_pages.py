"""Organising on the demo mailbox: the bulk form's actions, moves with Undo, the confirmation
before anything is deleted for good, Empty Trash, folders, and the read view's extras."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from flask.testing import FlaskClient

from webmail.mailbox import demo


def post(client: FlaskClient, auth: Any, path: str, **data: Any) -> Any:
    return client.post(path, data={"csrf_token": auth.csrf(), **data})


def notice(client: FlaskClient, path: str = "/folder/INBOX") -> str:
    found = re.search(r'<span class="notice-text">([^<]*)</span>', client.get(path).get_data(
        as_text=True))
    return unescape(found.group(1)) if found else ""


def test_each_bulk_action_on_the_demo(
    client: FlaskClient, auth: Any, store: demo.DemoStore, mailbox: demo.DemoMailbox
) -> None:
    auth.login()
    uids = sorted(store.kinds("INBOX"))[:3]
    post(client, auth, "/bulk/INBOX", action="unread", uid=[str(u) for u in uids])
    assert all("\\Seen" not in store.folders["INBOX"][u].flags for u in uids)
    post(client, auth, "/bulk/INBOX", action="flag", uid=[str(u) for u in uids])
    assert all("\\Flagged" in store.folders["INBOX"][u].flags for u in uids)
    assert notice(client) == "3 messages flagged."
    post(client, auth, "/bulk/INBOX", action="spam", uid=str(uids[0]))
    assert len(store.folders["Junk"]) == 2
    junk = max(store.folders["Junk"])
    post(client, auth, "/bulk/Junk", action="notspam", uid=str(junk), next="/folder/Junk")
    assert len(store.folders["Junk"]) == 1
    response = post(client, auth, "/bulk/INBOX", action="move", target="Archive",
                    uid=[str(u) for u in uids[1:]])
    assert response.status_code == 303
    assert len(store.folders["Archive"]) == 4
    page = client.get("/folder/INBOX").get_data(as_text=True)
    undo = re.search(r'name="undo" value="([^"]+)"', page)
    assert undo is not None and "2 messages moved to Archive." in page
    post(client, auth, "/undo", undo=undo.group(1), next="/folder/INBOX")
    assert len(store.folders["Archive"]) == 2


def test_delete_in_trash_asks_then_deletes_and_empty_trash_asks_too(
    client: FlaskClient, auth: Any, store: demo.DemoStore
) -> None:
    auth.login()
    uid = min(store.kinds("INBOX"))
    assert client.post(f"/message/INBOX/{uid}/delete",
                       data={"csrf_token": auth.csrf()}).status_code == 302
    assert len(store.folders["Trash"]) == 2
    assert notice(client).startswith("1 message moved to Trash.")
    in_trash = max(store.folders["Trash"])
    asked = client.post(f"/message/Trash/{in_trash}/delete", data={"csrf_token": auth.csrf()})
    assert asked.status_code == 200 and "will be deleted for good" in asked.get_data(as_text=True)
    assert len(store.folders["Trash"]) == 2
    page = client.post("/empty/Trash", data={"csrf_token": auth.csrf(), "next": "/folder/Trash"}
                       ).get_data(as_text=True)
    assert "2 messages in Trash will be deleted for good" in page
    uids = re.search(r'name="uids" value="([^"]+)"', page)
    assert uids is not None
    post(client, auth, "/destroy/Trash", uids=uids.group(1), next="/folder/Trash")
    assert store.folders["Trash"] == {}
    assert notice(client, "/folder/Trash") == "2 messages deleted for good."


def test_folders_on_the_demo(client: FlaskClient, auth: Any, store: demo.DemoStore) -> None:
    auth.login()
    post(client, auth, "/settings/folders/create", name="Reisen", parent="")
    post(client, auth, "/settings/folders/create", name="Zürich", parent="Reisen")
    assert "Reisen/Zürich" in store.folders
    post(client, auth, "/settings/folders/rename", folder="Reisen", name="Reisen 2026")
    assert "Reisen 2026/Zürich" in store.folders and "Reisen" not in store.folders
    post(client, auth, "/settings/folders/delete", folder="Reisen 2026", confirm="1")
    assert not [f for f in store.folders if f.startswith("Reisen")]
    assert post(client, auth, "/settings/folders/delete", folder="Trash",
                confirm="1").status_code == 400
    assert "Trash" in store.folders


def test_the_read_view_offers_move_spam_source_download_and_print(
    client: FlaskClient, auth: Any, store: demo.DemoStore
) -> None:
    auth.login()
    uid = store.uid_of("brunch-where-are-you")
    page = client.get(f"/message/INBOX/{uid}").get_data(as_text=True)
    for needle in ('class="inline move-one"', 'name="action" value="spam"',
                   f'href="/message/INBOX/{uid}/source"', f'href="/message/INBOX/{uid}/eml"',
                   f'href="/message/INBOX/{uid}?print=1"', 'class="older" rel="next"'):
        assert needle in page, needle
    source = client.get(f"/message/INBOX/{uid}/source")
    assert source.get_data() == store.folders["INBOX"][uid].raw
    assert client.get(f"/message/INBOX/{uid}/eml").headers["Content-Disposition"].endswith(
        '.eml"')
