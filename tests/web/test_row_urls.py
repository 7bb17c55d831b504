"""A list row's links (``uid_link``) are exactly the URLs ``url_for`` builds, for any folder
name, UID and list state, and the list page shows them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from webmail.views.urls import MAX_UID, uid_link

ENDPOINTS = ("compose.reply", "compose.reply_all", "compose.forward", "mail.set_flags",
             "compose.resume", "mail.message", "mail.delete")
FOLDERS = ("INBOX", "Archive/2024", "Ünïcødé Ordner", "100% sure?#&", "a/4294967295",
           str(MAX_UID), "x/1/y", " lead and trail ")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_row_urls_are_the_urls_url_for_builds(app: Flask, endpoint: str) -> None:
    states = [{}, {"page": "3"}, {"q": f"from:{MAX_UID}", "late": "1", "page": "2"}]
    with app.test_request_context("/folder/INBOX?page=2", base_url="http://mail.example/wm"):
        for folder in FOLDERS:
            for uid in (1, 42, 10**6, MAX_UID - 1, MAX_UID):
                extra = [{}]
                if endpoint == "mail.message":
                    extra = [{"list": None, **s} for s in states] + [{"list": "Other"}]
                for values in extra:
                    want = url_for(endpoint, folder=folder, uid=uid, **values)
                    assert uid_link(endpoint, folder=folder, **values)(uid) == want


def test_a_route_without_a_uid_segment_still_gets_url_for_s_url(app: Flask) -> None:
    with app.test_request_context("/"):
        assert uid_link("mail.folder", folder="INBOX")(7) == url_for(
            "mail.folder", folder="INBOX", uid=7
        )


def test_the_list_page_links_each_row_to_its_own_message(client: FlaskClient, auth: Any) -> None:
    auth.login()
    page = client.get("/folder/INBOX?page=1").get_data(as_text=True)
    uids = re.findall(r'id="msg-(\d+)"', page)
    assert len(uids) > 5
    for uid in uids:
        assert f'href="/message/INBOX/{uid}?page=1"' in page
        assert f'action="/message/INBOX/{uid}/flags"' in page
        assert f'formaction="/message/INBOX/{uid}/delete"' in page
        assert f'data-reply="/compose/reply/INBOX/{uid}"' in page
