"""Pages that say what they mean (issue 13): mark read without JavaScript, a missing message
or folder is "Not found", the way back to the list, headings and titles."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient


def test_an_unread_message_offers_mark_read_without_javascript(
    client: FlaskClient, auth: Any, store: Any, mailbox: Any
) -> None:
    auth.login()
    uid = store.uid_of("brunch-where-are-you")
    page = client.get(f"/message/INBOX/{uid}").text
    assert '<button type="submit" name="action" value="read">Mark read</button>' in page
    assert ">Mark unread</button>" not in page
    done = client.post(
        f"/message/INBOX/{uid}/flags",
        data={"action": "read", "csrf_token": auth.csrf(), "next": f"/message/INBOX/{uid}"},
    )
    assert done.status_code == 302
    assert "\\Seen" in next(r.flags for r in mailbox.summaries("INBOX") if r.uid == uid)
    page = client.get(f"/message/INBOX/{uid}").text
    assert '<button type="submit" name="action" value="unread">Mark unread</button>' in page


def test_a_missing_message_is_not_found_not_a_server_problem(
    client: FlaskClient, auth: Any
) -> None:
    auth.login()
    response = client.get("/message/INBOX/99999")
    assert response.status_code == 404
    page = response.text
    assert "<title>Not found · Webmail</title>" in page
    assert "Mail server problem" not in page and "Try again" not in page


def test_the_way_back_keeps_the_filter_and_page(client: FlaskClient, auth: Any) -> None:
    auth.login()
    listing = client.get("/folder/INBOX?late=1").text
    link = re.search(r'<a class="msg-link" href="([^"]+)"', listing)
    assert link and "late=1" in link.group(1)
    page = client.get(link.group(1).replace("&amp;", "&")).text
    back = re.search(r'<p class="back"><a href="([^"]+)"', page)
    assert back and back.group(1) == "/folder/INBOX?late=1"


def test_the_title_counts_unread_mail_and_the_late_count_is_on_the_page(
    client: FlaskClient, auth: Any, mailbox: Any
) -> None:
    auth.login()
    unread = next(f.unseen for f in mailbox.folders() if f.name == "INBOX")
    page = client.get("/folder/INBOX").text
    assert f"<title>Inbox ({unread} unread) · Webmail</title>" in page
    assert '<span class="muted late-count">18 late</span>' in page


def test_a_nested_folder_heading_names_its_parents(
    client: FlaskClient, auth: Any, store: Any
) -> None:
    store.folders["Archive/2024"] = {}
    store.uidnext["Archive/2024"] = 1
    auth.login()
    page = client.get("/folder/Archive/2024").text
    assert "<h1>Archive / 2024</h1>" in page
