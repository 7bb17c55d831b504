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
    client: FlaskClient, auth: Any, store: Any, monkeypatch: Any
) -> None:
    from dataclasses import replace

    from webmail.mailbox import demo

    store.folders["Archive/2024"] = {}
    store.uidnext["Archive/2024"] = 1
    listed = demo.DemoMailbox.folders

    def folders(self: Any) -> Any:  # nested one level, as LIST says on a real server
        archive = next(f for f in listed(self) if f.name == "Archive")
        others = [f for f in listed(self) if f.name != "Archive/2024"]
        return [*others, replace(archive, name="Archive/2024", display_name="2024", depth=1)]

    monkeypatch.setattr(demo.DemoMailbox, "folders", folders)
    auth.login()
    page = client.get("/folder/Archive/2024").text
    assert "<h1>Archive / 2024</h1>" in page


def test_a_rows_state_is_in_its_link_in_words(client: FlaskClient, auth: Any, store: Any) -> None:
    auth.login()
    page = client.get("/folder/INBOX").text
    uid = store.uid_of("brunch-where-are-you")
    row = re.search(rf'<li class="msg[^"]*" data-uid="{uid}">.*?</li>', page, re.S)
    assert row
    assert (
        '<span class="visually-hidden">Unread, delivered 1 day 19 hours late, held at '
        "mx2.example.com, </span>"
    ) in row.group(0)
    # The badge is not a tab stop the keyboard cannot use; screen readers have the words.
    assert '<span class="late-badge" aria-hidden="true"' in row.group(0)
    assert 'tabindex="0"' not in row.group(0)
    # An unread row's button says what it does, not a state.
    assert 'title="Mark read">Mark read</button>' in row.group(0)


def test_duration_words() -> None:
    from webmail.views.timefmt import duration_words, late_words

    assert duration_words(86400 + 3600) == "1 day 1 hour"
    assert duration_words(2 * 86400 + 19 * 3600) == "2 days 19 hours"
    assert duration_words(61) == "1 minute 1 second"
    assert late_words(45 * 60) == "delivered 45 minutes late"


def test_every_page_has_a_skip_link_to_its_content(client: FlaskClient, auth: Any) -> None:
    assert '<a class="skip-link" href="#main">' in client.get("/login").text
    auth.login()
    for path in ("/folder/INBOX", "/settings/", "/compose", "/delays?folder=INBOX"):
        page = client.get(path, follow_redirects=True).text
        assert '<a class="skip-link" href="#main">' in page, path
        assert 'id="main" tabindex="-1"' in page, path


def test_indexing_progress_is_json_for_the_page_to_update_in_place(
    client: FlaskClient, auth: Any
) -> None:
    assert client.get("/api/indexing?folder=INBOX").status_code == 302  # signed in only
    auth.login()
    assert client.get("/api/indexing?folder=INBOX").get_json() == {"indexing": False}
